package tree

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	kjson "sigs.k8s.io/json"
)

// BenchmarkDecoders compares the JSON paths the hook could take, on one
// request body: $SLUICE_REQUEST_FILE (make one with hooks'
// TestWriteRequests), else the captured Metacontroller request. BENCHMARKS.md
// has the figures that chose jsontext.
func BenchmarkDecoders(b *testing.B) {
	path := os.Getenv("SLUICE_REQUEST_FILE")
	if path == "" {
		path = "../../hooks/testdata/metacontroller/sync-request.json"
	}
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		fn   func() error
	}{
		{"scan=encoding-json-Valid", func() error { json.Valid(body); return nil }},
		{"any=encoding-json", func() error { var v any; return json.Unmarshal(body, &v) }},
		{"any=sigs-k8s-json", func() error { var v any; return kjson.UnmarshalCaseSensitivePreserveInts(body, &v) }},
		{"any=go-json-experiment", func() error {
			var v any
			return jsonv2.Unmarshal(body, &v, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		}},
		{"any=tree", func() error { _, err := Decode(body); return err }},
		{"skip=jsontext", func() error { return jsontext.NewDecoder(bytes.NewBuffer(body), Options).SkipValue() }},
		{"lean=encoding-json", func() error { var r leanRequestV1; return json.Unmarshal(body, &r) }},
		{"lean=go-json-experiment", func() error {
			var r leanRequestV2
			return jsonv2.Unmarshal(body, &r, jsontext.AllowDuplicateNames(true))
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The lean requests read what the hook reads of each child, the rest raw or
// skipped.
type leanRequestV1 struct {
	Controller json.RawMessage                                   `json:"controller"`
	Parent     json.RawMessage                                   `json:"parent"`
	Children   map[string]map[string]*leanChild[json.RawMessage] `json:"children"`
}

type leanRequestV2 struct {
	Controller jsontext.Value                                   `json:"controller"`
	Parent     jsontext.Value                                   `json:"parent"`
	Children   map[string]map[string]*leanChild[jsontext.Value] `json:"children"`
}

type leanChild[Raw any] struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Generation  int64             `json:"generation"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]Raw    `json:"annotations"`
	} `json:"metadata"`
	Spec   Raw `json:"spec"`
	Status Raw `json:"status"`
}
