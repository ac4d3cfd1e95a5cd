package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// Scalar is a YAML/JSON string, number or boolean, kept as written. Users
// write `records-per-second: 50` and `retention.ms: "7200000"` alike; Sluice
// validates the text against the declared type and passes it on unchanged.
type Scalar struct {
	raw json.RawMessage
}

// StringScalar returns a Scalar holding a JSON string.
func StringScalar(s string) Scalar {
	b, _ := json.Marshal(s) // a string always marshals
	return Scalar{raw: b}
}

// UnmarshalJSON accepts strings, numbers and booleans only.
func (s *Scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ErrNotScalar
	}
	switch b[0] {
	case '"':
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
	case 't', 'f':
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
	default:
		return ErrNotScalar
	}
	s.raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the value as it was written.
func (s Scalar) MarshalJSON() ([]byte, error) {
	if len(s.raw) == 0 {
		return []byte(`""`), nil
	}
	return s.raw, nil
}

// MarshalJSONTo writes the value as ToUnstructured gives it, for the JSON v2
// encoder, which writes the hook's typed children (children.AppendJSON):
// 1e3 as 1000, a string's invalid UTF-8 as U+FFFD, as the child's map
// writes them; a number beyond float64's range is an error, as it is for
// the map.
func (s Scalar) MarshalJSONTo(enc *jsontext.Encoder) error {
	switch v := s.ToUnstructured().(type) {
	case string:
		return enc.WriteToken(jsontext.String(v))
	case bool:
		return enc.WriteToken(jsontext.Bool(v))
	case int64:
		return enc.WriteToken(jsontext.Int(v))
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return fmt.Errorf("scalar %s is beyond a float64", s.raw)
		}
		return enc.WriteToken(jsontext.Float(v))
	}
	return fmt.Errorf("scalar %s has no JSON value", s.raw)
}

// ToUnstructured is the value as decoding its JSON gives it: a string, an
// int64 (or a float64 where it has a fraction, an exponent or does not fit)
// or a bool. apimachinery's converter calls it (children.ToUnstructured)
// instead of decoding MarshalJSON's output, which costs a JSON decoder per
// value: with every topic at its 64 config entries, most of a sync's
// allocations.
func (s Scalar) ToUnstructured() any {
	switch {
	case len(s.raw) == 0 || s.raw[0] == '"':
		return s.String()
	case s.raw[0] == 't' || s.raw[0] == 'f':
		return s.raw[0] == 't'
	}
	if i, err := strconv.ParseInt(string(s.raw), 10, 64); err == nil {
		return i
	}
	// The syntax is validated on decode; a number beyond float64's range
	// is ±Inf, which encoding the child refuses (as decoding it did).
	f, _ := strconv.ParseFloat(string(s.raw), 64)
	return f
}

// String returns the text of the value: a string's contents, a number's
// literal, true or false.
func (s Scalar) String() string {
	if len(s.raw) > 0 && s.raw[0] == '"' {
		// Validated on decode; invalid UTF-8 becomes U+FFFD (the error
		// says so), as encoding/json decodes it. FuzzScalar holds it to
		// sigs.k8s.io/json's decoding.
		str, _ := jsontext.AppendUnquote(nil, s.raw)
		return string(str)
	}
	return string(s.raw)
}

// quoted is the value's text, quoted, for messages.
func (s Scalar) quoted() string { return strconv.Quote(s.String()) }
