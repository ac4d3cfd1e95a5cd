package hooks

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/manifests"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// examples lists manifests/examples/*.yaml by name.
func examples(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "manifests", "examples", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	return names
}

// render renders a parent under the default controller, as `sluice render`.
func render(t testing.TB, parentYAML, format string) []byte {
	t.Helper()
	ctrl, err := manifests.Controller(manifests.DefaultComponents()...)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := Render([]byte(parentYAML), ctrl, now)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteAnswer(&buf, format, resp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/<name>, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run make golden)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestRenderGolden pins what `sluice render` prints for every example, in
// both formats: derived names are a versioned contract.
func TestRenderGolden(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			parent := example(t, name)
			golden(t, filepath.Join("render", name+".golden.yaml"), render(t, parent, "yaml"))
			golden(t, filepath.Join("render", name+".golden.json"), render(t, parent, "json"))
		})
	}
}

// TestRenderShuffled proves that the order of set-like lists does not matter:
// every shuffle of every example renders byte-identical output.
func TestRenderShuffled(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			parent := example(t, name)
			want := render(t, parent, "json")
			for seed := range uint64(5) {
				rng := rand.New(rand.NewPCG(seed, 42))
				shuffled := edit(t, parent, func(spec map[string]any) { shuffleSets(rng, spec) })
				if got := render(t, shuffled, "json"); !bytes.Equal(want, got) {
					t.Fatalf("seed %d: shuffled spec renders differently:\n%s", seed, cmp.Diff(string(want), string(got)))
				}
			}
		})
	}
}

// shuffleSets shuffles every set-like list of a spec: streamlets, their
// ports and parameters, connections and their targets, pull secrets.
func shuffleSets(rng *rand.Rand, spec map[string]any) {
	shuffle := func(v any) {
		if l, ok := v.([]any); ok {
			rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
		}
	}
	shuffle(spec["streamlets"])
	shuffle(spec["connections"])
	shuffle(spec["imagePullSecrets"])
	for _, s := range asList(spec["streamlets"]) {
		m := s.(map[string]any)
		shuffle(m["inlets"])
		shuffle(m["outlets"])
		shuffle(m["configParameters"])
	}
	for _, c := range asList(spec["connections"]) {
		shuffle(c.(map[string]any)["to"])
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestShuffleChangesInput guards TestRenderShuffled against shuffling
// nothing: the shuffled document must differ from the original.
func TestShuffleChangesInput(t *testing.T) {
	parent := example(t, "call-record-aggregator")
	rng := rand.New(rand.NewPCG(1, 42))
	shuffled := edit(t, parent, func(spec map[string]any) { shuffleSets(rng, spec) })
	var a, b any
	_ = yaml.Unmarshal([]byte(parent), &a)
	_ = yaml.Unmarshal([]byte(shuffled), &b)
	if cmp.Equal(a, b) {
		t.Fatal("shuffling left the example unchanged")
	}
}
