package graph

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
	kjson "sigs.k8s.io/json"
)

// decodeLeniently decodes an application whose JSON does not decode as it
// stands: each value of the wrong type is reported at its path and left out,
// and the rest is decoded as Parse (strict, returning the unknown fields) or
// FromJSON does. It fails only for a document that is not JSON or not an
// object.
//
// It also returns the document as checked, without those values: the
// unknown fields' paths are paths in it.
func decodeLeniently(js []byte, strict bool) (app StreamingApplication, tree any, unknown []error, wrong Problems, err error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return app, nil, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, ok := tree.(map[string]any); !ok {
		return app, nil, nil, nil, fmt.Errorf("%w: the document is %s, not an object", ErrMalformed, describeValue(tree))
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
		return app, nil, nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	slices.SortStableFunc(c.problems, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
	return app, tree, unknown, c.problems, nil
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
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		ok = isNumber(v, t)
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
			c.entries(path, m, t.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v, c.decodes(path, v, t) // base64
		}
		l, isList := v.([]any)
		if ok = isList; ok {
			v = c.elements(path, l, t.Elem())
		}
	default: // arrays, channels, funcs: not in the API
		return v, c.decodes(path, v, t)
	}
	if !ok {
		c.wrong(path, want(t), v)
	}
	return v, ok
}

// isNumber reports whether v is a number that unsigned or floating-point
// type t holds.
func isNumber(v any, t reflect.Type) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	var err error
	if t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64 {
		_, err = strconv.ParseFloat(string(n), t.Bits())
	} else {
		_, err = strconv.ParseUint(string(n), 10, t.Bits())
	}
	return err == nil
}

// entries checks the values of a map against elem, removing those it does
// not take.
func (c *typeCheck) entries(path string, m map[string]any, elem reflect.Type) {
	for k, e := range m {
		if e, keep := c.value(path+"["+k+"]", e, elem); keep {
			m[k] = e
		} else {
			delete(m, k)
		}
	}
}

// elements checks the elements of a list against elem and returns those it
// takes, each named in paths as validation names it.
func (c *typeCheck) elements(path string, l []any, elem reflect.Type) []any {
	kept := make([]any, 0, len(l))
	for i, e := range l {
		if e, keep := c.value(path+"["+elementName(e, i)+"]", e, elem); keep {
			kept = append(kept, e)
		}
	}
	return kept
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
			c.problems.add(path, ErrWrongType, "%s", err.Error())
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
	c.problems.add(path, ErrWrongType, "%s", msg)
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
