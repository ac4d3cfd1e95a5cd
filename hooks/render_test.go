package hooks

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/manifests"
	"github.com/sluice-dev/sluice/test/golden"
)

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

// TestRenderGolden pins what `sluice render` prints for every example, in
// both formats: derived names are a versioned contract.
func TestRenderGolden(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			parent := example(t, name)
			golden.Check(t, filepath.Join("testdata", "render", name+".golden.yaml"), render(t, parent, "yaml"))
			golden.Check(t, filepath.Join("testdata", "render", name+".golden.json"), render(t, parent, "json"))
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

// TestSyncReportsTypeErrors: a value of the wrong type in a stored parent
// reaches BlueprintValid with the message `sluice validate` prints, and the
// answer is frozen (no child of the leniently decoded rest).
func TestSyncReportsTypeErrors(t *testing.T) {
	parent := edit(t, example(t, cra), func(spec map[string]any) {
		for _, s := range asList(spec["streamlets"]) {
			if m := s.(map[string]any); m["name"] == "merge" {
				m["replicas"] = "two"
			}
		}
	})
	c := newCluster(t, parent, allComponents()...)
	resp := c.sync()
	status, reason, message := condition(t, resp.Status, graph.ConditionBlueprintValid)
	want := `spec.streamlets[merge].replicas: must be an integer, not the string "two"`
	if status != "False" || reason != "Invalid" || !strings.Contains(message, want) {
		t.Errorf("BlueprintValid = %s %s %q, want False Invalid containing %q", status, reason, message, want)
	}
	if len(resp.Children) != 0 {
		t.Errorf("an invalid parent without children got %d children", len(resp.Children))
	}
}

// TestController: the CompositeController of Sluice out of a stream.
func TestController(t *testing.T) {
	ctrl := func(name, parentAPIVersion, parentResource string) string {
		return "apiVersion: metacontroller.k8s.io/v1alpha1\nkind: CompositeController\nmetadata: {name: " + name + "}\n" +
			"spec:\n  parentResource: {apiVersion: " + parentAPIVersion + ", resource: " + parentResource + "}\n" +
			"  childResources: [{apiVersion: v1, resource: configmaps}]\n"
	}
	ns := "apiVersion: v1\nkind: Namespace\nmetadata: {name: sluice-system}\n"
	sluice := ctrl("sluice", "sluice.dev/v1alpha1", "streamingapplications")
	other := ctrl("other", "example.com/v1", "widgets")
	tests := []struct {
		name, stream string
		want, err    string // the controller's name, or the error
	}{
		{"alone", sluice, "sluice", ""},
		{"after a Namespace", ns + "---\n" + sluice, "sluice", ""},
		{"beside another's", other + "---\n" + sluice, "sluice", ""},
		{"JSON", `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}` + "\n" +
			`{"apiVersion": "metacontroller.k8s.io/v1alpha1", "kind": "CompositeController", "metadata": {"name": "sluice"},` +
			` "spec": {"parentResource": {"apiVersion": "sluice.dev/v1alpha1", "resource": "streamingapplications"}}}`, "sluice", ""},
		{"none", ns + "---\n" + ns, "",
			"no CompositeController (metacontroller.k8s.io/v1alpha1) among its 2 documents: Namespace/sluice-system, Namespace/sluice-system"},
		{"empty", "# nothing\n", "", "no CompositeController (metacontroller.k8s.io/v1alpha1): the file holds no document"},
		{"another parent", other, "", "CompositeController other manages widgets.example.com, not streamingapplications.sluice.dev"},
		{"other parents", other + "---\n" + strings.Replace(other, "name: other", "name: third", 1), "",
			"none of the CompositeControllers other, third manages streamingapplications.sluice.dev"},
		{"two of ours", sluice + "---\n" + strings.Replace(sluice, "name: sluice", "name: again", 1), "",
			"CompositeControllers sluice and again (documents 1 and 2) both manage streamingapplications.sluice.dev: keep one"},
		{"not YAML", "a: [\n", "", "document 1: yaml: line 1: did not find expected node content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := Controller([]byte(tc.stream))
			var got, gotErr string
			if u != nil {
				got = u.GetName()
			}
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff([2]string{tc.want, tc.err}, [2]string{got, gotErr}); diff != "" {
				t.Errorf("Controller mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRenderStream: every application of a stream is answered, in order;
// a document that does not decode is refused with its name and nothing is
// answered.
func TestRenderStream(t *testing.T) {
	ctrl := controller(t, allComponents()...)
	cr, fraud := example(t, cra), example(t, "fraud-scoring")
	answers, err := RenderStream([]byte(cr+"---\n"+fraud), ctrl, now)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range answers {
		names = append(names, a.Name)
		single, err := Render([]byte(map[string]string{cra: cr, "fraud-scoring": fraud}[a.Name]), mustControllerYAML(t), now)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(single, a.Response); diff != "" {
			t.Errorf("%s: answer in a stream differs from the answer alone (-alone +stream):\n%s", a.Name, diff)
		}
	}
	if diff := cmp.Diff([]string{cra, "fraud-scoring"}, names); diff != "" {
		t.Errorf("answered applications mismatch (-want +got):\n%s", diff)
	}

	mistyped := strings.Replace(fraud, "\n    replicas: 2\n", "\n    replicas: \"two\"\n", 1)
	if mistyped == fraud {
		t.Fatal("fraud-scoring has no streamlet with replicas: 2")
	}
	answers, err = RenderStream([]byte(cr+"---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n---\n"+mistyped), ctrl, now)
	if answers != nil {
		t.Errorf("answers beside a document that does not decode: %d", len(answers))
	}
	want := "document 2: Namespace/ns (apiVersion v1) is not a sluice.dev/v1alpha1 StreamingApplication\n" +
		"fraud-scoring: spec.streamlets[payments].replicas: must be an integer, not the string \"two\""
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("RenderStream error:\n%v\nwant it to start with:\n%s", err, want)
	}
}

func mustControllerYAML(t *testing.T) []byte {
	t.Helper()
	b, err := manifests.Controller(allComponents()...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
