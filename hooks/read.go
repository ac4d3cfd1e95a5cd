package hooks

import (
	"errors"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/children/tree"
)

// errUnusual: the fast reader does not read this request; unmarshalRequest
// does (readBody).
var errUnusual = errors.New("request not in Metacontroller's form")

// wireRequest is a request as the fast reader read it.
type wireRequest struct {
	parent parentHead
	// parentJSON is the parent without its status: what graph resolves.
	parentJSON []byte
	// spec and status are the parent's, raw; nil when absent.
	spec, status []byte
	children     map[string]map[string]*unstructured.Unstructured
	unread       map[*unstructured.Unstructured]children.UnreadChild
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
	w.req.unread = map[*unstructured.Unstructured]children.UnreadChild{}
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
	_, err := w.readObject(false, nil)
	return err
}

// readObject reads an object that must have a kind; lean leaves out its
// managedFields, its last-applied annotation and the fields its reader does
// not read (see child).
func (w *wireReader) readObject(lean bool, fields children.Fields) (*unstructured.Unstructured, error) {
	if w.d.PeekKind() != '{' {
		return nil, errUnusual
	}
	var u *unstructured.Unstructured
	if lean {
		var err error
		if u, err = w.child(fields); err != nil {
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
