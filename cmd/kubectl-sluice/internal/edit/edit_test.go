package edit

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

func reference(t *testing.T) *graph.StreamingApplication {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "manifests", "examples", "call-record-aggregator.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := graph.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func TestParseSetting(t *testing.T) {
	cases := []struct {
		arg  string
		want Setting
		err  error
	}{
		{"cdr-generator1.records-per-second=100", Setting{"cdr-generator1", "records-per-second", "100"}, nil},
		{"s.a.b=x=y", Setting{"s", "a.b", "x=y"}, nil},
		{"s.k=", Setting{"s", "k", ""}, nil},
		{"s.k = 1 minute ", Setting{"s", "k", "1 minute"}, nil},
		{"nokey=1", Setting{}, ErrSyntax},
		{"s.k", Setting{}, ErrSyntax},
		{".k=1", Setting{}, ErrSyntax},
	}
	for _, tc := range cases {
		t.Run(tc.arg, func(t *testing.T) {
			got, err := ParseSetting(tc.arg)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseSetting mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFile(t *testing.T) {
	got, err := ParseFile("conf", []byte("# rates\n\ncdr-generator1.records-per-second = 10\nbad\ncdr-aggregator.watermark=2 minutes\n"))
	want := []Setting{{"cdr-generator1", "records-per-second", "10"}, {"cdr-aggregator", "watermark", "2 minutes"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseFile mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(`conf:4: "bad": want STREAMLET.KEY=VALUE`, err.Error()); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}

// TestMerge: every setting is checked against the declared parameters by
// graph's validation, every problem at once, each prefixed with its setting.
func TestMerge(t *testing.T) {
	app := reference(t)
	settings := []Setting{
		{"cdr-generator1", "records-per-second", "100"},
		{"cdr-generator2", "records-per-second", "fast"},
		{"cdr-aggregator", "watermark", "2 minutes"},
		{"cdr-aggregator", "group-by-window", "soon"},
		{"merge", "rate", "1"},
		{"nosuch", "k", "v"},
	}
	merged, problems := Merge(app, settings)
	// The first two are this package's; the others graph's own messages,
	// prefixed with the setting.
	want := []string{
		`merge.rate=1: streamlet merge declares no parameter "rate"; it declares no parameters`,
		`nosuch.k=v: application call-record-aggregator has no streamlet "nosuch"; its streamlets: cdr-aggregator, cdr-generator1, cdr-generator2, cdr-ingress, cdr-validator, console-egress, error-egress, merge`,
		`cdr-aggregator.group-by-window=soon: "soon" is not a duration`,
		`cdr-generator2.records-per-second=fast: "fast" is not a int32`,
	}
	if len(problems) != len(want) {
		t.Fatalf("problems = %q, want %d like %q", problems, len(want), want)
	}
	for i, w := range want {
		if i < 2 && problems[i] != w || !strings.HasPrefix(problems[i], w) {
			t.Errorf("problem %d = %q, want %q", i, problems[i], w)
		}
	}
	if got := app.Spec.Streamlets[0].Config; got != nil {
		t.Errorf("Merge changed its input: %v", got)
	}
	b, _ := json.Marshal(merged.Spec.Streamlets)
	var list []map[string]any
	_ = json.Unmarshal(b, &list)
	config := map[string]any{}
	for _, s := range list {
		if c, ok := s["config"]; ok {
			config[s["name"].(string)] = c
		}
	}
	wantConfig := map[string]any{
		"cdr-generator1": map[string]any{"records-per-second": 100.0},
		"cdr-generator2": map[string]any{"records-per-second": "fast"},
		"cdr-aggregator": map[string]any{"watermark": "2 minutes", "group-by-window": "soon"},
	}
	if diff := cmp.Diff(wantConfig, config); diff != "" {
		t.Errorf("merged config mismatch (-want +got):\n%s", diff)
	}
}

func TestParameterChanges(t *testing.T) {
	app := reference(t)
	before, problems := graph.Resolve(app)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	merged, lines := Merge(app, []Setting{{"cdr-generator1", "records-per-second", "100"}, {"cdr-aggregator", "watermark", "1 minute"}})
	if len(lines) > 0 {
		t.Fatal(lines)
	}
	after, _ := graph.Resolve(merged)
	got := ParameterChanges(before, after)
	want := []ParameterChange{{Streamlet: "cdr-generator1", Key: "records-per-second", Old: "50", New: "100", OldDefault: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParameterChanges mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"cdr-generator1"}, Restarts(got)); diff != "" {
		t.Errorf("Restarts mismatch (-want +got):\n%s", diff)
	}
}

// live is an application as the API server returns it after kubectl-sluice
// applied it, with another manager owning merge's replicas.
func live(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "sluice.dev/v1alpha1", "kind": "StreamingApplication",
		"metadata": map[string]any{"name": "app", "namespace": "demo", "uid": "u1", "resourceVersion": "7",
			"labels": map[string]any{"team": "data", "other": "x"}},
		"spec": map[string]any{
			"image": "img:1",
			"streamlets": []any{
				map[string]any{"name": "a", "runtime": "akka", "replicas": int64(2), "config": map[string]any{"k": "v"}},
				map[string]any{"name": "merge", "runtime": "akka", "replicas": int64(3)},
			},
		},
		"status": map[string]any{"phase": "Running"},
	}}
	u.SetManagedFields([]metav1.ManagedFieldsEntry{
		{Manager: FieldManager, Operation: metav1.ManagedFieldsOperationApply, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{"f:team":{}}},"f:spec":{"f:image":{},"f:streamlets":{"k:{\"name\":\"a\"}":{".":{},"f:name":{},"f:runtime":{},"f:replicas":{},"f:config":{"f:k":{}}},"k:{\"name\":\"merge\"}":{".":{},"f:name":{},"f:runtime":{}}}}}`)},
		{Manager: "argocd", Operation: metav1.ManagedFieldsOperationApply, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{"f:other":{}}},"f:spec":{"f:streamlets":{"k:{\"name\":\"merge\"}":{"f:replicas":{}}}}}`)},
		{Manager: "metacontroller", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:status":{"f:phase":{}}}`)},
	})
	return u
}

// TestOwnedThenScale: the apply configuration of a scale holds what
// kubectl-sluice owns plus the one field, and nothing another manager owns.
func TestOwnedThenScale(t *testing.T) {
	cfg, err := Owned(live(t), FieldManager)
	if err != nil {
		t.Fatal(err)
	}
	Scale(cfg, "merge", 5)
	want := map[string]any{
		"apiVersion": "sluice.dev/v1alpha1", "kind": "StreamingApplication",
		"metadata": map[string]any{"name": "app", "namespace": "demo", "labels": map[string]any{"team": "data"}},
		"spec": map[string]any{
			"image": "img:1",
			"streamlets": []any{
				map[string]any{"name": "a", "runtime": "akka", "replicas": int64(2), "config": map[string]any{"k": "v"}},
				map[string]any{"name": "merge", "runtime": "akka", "replicas": int64(5)},
			},
		},
	}
	if diff := cmp.Diff(want, cfg.Object); diff != "" {
		t.Errorf("apply configuration mismatch (-want +got):\n%s", diff)
	}
}

// TestOwnedByNobody: an application kubectl-sluice never applied gets an
// apply configuration with only the changed field.
func TestOwnedByNobody(t *testing.T) {
	cfg, err := Owned(live(t), "someone-else")
	if err != nil {
		t.Fatal(err)
	}
	app := reference(t)
	if err := Configure(cfg, app, []Setting{{"cdr-generator1", "records-per-second", "100"}, {"cdr-aggregator", "watermark", "2 minutes"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "sluice.dev/v1alpha1", "kind": "StreamingApplication",
		"metadata": map[string]any{"name": "app", "namespace": "demo"},
		"spec": map[string]any{"streamlets": []any{
			map[string]any{"name": "cdr-generator1", "config": map[string]any{"records-per-second": 100.0}},
			map[string]any{"name": "cdr-aggregator", "config": map[string]any{"watermark": "2 minutes"}},
		}},
	}
	if diff := cmp.Diff(want, cfg.Object); diff != "" {
		t.Errorf("apply configuration mismatch (-want +got):\n%s", diff)
	}
}
