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
		var l lastApplied
		got, err := l.answer(u, UnreadChild{}, "v1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got.Object); diff != "" {
			t.Errorf("%s: kept child mismatch (-want +got):\n%s", name, diff)
		}
	}
}

// TestFrozenNeverAnswersALeanChild: a child read lean whose whole form does
// not decode stops the answer (an error, HTTP 500: Metacontroller changes
// nothing) rather than answering the lean copy, which lacks its data.
func TestFrozenNeverAnswersALeanChild(t *testing.T) {
	lean := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": ConfigMapKind,
		"metadata": map[string]any{"name": "app-s-config", "namespace": "ns"},
	}}
	observed := Observed{ConfigMapKind: {"app-s-config": lean}}
	whole := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app-s-config","namespace":"ns"},"data":{"streamlet.json":"{}"}}`
	for _, tc := range []struct {
		raw     string
		wantErr bool
	}{
		{whole, false},
		{whole[:len(whole)-1], true},
	} {
		got, err := frozen(observed, Unread{ConfigMapKind: {"app-s-config": {Object: []byte(tc.raw)}}}, Kinds{ConfigMapKind: "v1"})
		if (err != nil) != tc.wantErr {
			t.Fatalf("frozen of %.40s…: error %v, want one: %v", tc.raw, err, tc.wantErr)
		}
		if err == nil {
			if data, _, _ := unstructured.NestedStringMap(got[0].Object().Object, "data"); data["streamlet.json"] != "{}" {
				t.Errorf("frozen answered %v, want the whole child with its data", got[0].Object().Object)
			}
		}
	}
}

// TestMetadataEntry: labels and annotations are read as GetLabels and
// GetAnnotations read them, malformed maps included.
func TestMetadataEntry(t *testing.T) {
	for _, entries := range []any{
		nil, "x", map[string]any{},
		map[string]any{"k": "v", "o": "w"},
		map[string]any{"k": nil, "o": "w"},
		map[string]any{"k": "v", "o": 5},
		map[string]any{"k": 5},
		map[string]any{"o": "w"},
	} {
		for _, field := range []string{"labels", "annotations"} {
			u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{field: entries}}}
			want := u.GetLabels()
			if field == "annotations" {
				want = u.GetAnnotations()
			}
			wantV, wantOK := want["k"]
			if v, ok := metadataEntry(u, field, "k"); v != wantV || ok != wantOK {
				t.Errorf("%s %v: metadataEntry = %q, %v; Get%s gives %q, %v", field, entries, v, ok, field, wantV, wantOK)
			}
		}
	}
}
