package graph

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"sigs.k8s.io/yaml"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "manifests", "examples", "call-record-aggregator.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "manifests", "examples", "call-record-aggregator.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	app, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := Resolve(app); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

// BenchmarkFromJSON decodes the reference application's parent, as the hook
// receives it, with encoding/json and with FromJSON's decoder
// (encoding/json's semantics on the JSON v2 decoder).
func BenchmarkFromJSON(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "manifests", "examples", "call-record-aggregator.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	for _, dec := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{
		{"encoding-json", json.Unmarshal},
		{"json-v2-as-v1", func(data []byte, v any) error { return jsonv1.Unmarshal(data, v) }},
	} {
		b.Run(dec.name, func(b *testing.B) {
			b.SetBytes(int64(len(js)))
			b.ReportAllocs()
			for b.Loop() {
				var app StreamingApplication
				if err := dec.unmarshal(js, &app); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
