// Package tree decodes JSON into the generic trees that
// unstructured.Unstructured holds, and encodes them back, on the hook's hot
// path: Read and Decode give what sigs.k8s.io/json's
// UnmarshalCaseSensitivePreserveInts gives (objects as map[string]any, an
// integer without a '.' that fits as int64, other numbers as float64, the
// last of duplicate names), Append writes what encoding/json's Marshal
// writes (keys sorted, HTML-safe escapes). They are built on the tokenizer
// of github.com/go-json-experiment/json (jsontext), which measured faster
// than encoding/json and sigs.k8s.io/json on the hook's requests
// (BENCHMARKS.md), and are stricter than both: invalid UTF-8 is an error, not
// U+FFFD. A caller that must accept what the others accept falls back to
// them on an error. Pure: no I/O, no globals but read-only tables.
package tree
