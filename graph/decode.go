package graph

import (
	"bufio"
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Decoding errors, for errors.Is. (They sit here rather than in problem.go
// because only decoding returns them.)
var (
	// ErrWrongType is a value of the wrong type: a string where an integer
	// belongs, a list where a value belongs. Decoding reports it at the path
	// of the value and goes on with the rest of the application.
	ErrWrongType = errors.New("wrong type")
	// ErrNotApplication is a document of another kind in a stream.
	ErrNotApplication = errors.New("not a " + APIVersion + " " + Kind)
)

// Document is one document of a YAML or JSON stream, as written.
type Document struct {
	// Position is the document's place in the stream, from 1; empty
	// documents are not counted.
	Position int
	// Data is the document's text: YAML, or one JSON value.
	Data []byte
}

// Documents splits a YAML stream (documents between "---" lines) or a JSON
// stream (JSON values one after another) into its documents, skipping empty
// ones (a trailing "---", a document of comments, null). It does not decode
// them; an error is a stream it cannot split, and names the document.
func Documents(data []byte) ([]Document, error) {
	if utilyaml.IsJSONBuffer(data) {
		// A stream that starts with "{" is JSON, unless its first value
		// does not end where a second begins: then it is YAML (a flow
		// mapping, say), as k8s.io/apimachinery's YAMLOrJSONDecoder decides.
		docs, err := jsonDocuments(data)
		if err == nil || len(docs) > 1 {
			return docs, err
		}
	}
	var docs []Document
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		if emptyYAML(doc) {
			continue
		}
		docs = append(docs, Document{Position: len(docs) + 1, Data: slices.Clone(doc)})
	}
}

func jsonDocuments(data []byte) ([]Document, error) {
	var docs []Document
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		if !isNull(raw) {
			docs = append(docs, Document{Position: len(docs) + 1, Data: raw})
		}
	}
}

// isMarker reports whether a line is a YAML document marker alone ("---",
// "...", perhaps with a comment); the stream reader keeps a leading "---".
func isMarker(l []byte) bool {
	for _, m := range []string{"---", "..."} {
		if rest, ok := bytes.CutPrefix(l, []byte(m)); ok {
			rest = bytes.TrimSpace(rest)
			return len(rest) == 0 || rest[0] == '#'
		}
	}
	return false
}

func isNull(js []byte) bool { return string(bytes.TrimSpace(js)) == "null" }

// emptyYAML reports whether a YAML document holds nothing: blank lines and
// comments, or a lone null. (Converting it to see would double the cost of
// Parse.)
func emptyYAML(doc []byte) bool {
	var content []byte
	for line := range bytes.Lines(doc) {
		l := bytes.TrimSpace(line)
		if len(l) == 0 || l[0] == '#' || isMarker(l) {
			continue
		}
		if content != nil {
			return false
		}
		content = l
	}
	if content == nil {
		return true
	}
	value, _, _ := bytes.Cut(content, []byte(" #"))
	switch string(bytes.TrimSpace(value)) {
	case "null", "Null", "NULL", "~":
		return true
	}
	return false
}

// Parsed is one document of a stream, decoded as Parse decodes it.
type Parsed struct {
	Document
	// Label names the document in messages: the application's name, or
	// "document N" for one without a name or of another kind; with the
	// position added when two documents have the same name.
	Label string
	// App and Err are what Parse returned for the document.
	App *StreamingApplication
	Err error
}

// ParseAll parses every document of a YAML or JSON stream (see Documents) as
// a StreamingApplication, as Parse does; a document of another kind gets an
// error matching ErrNotApplication that names its kind and name. The error
// is a stream that cannot be split, after the documents before it.
func ParseAll(data []byte) ([]Parsed, error) {
	docs, err := Documents(data)
	out := make([]Parsed, len(docs))
	names := map[string]int{}
	for i, d := range docs {
		out[i].Document = d
		out[i].App, out[i].Err = parseDocument(d.Data)
		if app := out[i].App; app != nil && app.Name != "" {
			names[app.Name]++
		}
	}
	for i := range out {
		p := &out[i]
		switch app := p.App; {
		case app == nil || app.Name == "":
			p.Label = fmt.Sprintf("document %d", p.Position)
		case names[app.Name] > 1:
			p.Label = fmt.Sprintf("%s (document %d)", app.Name, p.Position)
		default:
			p.Label = app.Name
		}
	}
	return out, err
}

// Parse decodes one StreamingApplication from YAML or JSON strictly, for the
// offline commands, the way the API server's strict field validation does:
// field names are case-sensitive, and every unknown or misspelt field, and
// every field given twice, is an error that names its path. A value of the
// wrong type is an error matching ErrWrongType, at the path of the value
// with streamlets and ports by name. With only such errors it also returns
// the application decoded without those fields and values, so that its other
// problems can be reported at once: unknown fields come first, then values
// of the wrong type by path. A stream of several documents is an error (see
// ParseAll). The hook does not use it: the API server has already pruned
// what the CRD does not know.
func Parse(data []byte) (*StreamingApplication, error) {
	docs, err := Documents(data)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	case len(docs) != 1:
		return nil, fmt.Errorf("%w: %d documents, want one (ParseAll reads a stream)", ErrMalformed, len(docs))
	}
	return parseDocument(docs[0].Data)
}

// parseDocument is Parse of one document.
func parseDocument(doc []byte) (*StreamingApplication, error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var app StreamingApplication
	strict, err := kjson.UnmarshalStrict(js, &app)
	var wrong Problems
	if err != nil {
		app, strict, wrong, err = decodeLeniently(js, true)
		if err != nil {
			return nil, err
		}
	}
	if app.APIVersion != APIVersion || app.Kind != Kind {
		return nil, fmt.Errorf("%s is %w", describeObject(app.APIVersion, app.Kind, app.Name), ErrNotApplication)
	}
	errs := make([]error, 0, len(strict)+len(wrong))
	for _, e := range strict {
		errs = append(errs, fieldError{e})
	}
	for _, p := range wrong {
		errs = append(errs, p)
	}
	return &app, errors.Join(errs...)
}

// describeObject names a document of a stream in messages: kind/name and
// its apiVersion.
func describeObject(apiVersion, kind, name string) string {
	switch {
	case kind == "" && apiVersion == "" && name == "":
		return "an object without apiVersion, kind and name"
	case kind == "" && apiVersion == "":
		return "an object without apiVersion and kind, named " + name + ","
	}
	s := kind
	if kind == "" {
		s = "an object without kind"
	}
	if name != "" {
		s += "/" + name
	}
	if apiVersion == "" {
		return s + " (no apiVersion)"
	}
	return s + " (apiVersion " + apiVersion + ")"
}

// FromJSON decodes a parent as the API server stored it (leniently: the
// server has already pruned unknown fields). A value of the wrong type, which
// the CRD's schema should have refused, is an error matching ErrWrongType at
// its path, as Parse reports it; with only such errors it also returns the
// application decoded without those values, for its other problems. Nothing
// must be made of that application: ResolveJSON reports both and resolves
// nothing.
func FromJSON(data []byte) (*StreamingApplication, error) {
	var app StreamingApplication
	if err := json.Unmarshal(data, &app); err != nil {
		app, _, wrong, err := decodeLeniently(data, false)
		if err != nil {
			return nil, err
		}
		return &app, errors.Join(wrong.errors()...)
	}
	return &app, nil
}

// ResolveJSON decodes a parent as the API server stored it (FromJSON) and
// resolves it: the values of the wrong type come first, then every problem
// of the rest of the application, and there is a blueprint only when there
// is no problem at all. A document it cannot decode is one problem at spec.
func ResolveJSON(data []byte) (*Blueprint, Problems) {
	app, err := FromJSON(data)
	if app == nil {
		return nil, Problems{{Path: "spec", Err: err}}
	}
	bp, problems := Resolve(app)
	if err == nil {
		return bp, problems
	}
	var wrong Problems
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() { // errors.Join of Problems
		wrong = append(wrong, e.(Problem))
	}
	return nil, append(wrong, problems...)
}

func (ps Problems) errors() []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errs
}

// decodeLeniently decodes an application whose JSON does not decode as it
// stands: each value of the wrong type is reported at its path and left out,
// and the rest is decoded as Parse (strict, returning the unknown fields) or
// FromJSON does. It fails only for a document that is not JSON or not an
// object.
func decodeLeniently(js []byte, strict bool) (app StreamingApplication, unknown []error, wrong Problems, err error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return app, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, ok := tree.(map[string]any); !ok {
		return app, nil, nil, fmt.Errorf("%w: the document is %s, not an object", ErrMalformed, describeValue(tree))
	}
	c := &typeCheck{exact: strict}
	c.value("", tree, reflect.TypeFor[StreamingApplication]())
	cleaned, err := json.Marshal(tree)
	if err == nil {
		if strict {
			unknown, err = kjson.UnmarshalStrict(cleaned, &app)
		} else {
			err = json.Unmarshal(cleaned, &app)
		}
	}
	if err != nil { // what the check let through does not decode: a bug here
		return app, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	slices.SortStableFunc(c.problems, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
	return app, unknown, c.problems, nil
}

// typeCheck walks a decoded JSON value beside the Go type it decodes into,
// the way encoding/json does, and reports and removes every value that type
// does not take.
type typeCheck struct {
	// exact matches field names exactly, as strict decoding does; otherwise
	// also regardless of case, as encoding/json does.
	exact    bool
	problems Problems
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	quantityType    = reflect.TypeFor[resource.Quantity]()
	scalarType      = reflect.TypeFor[Scalar]()
)

// value checks v, at path, against t: it returns v without what t does not
// take (lists are copied, objects changed in place), and whether t takes v
// at all.
func (c *typeCheck) value(path string, v any, t reflect.Type) (any, bool) {
	if t.Kind() == reflect.Pointer {
		if v == nil {
			return v, true
		}
		return c.value(path, v, t.Elem())
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshaler) || (pt.Implements(textUnmarshaler) && isString(v)) {
		return v, c.decodes(path, v, t)
	}
	if v == nil {
		return v, true // null leaves a value as it is
	}
	ok := true
	switch t.Kind() {
	case reflect.String:
		ok = isString(v)
	case reflect.Bool:
		_, ok = v.(bool)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v, c.integer(path, v, t)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, isNumber := v.(json.Number)
		_, err := strconv.ParseUint(string(n), 10, t.Bits())
		ok = isNumber && err == nil
	case reflect.Float32, reflect.Float64:
		n, isNumber := v.(json.Number)
		_, err := strconv.ParseFloat(string(n), t.Bits())
		ok = isNumber && err == nil
	case reflect.Interface:
		return v, true
	case reflect.Struct:
		m, isObject := v.(map[string]any)
		if ok = isObject; ok {
			c.object(path, m, t)
		}
	case reflect.Map:
		m, isObject := v.(map[string]any)
		if ok = isObject && t.Key().Kind() == reflect.String; ok {
			for k, e := range m {
				if e, keep := c.value(path+"["+k+"]", e, t.Elem()); keep {
					m[k] = e
				} else {
					delete(m, k)
				}
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v, c.decodes(path, v, t) // base64
		}
		l, isList := v.([]any)
		if ok = isList; ok {
			kept := make([]any, 0, len(l))
			for i, e := range l {
				if e, keep := c.value(path+"["+elementName(e, i)+"]", e, t.Elem()); keep {
					kept = append(kept, e)
				}
			}
			v = kept
		}
	default: // arrays, channels, funcs: not in the API
		return v, c.decodes(path, v, t)
	}
	if !ok {
		c.wrong(path, want(t), v)
	}
	return v, ok
}

// object checks the fields of an object against struct type t; a field
// that t does not have is left for strict decoding to report, or ignored.
func (c *typeCheck) object(path string, m map[string]any, t reflect.Type) {
	for k, e := range m {
		f, found := c.field(t, k)
		if !found {
			continue
		}
		p := k
		if path != "" {
			p = path + "." + k
		}
		if e, keep := c.value(p, e, f.Type); keep {
			m[k] = e
		} else {
			delete(m, k)
		}
	}
}

// field finds the field of struct type t that JSON key k decodes into, the
// way encoding/json does: by its JSON name, then (unless exact) regardless
// of case; fields of embedded structs without a name are promoted.
func (c *typeCheck) field(t reflect.Type, k string) (reflect.StructField, bool) {
	var fold *reflect.StructField
	var embedded []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			embedded = append(embedded, f)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		switch {
		case name == k:
			return f, true
		case fold == nil && !c.exact && strings.EqualFold(name, k):
			fold = &f
		}
	}
	if fold != nil {
		return *fold, true
	}
	for _, e := range embedded {
		ft := e.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f, ok := c.field(ft, k); ok {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// integer checks a value for an integer field of type t.
func (c *typeCheck) integer(path string, v any, t reflect.Type) bool {
	n, isNumber := v.(json.Number)
	if !isNumber {
		c.wrong(path, "an integer", v)
		return false
	}
	_, err := strconv.ParseInt(string(n), 10, t.Bits())
	switch {
	case err == nil:
		return true
	case errors.Is(err, strconv.ErrRange):
		bits := uint(t.Bits())
		c.wrong(path, fmt.Sprintf("an integer from %d to %d", int64(-1)<<(bits-1), int64(math.MaxInt64>>(64-bits))), v)
	default:
		c.wrong(path, "an integer", v)
	}
	return false
}

// decodes checks a value of a type that decodes itself (Scalar, Quantity,
// time) by decoding it.
func (c *typeCheck) decodes(path string, v any, t reflect.Type) bool {
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, reflect.New(t).Interface())
	}
	switch {
	case err == nil:
		return true
	case t == scalarType:
		c.wrong(path, "a string, number or boolean", v)
	case t == quantityType:
		c.wrong(path, "a quantity such as 500m or 2Gi", v)
	default:
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			c.wrong(path, want(t), v)
		} else {
			c.problems = append(c.problems, Problem{Path: path, Err: typeError(err.Error())})
		}
	}
	return false
}

// wrong reports a value that is not what its field takes.
func (c *typeCheck) wrong(path, want string, v any) {
	msg := "must be " + want + ", not " + describeValue(v)
	if _, isString := v.(string); want == "a string" && !isString && v != nil {
		if _, isList := v.([]any); !isList {
			if _, isObject := v.(map[string]any); !isObject {
				msg += " (quote it)"
			}
		}
	}
	c.problems = append(c.problems, Problem{Path: path, Err: typeError(msg)})
}

// want says what a type takes.
func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "a list"
	}
	return "a " + t.String()
}

// describeValue names a decoded JSON value in messages.
func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		const max = 60
		if len(v) > max {
			cut := max
			for cut > 0 && !utf8.RuneStart(v[cut]) {
				cut--
			}
			return "the string " + strconv.Quote(v[:cut]) + "…"
		}
		return "the string " + strconv.Quote(v)
	case json.Number:
		return "the number " + string(v)
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// elementName names a list element in paths: by its name (streamlets,
// ports, env, volume mounts), key (config parameters) or from (connections),
// as validation does; by its index when it has none.
func elementName(e any, i int) string {
	if m, ok := e.(map[string]any); ok {
		for _, k := range []string{"name", "key", "from"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return strconv.Itoa(i)
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// typeError is a value of the wrong type; it matches ErrWrongType.
type typeError string

// Error says what the value must be and what it is.
func (e typeError) Error() string { return string(e) }

// Is makes a typeError match ErrWrongType.
func (e typeError) Is(target error) bool { return target == ErrWrongType }

// fieldError is an unknown (or duplicate) field found by strict decoding;
// it matches ErrUnknownField.
type fieldError struct{ err error }

// Error names the field and says what to check.
func (e fieldError) Error() string {
	return e.err.Error() + " (misspelt, or not part of " + APIVersion + ")"
}

// Is makes a fieldError match ErrUnknownField.
func (e fieldError) Is(target error) bool { return target == ErrUnknownField }
