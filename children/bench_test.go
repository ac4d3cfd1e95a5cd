package children

import (
	"encoding/json"
	"testing"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sluice-dev/sluice/children/tree"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/request"
)

// BenchmarkToUnstructured turns the typed children of a 100-streamlet
// application into maps: ToUnstructured beside the JSON round trips it
// could be (encoding/json or encoding/json's semantics on the JSON v2
// encoder, then the tree decoder).
func BenchmarkToUnstructured(b *testing.B) {
	bp, problems := graph.ResolveJSON(request.Application(100))
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	d, err := typedChildren(bp, allKinds)
	if err != nil {
		b.Fatal(err)
	}
	roundTrip := func(marshal func(any) ([]byte, error)) func(any) (*unstructured.Unstructured, error) {
		return func(obj any) (*unstructured.Unstructured, error) {
			js, err := marshal(obj)
			if err != nil {
				return nil, err
			}
			m, err := tree.DecodeObject(js)
			prune(m)
			return &unstructured.Unstructured{Object: m}, err
		}
	}
	for _, c := range []struct {
		name    string
		convert func(any) (*unstructured.Unstructured, error)
	}{
		{"ToUnstructured", ToUnstructured},
		{"converter", func(obj any) (*unstructured.Unstructured, error) {
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
			return &unstructured.Unstructured{Object: m}, err
		}},
		{"encoding-json+tree", roundTrip(json.Marshal)},
		{"json-v2-as-v1+tree", roundTrip(func(v any) ([]byte, error) { return jsonv1.Marshal(v) })},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, obj := range d.objs {
					if _, err := c.convert(obj); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkAppendJSON writes the children of a 100-streamlet application
// into the answer: typed, as the server does (AppendJSON), beside the maps
// it wrote before (ToUnstructured, then tree.Append) and encoding/json's
// Marshal of those maps.
func BenchmarkAppendJSON(b *testing.B) {
	bp, problems := graph.ResolveJSON(request.Application(100))
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	typed, _, err := Desired(bp, allKinds)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		write func(dst []byte) ([]byte, error)
	}{
		{"typed", func(dst []byte) ([]byte, error) { return AppendJSON(dst, typed) }},
		{"ToUnstructured+tree", func(dst []byte) ([]byte, error) {
			dst = append(dst, '[')
			for i, obj := range typed {
				if i > 0 {
					dst = append(dst, ',')
				}
				u, err := ToUnstructured(obj.typed)
				if err != nil {
					return dst, err
				}
				if dst, err = tree.Append(dst, u.Object); err != nil {
					return dst, err
				}
			}
			return append(dst, ']'), nil
		}},
		{"ToUnstructured+encoding-json", func(dst []byte) ([]byte, error) {
			objs := make([]any, len(typed))
			for i, obj := range typed {
				u, err := ToUnstructured(obj.typed)
				if err != nil {
					return dst, err
				}
				objs[i] = u.Object
			}
			js, err := json.Marshal(objs)
			return append(dst, js...), err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var dst []byte
			for b.Loop() {
				var err error
				if dst, err = c.write(dst[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(dst)))
		})
	}
}
