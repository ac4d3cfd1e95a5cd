package children

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestAsLastAppliedStripsServerFields: whether rebuilt from last-applied or,
// where that is missing or unreadable, from the observed object, a kept child
// carries nothing the API server sets.
func TestAsLastAppliedStripsServerFields(t *testing.T) {
	observed := func(lastApplied string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{
				"name": "app-s-config", "namespace": "demo", "uid": "u1", "resourceVersion": "7",
				"generation": int64(2), "creationTimestamp": "2026-11-25T12:00:00Z",
				"managedFields":   []any{map[string]any{"manager": "metacontroller"}},
				"ownerReferences": []any{map[string]any{"uid": "7d1c7f1e-5b0e-4a36-9d57-2c1f3a0c9e11"}}, "finalizers": []any{"x"},
				"labels": map[string]any{"sluice.dev/app": "app"},
			},
			"data":   map[string]any{"streamlet.json": "{}"},
			"status": map[string]any{"observed": true},
		}}
		if lastApplied != "" {
			u.SetAnnotations(map[string]string{AnnotationLastApplied: lastApplied})
		}
		return u
	}
	// A last-applied written by an older hook or by hand, echoing the server.
	polluted := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-s-config","namespace":"demo","uid":"u1","resourceVersion":"6","managedFields":[{"manager":"x"}],"labels":{"sluice.dev/app":"app"}},"data":{"streamlet.json":"{}"},"status":{"old":true}}`
	want := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "app-s-config", "namespace": "demo", "labels": map[string]any{"sluice.dev/app": "app"}},
		"data":     map[string]any{"streamlet.json": "{}"},
	}
	for name, u := range map[string]*unstructured.Unstructured{
		"no last-applied":         observed(""),
		"unreadable last-applied": observed("{not json"),
		"polluted last-applied":   observed(polluted),
	} {
		if diff := cmp.Diff(want, asLastApplied(u, UnreadChild{}, "v1").Object); diff != "" {
			t.Errorf("%s: kept child mismatch (-want +got):\n%s", name, diff)
		}
	}
}
