package hooks

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/children/tree"
)

// The fast reader of sync and finalize requests (the profile: decoding the
// request into unstructured maps was 41% of a sync, BENCHMARKS.md). It reads
// the body once, with go-json-experiment's tokenizer, into only what the
// answer reads:
//
//   - each observed child as an unstructured object without its
//     managedFields (skipped, numbers checked) and without its last-applied
//     annotation, which is kept as it came, a quoted JSON string into the
//     body, for children.LastApplied: it is decoded only for a child the
//     answer keeps as last applied;
//   - the parent as raw JSON, for graph and the status, with its identity;
//   - the related objects and the controller as Request would hold them.
//
// It reads only what Metacontroller sends, which encoding/json wrote from
// maps: valid UTF-8, no duplicate names, and in the parent, names in sorted
// order and numbers as encoding/json writes them. Anything else (a request
// that is malformed, or merely unusual) is errUnusual, and the request is
// read again the way it always was (decodeRequest, then read), so that every
// request gets exactly the answer and the error it got before: the fast
// reader never accepts what that one refuses, and never reads a value
// otherwise (FuzzReadWire holds the two to the same answers).

// errUnusual: the fast reader does not read this request; decodeRequest
// does.
var errUnusual = errors.New("request not in Metacontroller's form")

// wireRequest is a request as the fast reader read it.
type wireRequest struct {
	parent parentHead
	// parentJSON is the parent without its status: what graph resolves.
	parentJSON []byte
	// spec and status are the parent's, raw; nil when absent.
	spec, status []byte
	children     map[string]map[string]*unstructured.Unstructured
	lastApplied  map[*unstructured.Unstructured][]byte
	related      map[string]map[string]*unstructured.Unstructured
}

// parentHead is what Request's parent accessors would return.
type parentHead struct {
	apiVersion, kind, name, namespace, uid string
	generation                             int64
}

// wireReader reads one request body.
type wireReader struct {
	body []byte
	d    *jsontext.Decoder
	r    tree.Reader
	req  wireRequest
}

// readWire reads a sync or finalize request body; errUnusual when it must be
// read the slow way.
func readWire(body []byte) (*wireRequest, error) {
	w := &wireReader{body: body, d: tree.NewDecoder(body)}
	w.req.lastApplied = map[*unstructured.Unstructured][]byte{}
	if err := w.request(); err != nil {
		return nil, errUnusual
	}
	if _, err := w.d.ReadToken(); err != io.EOF {
		return nil, errUnusual // data after the request
	}
	p := w.req.parent
	parent := unstructured.Unstructured{Object: map[string]any{"apiVersion": p.apiVersion, "kind": p.kind}}
	if w.req.parentJSON == nil || w.req.children == nil || parent.GroupVersionKind().Kind == "" {
		return nil, errUnusual // decodeRequest and read say what is missing
	}
	return &w.req, nil
}

// requestFields are the request's fields as Request names them; another
// name that only differs in case would match one in encoding/json.
var requestFields = []string{"controller", "parent", "children", "related", "finalizing"}

func (w *wireReader) request() error {
	if err := w.open('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for w.d.PeekKind() != '}' {
		name, err := w.r.Name(w.d)
		if err != nil {
			return err
		}
		if seen[name] {
			return errUnusual
		}
		seen[name] = true
		switch name {
		case "controller":
			err = w.object(true)
		case "parent":
			err = w.parent()
		case "children":
			w.req.children, err = w.kinds(true)
		case "related":
			w.req.related, err = w.kinds(false)
		case "finalizing":
			err = w.finalizing()
		default:
			for _, f := range requestFields {
				if strings.EqualFold(name, f) {
					return errUnusual
				}
			}
			err = w.d.SkipValue()
		}
		if err != nil {
			return err
		}
	}
	_, err := w.d.ReadToken()
	return err
}

// open reads the opening delimiter of an object or array.
func (w *wireReader) open(kind jsontext.Kind) error {
	if w.d.PeekKind() != kind {
		return errUnusual
	}
	_, err := w.d.ReadToken()
	return err
}

func (w *wireReader) finalizing() error {
	raw, err := w.d.ReadValue()
	if err != nil {
		return err
	}
	switch raw.Kind() {
	case 't', 'f', 'n':
		return nil
	}
	return errUnusual
}

// object reads an object as unstructured.Unstructured.UnmarshalJSON would
// accept it (or null, where nullable), and drops it: nothing reads the
// controller.
func (w *wireReader) object(nullable bool) error {
	if nullable && w.d.PeekKind() == 'n' {
		_, err := w.d.ReadValue()
		return err
	}
	_, err := w.readObject(false)
	return err
}

// readObject reads a whole object that must have a kind; lean leaves out its
// managedFields and its last-applied annotation (see child).
func (w *wireReader) readObject(lean bool) (*unstructured.Unstructured, error) {
	if w.d.PeekKind() != '{' {
		return nil, errUnusual
	}
	var u *unstructured.Unstructured
	if lean {
		var err error
		if u, err = w.child(); err != nil {
			return nil, err
		}
	} else {
		v, err := w.r.Read(w.d)
		if err != nil {
			return nil, err
		}
		u = &unstructured.Unstructured{Object: v.(map[string]any)}
	}
	if u.GroupVersionKind().Kind == "" {
		return nil, errUnusual // UnmarshalJSON's "Object 'Kind' is missing"
	}
	return u, nil
}

// kinds reads the children (or related) map: "Kind.apiVersion", then
// "namespace/name", then the object.
func (w *wireReader) kinds(lean bool) (map[string]map[string]*unstructured.Unstructured, error) {
	if err := w.open('{'); err != nil {
		return nil, err
	}
	out := map[string]map[string]*unstructured.Unstructured{}
	for w.d.PeekKind() != '}' {
		key, err := w.r.Name(w.d)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, errUnusual
		}
		if w.d.PeekKind() == 'n' {
			out[key] = nil
			if _, err := w.d.ReadValue(); err != nil {
				return nil, err
			}
			continue
		}
		if err := w.open('{'); err != nil {
			return nil, err
		}
		byName := map[string]*unstructured.Unstructured{}
		for w.d.PeekKind() != '}' {
			nsName, err := w.r.Name(w.d)
			if err != nil {
				return nil, err
			}
			if _, dup := byName[nsName]; dup {
				return nil, errUnusual
			}
			if w.d.PeekKind() == 'n' {
				byName[nsName] = nil // read says it is null
				if _, err := w.d.ReadValue(); err != nil {
					return nil, err
				}
				continue
			}
			if byName[nsName], err = w.readObject(lean); err != nil {
				return nil, err
			}
		}
		if _, err := w.d.ReadToken(); err != nil {
			return nil, err
		}
		out[key] = byName
	}
	_, err := w.d.ReadToken()
	return out, err
}

// child reads an observed child without its managedFields and keeps its
// last-applied annotation aside.
func (w *wireReader) child() (*unstructured.Unstructured, error) {
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: map[string]any{}}
	var lastApplied []byte
	seenMeta := false
	for w.d.PeekKind() != '}' {
		name, err := w.r.Name(w.d)
		if err != nil {
			return nil, err
		}
		if name == "metadata" && w.d.PeekKind() == '{' {
			if seenMeta {
				return nil, errUnusual
			}
			seenMeta = true
			if u.Object[name], lastApplied, err = w.metadata(); err != nil {
				return nil, err
			}
			continue
		}
		if name == "metadata" {
			seenMeta = true
		}
		if u.Object[name], err = w.r.Read(w.d); err != nil {
			return nil, err
		}
	}
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	if lastApplied != nil {
		w.req.lastApplied[u] = lastApplied
	}
	return u, nil
}

// metadata reads a child's metadata without managedFields; lastApplied is
// its last-applied annotation, raw, when it is a string and every annotation
// is (else GetAnnotations would see none, and it stays in place).
func (w *wireReader) metadata() (map[string]any, []byte, error) {
	if _, err := w.d.ReadToken(); err != nil {
		return nil, nil, err
	}
	meta := map[string]any{}
	var lastApplied []byte
	seenAnnotations := false
	for w.d.PeekKind() != '}' {
		name, err := w.r.Name(w.d)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case name == "managedFields":
			delete(meta, name) // a duplicate's last value is dropped all the same
			err = tree.Skip(w.d)
		case name == "annotations" && w.d.PeekKind() == '{':
			if seenAnnotations {
				return nil, nil, errUnusual
			}
			seenAnnotations = true
			meta[name], lastApplied, err = w.annotations()
		default:
			if name == "annotations" {
				seenAnnotations = true
			}
			meta[name], err = w.r.Read(w.d)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	_, err := w.d.ReadToken()
	return meta, lastApplied, err
}

func (w *wireReader) annotations() (map[string]any, []byte, error) {
	if _, err := w.d.ReadToken(); err != nil {
		return nil, nil, err
	}
	ann := map[string]any{}
	var lastApplied []byte
	seen, allStrings := false, true
	for w.d.PeekKind() != '}' {
		name, err := w.r.Name(w.d)
		if err != nil {
			return nil, nil, err
		}
		if name == children.AnnotationLastApplied {
			if seen {
				return nil, nil, errUnusual
			}
			seen = true
			if w.d.PeekKind() == '"' {
				if lastApplied, err = w.d.ReadValue(); err != nil {
					return nil, nil, err
				}
				continue
			}
		}
		v, err := w.r.Read(w.d)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := v.(string); !ok {
			allStrings = false
		}
		ann[name] = v
	}
	if lastApplied != nil && !allStrings {
		s, err := tree.Unquote(lastApplied)
		if err != nil {
			return nil, nil, err
		}
		ann[children.AnnotationLastApplied], lastApplied = string(s), nil
	}
	_, err := w.d.ReadToken()
	return ann, lastApplied, err
}

// parent reads the parent: its identity, and the raw JSON graph and the
// status read. It must be in encoding/json's form (see the top of the file)
// for the raw JSON to read as the decoded parent would.
func (w *wireReader) parent() error {
	if err := w.open('{'); err != nil {
		return err
	}
	var members [][]byte
	prev := ""
	for w.d.PeekKind() != '}' {
		from := w.skipSpace(int(w.d.InputOffset()))
		name, err := w.r.Name(w.d)
		if err != nil {
			return err
		}
		if len(members) > 0 && name <= prev {
			return errUnusual
		}
		prev = name
		valueStart := w.skipSpace(int(w.d.InputOffset()))
		var metadata []byte
		switch name {
		case "apiVersion", "kind":
			var s string
			if s, err = w.canonicalString(); name == "kind" {
				w.req.parent.kind = s
			} else {
				w.req.parent.apiVersion = s
			}
		case "metadata":
			metadata, err = w.parentMetadata()
		default:
			err = w.canonical()
		}
		if err != nil {
			return err
		}
		end := int(w.d.InputOffset())
		switch {
		case name == "status":
			w.req.status = w.body[valueStart:end]
			continue
		case name == "spec":
			w.req.spec = w.body[valueStart:end]
		case metadata != nil:
			members = append(members, append(w.body[from:valueStart:valueStart], metadata...))
			continue
		}
		members = append(members, w.body[from:end])
	}
	if _, err := w.d.ReadToken(); err != nil {
		return err
	}
	w.req.parentJSON = joinObject(members)
	return nil
}

// joinObject is the object of the members given, each "name":value.
func joinObject(members [][]byte) []byte {
	n := 2
	for _, m := range members {
		n += len(m) + 1
	}
	js := make([]byte, 0, n)
	js = append(js, '{')
	for i, m := range members {
		if i > 0 {
			js = append(js, ',')
		}
		js = append(js, m...)
	}
	return append(js, '}')
}

// skipSpace returns the offset of the next byte of the body that is not
// white space or the comma between members.
func (w *wireReader) skipSpace(off int) int {
	for off < len(w.body) {
		switch w.body[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// parentMetadata reads the parent's metadata and its identity. It returns
// the metadata for graph, without managedFields and annotations (graph reads
// only the name, namespace and generation; both are big) when both have the
// types graph would decode them into, else nil: graph then reads it whole and
// says what is wrong.
func (w *wireReader) parentMetadata() ([]byte, error) {
	if w.d.PeekKind() != '{' {
		return nil, w.canonical()
	}
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	var members [][]byte
	prev, first, whole := "", true, false
	for w.d.PeekKind() != '}' {
		from := w.skipSpace(int(w.d.InputOffset()))
		name, err := w.r.Name(w.d)
		if err != nil {
			return nil, err
		}
		if !first && name <= prev {
			return nil, errUnusual
		}
		prev, first = name, false
		p := &w.req.parent
		drop := false
		switch name {
		case "name":
			p.name, err = w.canonicalString()
		case "namespace":
			p.namespace, err = w.canonicalString()
		case "uid":
			p.uid, err = w.canonicalString()
		case "generation":
			p.generation, err = w.canonicalInt()
		case "annotations":
			drop, err = w.checked(annotationsTyped)
		case "managedFields":
			drop, err = w.checked(managedFieldsTyped)
		default:
			err = w.canonical()
		}
		if err != nil {
			return nil, err
		}
		whole = whole || (!drop && (name == "annotations" || name == "managedFields"))
		if !drop {
			members = append(members, w.body[from:w.d.InputOffset()])
		}
	}
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	if whole {
		return nil, nil
	}
	return joinObject(members), nil
}

// checked reads a canonical value of the parent and reports whether typed
// says it has the types graph decodes it into.
func (w *wireReader) checked(typed func(any) bool) (bool, error) {
	start := w.skipSpace(int(w.d.InputOffset()))
	if err := w.canonical(); err != nil {
		return false, err
	}
	v, err := tree.Decode(w.body[start:w.d.InputOffset()])
	if err != nil {
		return false, nil
	}
	return typed(v), nil
}

// annotationsTyped: v decodes into a map[string]string.
func annotationsTyped(v any) bool {
	m, ok := v.(map[string]any)
	if v == nil {
		return true
	}
	for _, e := range m {
		if _, str := e.(string); !str && e != nil {
			return false
		}
	}
	return ok
}

// managedFieldsTyped: v decodes into []metav1.ManagedFieldsEntry the way
// encoding/json decodes it (field names regardless of case).
func managedFieldsTyped(v any) bool {
	list, ok := v.([]any)
	if v == nil {
		return true
	}
	if !ok {
		return false
	}
	for _, e := range list {
		entry, ok := e.(map[string]any)
		if e == nil {
			continue
		}
		if !ok {
			return false
		}
		for k, f := range entry {
			switch {
			case strings.EqualFold(k, "fieldsV1"):
				// any value: FieldsV1 keeps it raw
			case strings.EqualFold(k, "time"):
				s, str := f.(string)
				if f == nil {
					continue
				}
				if _, err := time.Parse(time.RFC3339, s); !str || err != nil {
					return false
				}
			case strings.EqualFold(k, "manager"), strings.EqualFold(k, "operation"), strings.EqualFold(k, "apiVersion"),
				strings.EqualFold(k, "fieldsType"), strings.EqualFold(k, "subresource"):
				if _, str := f.(string); !str && f != nil {
					return false
				}
			}
		}
	}
	return true
}

// canonicalString reads a value of the parent; a string's value, else "".
func (w *wireReader) canonicalString() (string, error) {
	if w.d.PeekKind() != '"' {
		return "", w.canonical()
	}
	raw, err := w.d.ReadValue()
	if err != nil {
		return "", err
	}
	v, err := tree.Unquote(raw)
	return string(v), err
}

// canonicalInt reads a value of the parent; an integer's value (as
// NestedInt64 reads it), else 0.
func (w *wireReader) canonicalInt() (int64, error) {
	if w.d.PeekKind() != '0' {
		return 0, w.canonical()
	}
	raw, err := w.d.ReadValue()
	if err != nil {
		return 0, err
	}
	if err := canonicalNumber(raw); err != nil {
		return 0, err
	}
	n, _ := tree.Number(raw)
	i, _ := n.(int64)
	return i, nil
}

// canonical reads a value of the parent, which must be as encoding/json
// writes it: every object's names in sorted order, every number as it
// writes the number decoded.
func (w *wireReader) canonical() error {
	switch w.d.PeekKind() {
	case '{':
		if _, err := w.d.ReadToken(); err != nil {
			return err
		}
		var prev []byte
		first := true
		for w.d.PeekKind() != '}' {
			raw, err := w.d.ReadValue()
			if err != nil {
				return err
			}
			name, err := tree.Unquote(raw)
			if err != nil {
				return err
			}
			if !first && bytes.Compare(name, prev) <= 0 {
				return errUnusual
			}
			prev, first = name, false
			if err := w.canonical(); err != nil {
				return err
			}
		}
		_, err := w.d.ReadToken()
		return err
	case '[':
		if _, err := w.d.ReadToken(); err != nil {
			return err
		}
		for w.d.PeekKind() != ']' {
			if err := w.canonical(); err != nil {
				return err
			}
		}
		_, err := w.d.ReadToken()
		return err
	}
	raw, err := w.d.ReadValue()
	if err != nil {
		return err
	}
	if raw.Kind() == '0' {
		return canonicalNumber(raw)
	}
	return nil
}

// canonicalNumber: raw is how encoding/json writes the number it decodes to.
func canonicalNumber(raw []byte) error {
	n, err := tree.Number(raw)
	if err != nil {
		return err
	}
	var b []byte
	switch n := n.(type) {
	case int64:
		b = strconv.AppendInt(nil, n, 10)
	default:
		if b, err = tree.Append(nil, n); err != nil {
			return err
		}
	}
	if !bytes.Equal(b, raw) {
		return errUnusual
	}
	return nil
}
