package e2e

import (
	"strings"
	"testing"

	k8sjson "k8s.io/apimachinery/pkg/util/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// lastAnswer rebuilds the answer that made the observed children: each child's
// last-applied configuration, as Metacontroller stored it.
func lastAnswer(t *testing.T, observed map[string]map[string]*unstructured.Unstructured) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, key := range sortedKeys(observed) {
		for _, name := range sortedKeys(observed[key]) {
			live := observed[key][name]
			var m map[string]any
			if err := k8sjson.Unmarshal([]byte(live.GetAnnotations()[lastAppliedKey]), &m); err != nil {
				t.Fatalf("%s: last-applied: %v", objKey(live), err)
			}
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
	return out
}

// editChild returns a copy of answer in which the child named kind/name is changed by
// edit.
func editChild(t *testing.T, answer []*unstructured.Unstructured, kind, name string, edit func(obj map[string]any)) []*unstructured.Unstructured {
	t.Helper()
	out := make([]*unstructured.Unstructured, len(answer))
	found := false
	for i, child := range answer {
		out[i] = child.DeepCopy()
		if child.GetKind() == kind && child.GetName() == name {
			edit(out[i].Object)
			found = true
		}
	}
	if !found {
		t.Fatalf("the answer has no %s %s", kind, name)
	}
	return out
}

// TestStandInRefusesWhatMetacontrollerWouldLoopOn proves that the stand-in's checks
// of every write can fail: it applies answers through the same functions syncOnce
// uses, on a deployed reference application. An unknown field in a child (created or
// updated) or in the status is refused by fieldValidation=Strict; a value the API
// server normalizes (a CPU quantity "0.5", stored as "500m") makes the second apply
// a write that stores nothing new, which Metacontroller would repeat on every sync;
// a warning of the API server fails the write; hooks are called at the paths and in
// the version the CompositeController names.
func TestStandInRefusesWhatMetacontrollerWouldLoopOn(t *testing.T) {
	c := setup(t)
	app := c.deployReference(t, "standin")
	f := c.metacontroller(t)
	answer := lastAnswer(t, f.observe(t, app))
	merge := workloadName("merge")
	apply := func(t *testing.T, answer []*unstructured.Unstructured) (syncResult, error) {
		t.Helper()
		var res syncResult
		observed := f.observe(t, app)
		for _, child := range answer {
			labels := child.GetLabels()
			labels[controllerUIDLabel] = string(app.GetUID())
			child.SetLabels(labels)
		}
		return res, f.applyChildren(t, app, observed, answer, &res)
	}

	t.Run("the last answer again writes nothing", func(t *testing.T) {
		res, err := apply(t, answer)
		if err != nil || res.changed() {
			t.Fatalf("re-applying the last answer: %s, error %v", res, err)
		}
	})

	t.Run("unknown field in an update", func(t *testing.T) {
		bad := editChild(t, answer, "Deployment", merge, func(obj map[string]any) {
			obj["spec"].(map[string]any)["bogus"] = true
		})
		_, err := apply(t, bad)
		if err == nil || !strings.Contains(err.Error(), `unknown field "spec.bogus"`) {
			t.Fatalf("want the update refused for spec.bogus, got %v", err)
		}
		t.Logf("refused as expected: %v", err)
	})

	t.Run("unknown field in a create", func(t *testing.T) {
		extra := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "standin-extra", "namespace": app.GetNamespace(), "labels": map[string]any{}},
			"data":     map[string]any{"k": "v"},
			"bogus":    "x",
		}}
		_, err := apply(t, append(editChild(t, answer, "Deployment", merge, func(map[string]any) {}), extra))
		if err == nil || !strings.Contains(err.Error(), `unknown field "bogus"`) {
			t.Fatalf("want the create refused for bogus, got %v", err)
		}
		t.Logf("refused as expected: %v", err)
	})

	t.Run("a value the API server normalizes is a hot loop", func(t *testing.T) {
		normalized := editChild(t, answer, "Deployment", merge, func(obj map[string]any) {
			containers, _, _ := unstructured.NestedSlice(obj, "spec", "template", "spec", "containers")
			containers[0].(map[string]any)["resources"] = map[string]any{"requests": map[string]any{"cpu": "0.5"}}
			_ = unstructured.SetNestedSlice(obj, containers, "spec", "template", "spec", "containers")
		})
		res, err := apply(t, normalized)
		if err != nil || len(res.Updated) != 1 {
			t.Fatalf("first apply of cpu 0.5: want one update, got %s, error %v", res, err)
		}
		_, err = apply(t, normalized)
		if err == nil || !strings.Contains(err.Error(), "stored nothing new") {
			t.Fatalf("second apply of cpu 0.5 (stored as 500m): want a hot-loop failure, got %v", err)
		}
		t.Logf("refused as expected: %v", err)
		if _, err := apply(t, answer); err != nil {
			t.Fatalf("restoring the last answer: %v", err)
		}
	})

	t.Run("status field missing from the schema", func(t *testing.T) {
		live, err := c.api.dyn.Resource(sappGVR).Namespace(app.GetNamespace()).Get(ctx(t), app.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		status, _, _ := unstructured.NestedMap(live.Object, "status")
		status["bogus"] = "x"
		var res syncResult
		err = f.writeStatus(t, live, status, &res)
		if err == nil || !strings.Contains(err.Error(), "bogus") {
			t.Fatalf("want the status write refused for status.bogus, got %v", err)
		}
		t.Logf("refused as expected: %v", err)
	})

	t.Run("a warning fails the write", func(t *testing.T) {
		live, err := c.api.dyn.Resource(sappGVR).Namespace(app.GetNamespace()).Get(ctx(t), app.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		live.SetFinalizers(append(live.GetFinalizers(), "e2e-not-domain-qualified"))
		_, err = f.updateParent(t, live)
		if err == nil || !strings.Contains(err.Error(), "warned") {
			t.Fatalf("want a finalizer without a domain to fail on the API server's warning, got %v", err)
		}
		t.Logf("refused as expected: %v", err)
	})

	t.Run("hooks", func(t *testing.T) {
		for _, tc := range []struct {
			name, field, value, want string
		}{
			{"sync path from the URL", "url", "http://sluice.sluice-system.svc/no-such-hook", "/no-such-hook: 404"},
			{"version v2 only", "version", "v1", `spec.hooks.sync.version is "v1", want v2`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				controller := f.controller.DeepCopy()
				path := []string{"spec", "hooks", "sync", "version"}
				if tc.field == "url" {
					path = []string{"spec", "hooks", "sync", "webhook", "url"}
				}
				if err := unstructured.SetNestedField(controller.Object, tc.value, path...); err != nil {
					t.Fatal(err)
				}
				g, err := newFakeMetacontroller(c, controller)
				if err == nil {
					_, err = g.syncOnce(t, app.GetNamespace(), app.GetName())
				}
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("want an error containing %q, got %v", tc.want, err)
				}
				t.Logf("refused as expected: %v", err)
			})
		}
	})
}
