package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// Options are the tokenizer's options: strict UTF-8, duplicate names allowed
// (the last one wins, as in encoding/json).
var Options = jsontext.AllowDuplicateNames(true)

// NewDecoder reads from data directly (a bytes.Buffer is never copied by
// jsontext), so raw values and offsets it returns are those of data.
func NewDecoder(data []byte) *jsontext.Decoder {
	return jsontext.NewDecoder(bytes.NewBuffer(data), Options)
}

// ErrTrailing is data after the value Decode reads.
var ErrTrailing = errors.New("data after the JSON value")

// Decode decodes one JSON value, and nothing after it, as a generic tree.
func Decode(data []byte) (any, error) {
	var r Reader
	return r.Decode(data)
}

// DecodeObject decodes one JSON object, and nothing after it.
func DecodeObject(data []byte) (map[string]any, error) {
	var r Reader
	return r.DecodeObject(data)
}

// Decode is Decode with r's names: a Reader that decodes many documents of
// one shape (every child's last-applied configuration) makes each name's
// string once.
func (r *Reader) Decode(data []byte) (any, error) {
	d := NewDecoder(data)
	v, err := r.Read(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return nil, ErrTrailing
	}
	return v, nil
}

// DecodeObject is DecodeObject with r's names.
func (r *Reader) DecodeObject(data []byte) (map[string]any, error) {
	v, err := r.Decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object: %.20s", data)
	}
	return m, nil
}

// Reader reads values as generic trees, reusing its scratch space and the
// strings of names it has seen. The zero Reader is ready.
type Reader struct {
	names   map[string]string
	scratch []byte
}

// Read reads the next value of d.
func (r *Reader) Read(d *jsontext.Decoder) (any, error) {
	switch d.PeekKind() {
	case '{':
		if _, err := d.ReadToken(); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for d.PeekKind() != '}' {
			name, err := r.Name(d)
			if err != nil {
				return nil, err
			}
			v, err := r.Read(d)
			if err != nil {
				return nil, err
			}
			m[name] = v
		}
		if _, err := d.ReadToken(); err != nil {
			return nil, err
		}
		return m, nil
	case '[':
		if _, err := d.ReadToken(); err != nil {
			return nil, err
		}
		l := []any{}
		for d.PeekKind() != ']' {
			v, err := r.Read(d)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		if _, err := d.ReadToken(); err != nil {
			return nil, err
		}
		return l, nil
	}
	raw, err := d.ReadValue()
	if err != nil {
		return nil, err
	}
	return r.scalar(raw)
}

// Name reads an object's next name.
func (r *Reader) Name(d *jsontext.Decoder) (string, error) {
	raw, err := d.ReadValue()
	if err != nil {
		return "", err
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", fmt.Errorf("object name %.20s is not a string", raw)
	}
	b, err := r.unquote(raw)
	if err != nil {
		return "", err
	}
	if s, ok := r.names[string(b)]; ok {
		return s, nil
	}
	s := string(b)
	if len(s) <= 64 {
		if r.names == nil {
			r.names = map[string]string{}
		}
		r.names[s] = s
	}
	return s, nil
}

// scalar converts a raw string, number, boolean or null.
func (r *Reader) scalar(raw jsontext.Value) (any, error) {
	switch raw.Kind() {
	case '"':
		b, err := r.unquote(raw)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case '0':
		return Number(raw)
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected JSON value %.20s", raw)
}

// unquote returns the contents of a raw JSON string, in scratch space that
// the next call reuses.
func (r *Reader) unquote(raw []byte) ([]byte, error) {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, nil
	}
	var err error
	r.scratch, err = jsontext.AppendUnquote(r.scratch[:0], raw)
	return r.scratch, err
}

// Number converts a JSON number literal as sigs.k8s.io/json does with
// PreserveInts: an int64 if it has no '.' and fits, else a float64.
func Number(raw []byte) (any, error) {
	if bytes.IndexByte(raw, '.') < 0 {
		if i, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return nil, fmt.Errorf("number %s: %w", raw, err)
	}
	return f, nil
}

// Skip skips the next value of d, and checks, as decoding it would, that
// each number in it converts. The value is read raw (the tokenizer checks it
// at its own speed) and only its numbers are looked at.
func Skip(d *jsontext.Decoder) error {
	raw, err := d.ReadValue()
	if err != nil {
		return err
	}
	return checkNumbers(raw)
}

// checkNumbers checks that each number of a valid JSON value converts: an
// integer of up to 18 digits always does, any other is parsed.
func checkNumbers(raw []byte) error {
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			i = stringEnd(raw, i)
		case c == '-' || ('0' <= c && c <= '9'):
			j, plain := i, true
			for ; j < len(raw) && numberByte[raw[j]]; j++ {
				plain = plain && raw[j] != '.' && raw[j] != 'e' && raw[j] != 'E'
			}
			if !plain || j-i > 18 {
				if _, err := Number(raw[i:j]); err != nil {
					return err
				}
			}
			i = j - 1
		}
	}
	return nil
}

// stringEnd is the offset of the quote that ends the valid JSON string
// opened at raw[open].
func stringEnd(raw []byte, open int) int {
	i := open
	for {
		i += 1 + bytes.IndexByte(raw[i+1:], '"')
		backslashes := 0
		for raw[i-1-backslashes] == '\\' {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i
		}
	}
}

// numberByte are the bytes of a JSON number.
var numberByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

// Unquote returns the contents of a raw JSON string.
func Unquote(raw []byte) ([]byte, error) {
	return jsontext.AppendUnquote(nil, raw)
}
