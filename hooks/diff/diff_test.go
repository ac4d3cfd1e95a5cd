package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/hooks"
	"github.com/sluice-dev/sluice/manifests"
	"github.com/sluice-dev/sluice/test/golden"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// reference reads the reference application.
func reference(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "manifests", "examples", "call-record-aggregator.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// An edit changes the decoded application.
type edit func(t *testing.T, spec map[string]any)

func streamlet(t *testing.T, spec map[string]any, name string) map[string]any {
	t.Helper()
	for _, s := range spec["streamlets"].([]any) {
		if m := s.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no streamlet %s", name)
	return nil
}

func scaleMerge(t *testing.T, spec map[string]any) { streamlet(t, spec, "merge")["replicas"] = 5 }

func configureGenerator1(t *testing.T, spec map[string]any) {
	streamlet(t, spec, "cdr-generator1")["config"] = map[string]any{"records-per-second": 100}
}

// removeGenerator2 removes cdr-generator2 with its connection and the inlet
// of merge it fed: its outlet leaves the blueprint.
func removeGenerator2(t *testing.T, spec map[string]any) {
	spec["streamlets"] = slices.DeleteFunc(spec["streamlets"].([]any), func(s any) bool { return s.(map[string]any)["name"] == "cdr-generator2" })
	spec["connections"] = slices.DeleteFunc(spec["connections"].([]any), func(c any) bool { return c.(map[string]any)["from"] == "cdr-generator2.out" })
	merge := streamlet(t, spec, "merge")
	merge["inlets"] = slices.DeleteFunc(merge["inlets"].([]any), func(i any) bool { return i.(map[string]any)["name"] == "in-1" })
}

func deletePolicy(t *testing.T, spec map[string]any) { spec["topicDeletionPolicy"] = "Delete" }

func releaseAggregatorOut(t *testing.T, spec map[string]any) {
	for _, o := range streamlet(t, spec, "cdr-aggregator")["outlets"].([]any) {
		if m := o.(map[string]any); m["name"] == "out" {
			m["topic"] = map[string]any{"managed": false}
		}
	}
}

func applyEdits(t *testing.T, obj map[string]any, edits ...edit) []byte {
	t.Helper()
	b, _ := json.Marshal(obj)
	var cp map[string]any
	_ = json.Unmarshal(b, &cp)
	for _, e := range edits {
		e(t, cp["spec"].(map[string]any))
	}
	out, err := yaml.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func controller(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	b, err := manifests.Controller(manifests.DefaultComponents()...)
	if err != nil {
		t.Fatal(err)
	}
	u, err := hooks.Controller(b)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOfflineGolden previews edits of the reference application (OLD is the
// application with the old edits, NEW with the new ones) and compares the
// printed and the JSON preview with testdata/<case>.golden and
// <case>.golden.json.
func TestOfflineGolden(t *testing.T) {
	cases := []struct {
		name     string
		old, new []edit
		changed  bool
	}{
		{name: "unchanged"},
		{name: "scale", new: []edit{scaleMerge}, changed: true},
		{name: "configure", new: []edit{configureGenerator1}, changed: true},
		{name: "removed-streamlet-retain", new: []edit{removeGenerator2}, changed: true},
		{name: "removed-streamlet-delete", old: []edit{deletePolicy}, new: []edit{deletePolicy, removeGenerator2}, changed: true},
		{name: "released-topic", new: []edit{releaseAggregatorOut}, changed: true},
	}
	ref := reference(t)
	ctrl := controller(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Offline(applyEdits(t, ref, tc.old...), applyEdits(t, ref, tc.new...), ctrl, now)
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed != tc.changed {
				t.Errorf("Changed = %v, want %v", res.Changed, tc.changed)
			}
			var text bytes.Buffer
			if err := res.Write(&text); err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), text.Bytes())
			golden.Check(t, filepath.Join("testdata", tc.name+".golden.json"), append(js, '\n'))
		})
	}
}

// TestOfflineIdempotent feeds the answer to NEW back as observed: a second
// preview of the same NEW changes nothing.
func TestOfflineIdempotent(t *testing.T) {
	ref := reference(t)
	for _, edits := range [][]edit{nil, {scaleMerge}, {configureGenerator1}} {
		data := applyEdits(t, ref, edits...)
		res, err := Offline(data, data, controller(t), now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed {
			t.Errorf("a preview of an unchanged application changes children: %+v", res.Children)
		}
	}
}

func TestOfflineRefusesInvalid(t *testing.T) {
	ref := reference(t)
	bad := applyEdits(t, ref, func(t *testing.T, spec map[string]any) {
		streamlet(t, spec, "merge")["replicas"] = "two"
	})
	_, err := Offline(applyEdits(t, ref), bad, controller(t), now)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Offline of an invalid NEW: err = %v, want ErrInvalid", err)
	}
	// graph's own message follows the path.
	if want := "invalid application:\nNEW: call-record-aggregator: spec.streamlets[merge].replicas: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start with %q", err, want)
	}
}

func TestFields(t *testing.T) {
	cases := []struct {
		name     string
		old, new string
		want     []Field
	}{
		{"equal", `{"a":1}`, `{"a":1}`, nil},
		{"scalar", `{"spec":{"replicas":1}}`, `{"spec":{"replicas":2}}`, []Field{{Path: "spec.replicas", Old: 1.0, New: 2.0}}},
		{"added and removed", `{"a":1}`, `{"b":2}`, []Field{{Path: "a", Old: 1.0}, {Path: "b", New: 2.0}}},
		{"quoted key", `{"metadata":{"annotations":{"sluice.dev/x":"1"}}}`, `{"metadata":{"annotations":{"sluice.dev/x":"2"}}}`,
			[]Field{{Path: `metadata.annotations["sluice.dev/x"]`, Old: "1", New: "2"}}},
		{"list by name", `{"c":[{"name":"a","v":1},{"name":"b","v":1}]}`, `{"c":[{"name":"b","v":2},{"name":"a","v":1}]}`,
			[]Field{{Path: "c[b].v", Old: 1.0, New: 2.0}}},
		{"list by index", `{"c":[1,2]}`, `{"c":[1,3]}`, []Field{{Path: "c[1]", Old: 2.0, New: 3.0}}},
		{"list whole", `{"c":[1,2]}`, `{"c":[1]}`, []Field{{Path: "c", Old: []any{1.0, 2.0}, New: []any{1.0}}}},
		{"json in a string", `{"data":{"s.json":"{\"p\":{\"k\":50}}"}}`, `{"data":{"s.json":"{\"p\":{\"k\":100}}"}}`,
			[]Field{{Path: `data["s.json"].p.k`, Old: 50.0, New: 100.0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var o, n any
			if err := json.Unmarshal([]byte(tc.old), &o); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.new), &n); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, Fields(o, n)); diff != "" {
				t.Errorf("Fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWriteMultiline: a string of several lines changes line by line.
func TestWriteMultiline(t *testing.T) {
	r := &Result{Namespace: "demo", Name: "app", Changed: true, Children: []Child{{Action: Change, Kind: "PrometheusRule", Name: "r",
		Fields: []Field{{Path: "spec.expr", Old: "sum(\n  lag{group=\"a\"}\n) > 1", New: "sum(\n  lag{group=\"b\"}\n) > 1"}}}}}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := `StreamingApplication demo/app: 1 to change
~ PrometheusRule r
    spec.expr:
        (1 lines the same)
      -   lag{group="a"}
      +   lag{group="b"}
        (1 lines the same)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Write mismatch (-want +got):\n%s", diff)
	}
}
