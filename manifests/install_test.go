package manifests

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// kustomization is a kustomization.yaml as Sluice's manifests write it.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Components []string `json:"components"`
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	return k
}

// TestInstallSets: the default install (manifests/) lists no operator's
// kind, and each ready set under install/ is the base plus exactly the
// components its name says, in the order the Helm chart appends them.
func TestInstallSets(t *testing.T) {
	if k := readKustomization(t, "."); len(k.Components) != 0 || !slices.Equal(k.Resources, []string{"base"}) {
		t.Errorf("manifests/kustomization.yaml = %+v, want the base alone: a kind whose CRD is missing stops Metacontroller for every application", k)
	}
	sets := map[string][]string{
		"core":        nil,
		"spark":       {"spark"},
		"flink":       {"flink"},
		"spark-flink": {"spark", "flink"},
		"all":         {"spark", "flink", "monitoring", "kafka-users", "keda"},
	}
	entries, err := os.ReadDir("install")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		dirs = append(dirs, e.Name())
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(sets)), dirs); diff != "" {
		t.Errorf("install/ sets mismatch (-want +got):\n%s", diff)
	}
	for name, want := range sets {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("install", name)
			k := readKustomization(t, dir)
			if !slices.Equal(k.Resources, []string{"../../base"}) {
				t.Errorf("resources = %q, want the base", k.Resources)
			}
			var got []string
			for _, c := range k.Components {
				if _, err := os.Stat(filepath.Join(dir, c, "kustomization.yaml")); err != nil {
					t.Errorf("component %s: %v", c, err)
				}
				got = append(got, filepath.Base(c))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("components mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// "all" is every component that adds a child kind: what render uses.
	all := slices.Clone(sets["all"])
	slices.Sort(all)
	if diff := cmp.Diff(DefaultComponents(), all); diff != "" {
		t.Errorf("install/all is not every child-kind component (-DefaultComponents +all):\n%s", diff)
	}
}
