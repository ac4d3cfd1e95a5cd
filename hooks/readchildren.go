package hooks

import (
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/children/tree"
)

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
		var fields children.Fields // nil: the whole child
		if lean {
			kind, _, _ := strings.Cut(key, ".")
			fields, _ = children.ObservedFields(kind)
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
			if byName[nsName], err = w.readObject(lean, fields); err != nil {
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

// child reads an observed child without the metadata no answer reads, keeps its
// last-applied annotation aside and, of its fields but apiVersion, kind,
// metadata and status, only those named (all with nil fields); a child read
// lean is kept whole as it came, for the answer that needs all of it.
func (w *wireReader) child(fields children.Fields) (*unstructured.Unstructured, error) {
	start := w.skipSpace(int(w.d.InputOffset()))
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: map[string]any{}}
	var unread children.UnreadChild
	seenMeta := false
	for w.d.PeekKind() != '}' {
		name, err := w.r.Name(w.d)
		if err != nil {
			return nil, err
		}
		if name == "metadata" && seenMeta {
			return nil, errUnusual // a repeated key: the slow path reads it as encoding/json does
		}
		if name == "metadata" && w.d.PeekKind() == '{' {
			seenMeta = true
			if u.Object[name], unread.LastApplied, err = w.metadata(); err != nil {
				return nil, err
			}
			continue
		}
		if name == "metadata" {
			seenMeta = true
		}
		sub, read := fields[name]
		switch {
		case fields == nil || read || name == "apiVersion" || name == "kind" || name == "metadata" || name == "status":
			u.Object[name], err = w.lean(sub)
		default:
			delete(u.Object, name) // a duplicate's last value is dropped all the same
			err = tree.Skip(w.d)
		}
		if err != nil {
			return nil, err
		}
	}
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	if fields != nil {
		unread.Object = w.body[start:w.d.InputOffset()]
	}
	if unread.LastApplied != nil || unread.Object != nil {
		w.req.unread[u] = unread
	}
	return u, nil
}

// lean reads a value; of an object, only the named fields (all with nil
// fields). Any other value is read whole, for its reader to refuse.
func (w *wireReader) lean(fields children.Fields) (any, error) {
	if fields == nil || w.d.PeekKind() != '{' {
		return w.r.Read(w.d)
	}
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	m := map[string]any{}
	for w.d.PeekKind() != '}' {
		name, err := w.r.Name(w.d)
		if err != nil {
			return nil, err
		}
		if sub, read := fields[name]; read {
			m[name], err = w.lean(sub)
		} else {
			delete(m, name)
			err = tree.Skip(w.d)
		}
		if err != nil {
			return nil, err
		}
	}
	_, err := w.d.ReadToken()
	return m, err
}

// metadata reads a child's metadata without the fields no answer reads
// (children.ReadsMetadata: managedFields, uid, owner references); lastApplied is
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
		case !children.ReadsMetadata(name): // managedFields, owner references, uid…
			delete(meta, name) // a duplicate's last value is dropped all the same
			err = tree.Skip(w.d)
		case name == "annotations" && seenAnnotations:
			return nil, nil, errUnusual // a repeated key: the slow path reads it as encoding/json does
		case name == "annotations" && w.d.PeekKind() == '{':
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
