package hooks

import (
	"bytes"
	"strconv"

	"github.com/sluice-dev/sluice/children/tree"
)

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

// unresolvedMetadata are the parent's metadata fields graph is not given: it
// reads the name, namespace and generation, and these are the big ones
// (kubectl's last-applied annotation holds the spec again).
var unresolvedMetadata = map[string]bool{"annotations": true, "managedFields": true}

// parentMetadata reads the parent's metadata and its identity, and returns
// it for graph, without unresolvedMetadata.
func (w *wireReader) parentMetadata() ([]byte, error) {
	if w.d.PeekKind() != '{' {
		return nil, w.canonical()
	}
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	var members [][]byte
	prev, first := "", true
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
		if unresolvedMetadata[name] {
			if err := tree.Skip(w.d); err != nil {
				return nil, err
			}
			continue
		}
		p := &w.req.parent
		switch name {
		case "name":
			p.name, err = w.canonicalString()
		case "namespace":
			p.namespace, err = w.canonicalString()
		case "uid":
			p.uid, err = w.canonicalString()
		case "generation":
			p.generation, err = w.canonicalInt()
		default:
			err = w.canonical()
		}
		if err != nil {
			return nil, err
		}
		members = append(members, w.body[from:w.d.InputOffset()])
	}
	if _, err := w.d.ReadToken(); err != nil {
		return nil, err
	}
	return joinObject(members), nil
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
