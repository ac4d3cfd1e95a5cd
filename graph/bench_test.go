package graph

import (
	"os"
	"path/filepath"
	"testing"
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
