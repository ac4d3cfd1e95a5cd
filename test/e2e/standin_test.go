package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sjson "k8s.io/apimachinery/pkg/util/json"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// lastAnswer rebuilds the answer that made the observed children: each child's
// last-applied configuration, as it was stored.
func lastAnswer(t *testing.T, observed map[string]map[string]*unstructured.Unstructured) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, key := range harness.SortedKeys(observed) {
		for _, name := range harness.SortedKeys(observed[key]) {
			live := observed[key][name]
			var m map[string]any
			if err := k8sjson.Unmarshal([]byte(live.GetAnnotations()[harness.LastAppliedKey]), &m); err != nil {
				t.Fatalf("%s: last-applied: %v", harness.ObjKey(live), err)
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

// detached is the reference application's child set made by the stand-in in a
// namespace of its own, for the self-tests: the hook's answer is computed for app, an
// application that is never created, and its children are owned by owner, a
// ConfigMap. The real Metacontroller follows only controller references to
// StreamingApplications, so it never touches these children, and the garbage
// collector keeps them while their owner exists.
type detached struct {
	owner *unstructured.Unstructured // the ConfigMap owning the children
	app   *unstructured.Unstructured // the application, never created (uid: the owner's)
}

// detachedChildren creates the reference application's children as detached.
func (c *cluster) detachedChildren(t *testing.T, f *harness.StandIn, prefix string) detached {
	t.Helper()
	ns := c.NewNamespace(t, prefix)
	owner, err := c.API.CreateStrict(harness.Ctx(t), &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "standin-owner", "namespace": ns},
	}})
	if err != nil {
		t.Fatalf("create the owner ConfigMap in %s: %v", ns, err)
	}
	owner.SetAPIVersion("v1")
	owner.SetKind("ConfigMap")
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	app.SetUID(owner.GetUID())
	app.SetGeneration(1)
	observed := f.Observe(t, owner)
	ans, err := f.Call(f.Request(app, observed, nil))
	if err != nil {
		t.Fatalf("the sync hook for the detached application: %v", err)
	}
	desired, err := f.DecodeChildren(ans, owner)
	if err != nil {
		t.Fatal(err)
	}
	var res harness.SyncResult
	if err := f.ApplyChildren(t, owner, observed, desired, &res); err != nil {
		t.Fatalf("create the detached children: %v", err)
	}
	if len(res.Created) == 0 {
		t.Fatal("the hook answered no child for the reference application")
	}
	return detached{owner: owner, app: app}
}

// TestStandInRefusesWhatMetacontrollerWouldLoopOn proves that the checks of the
// harness can fail, on faults the real Metacontroller cannot be made to produce. It
// applies answers through the stand-in's writes (ApplyChildren) to detached
// children, which the real Metacontroller does not manage: an unknown field in a
// child (created or updated) is refused by fieldValidation=Strict; a value the API
// server normalizes (a CPU quantity "0.5", stored as "500m") makes the second apply a
// write that stores nothing new, which Metacontroller would repeat on every sync, and
// WaitSettled's merge check sees that Metacontroller would still update the child.
// Writes of a real application's status and finalizers are dry runs: a status field
// the CRD lacks is refused, and the same status written without strict validation
// is pruned, which WaitSettled's status check sees; a warning of the API server fails
// the write. Hooks are called at the paths and in the version the CompositeController
// names.
func TestStandInRefusesWhatMetacontrollerWouldLoopOn(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	f := c.StandIn(t)
	d := c.detachedChildren(t, f, "standin")
	answer := lastAnswer(t, f.Observe(t, d.owner))
	merge := harness.WorkloadName("merge")
	apply := func(t *testing.T, answer []*unstructured.Unstructured) (harness.SyncResult, error) {
		t.Helper()
		var res harness.SyncResult
		observed := f.Observe(t, d.owner)
		for _, child := range answer {
			labels := child.GetLabels()
			labels[harness.ControllerUIDLabel] = string(d.owner.GetUID())
			child.SetLabels(labels)
		}
		return res, f.ApplyChildren(t, d.owner, observed, answer, &res)
	}

	t.Run("the last answer again writes nothing", func(t *testing.T) {
		res, err := apply(t, answer)
		if err != nil || res.Changed() {
			t.Fatalf("re-applying the last answer: %s, error %v", res, err)
		}
		observed := f.Observe(t, d.owner)
		for _, child := range answer {
			live := observed[harness.ChildKey(child.GroupVersionKind())][child.GetNamespace()+"/"+child.GetName()]
			if live == nil {
				t.Fatalf("%s is not observed", harness.ObjKey(child))
			}
			if diff := harness.MergeDiff(live, child); diff != "" {
				t.Errorf("WaitSettled's merge check: Metacontroller would update %s for the answer that made it:\n%s", harness.ObjKey(live), diff)
			}
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
			"metadata": map[string]any{"name": "standin-extra", "namespace": d.owner.GetNamespace(), "labels": map[string]any{}},
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
		// WaitSettled would not call this settled: Metacontroller's merge of the
		// answer still differs from what the API server stored.
		var child *unstructured.Unstructured
		for _, obj := range normalized {
			if obj.GetKind() == "Deployment" && obj.GetName() == merge {
				child = obj
			}
		}
		observed := f.Observe(t, d.owner)
		live := observed[harness.ChildKey(child.GroupVersionKind())][child.GetNamespace()+"/"+merge]
		if diff := harness.MergeDiff(live, child); !strings.Contains(diff, "500m") {
			t.Errorf("WaitSettled's merge check does not see that Metacontroller would rewrite cpu 0.5 (stored as 500m); diff:\n%s", diff)
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

	// A real application, written only in dry runs.
	app := c.DeployReference(t, "standin-parent")
	g := *f
	g.DryRun = true

	t.Run("status field missing from the schema", func(t *testing.T) {
		live, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(app.GetNamespace()).Get(harness.Ctx(t), app.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		status, _, _ := unstructured.NestedMap(live.Object, "status")
		status["bogus"] = "x"
		var res harness.SyncResult
		err = g.WriteStatus(t, live, status, &res)
		if err == nil || !strings.Contains(err.Error(), "bogus") {
			t.Fatalf("want the status write refused for status.bogus, got %v", err)
		}
		t.Logf("refused as expected: %v", err)

		// Metacontroller writes without strict validation: the API server prunes the
		// field, and WaitSettled's status check sees the stored status is not the answer.
		obj := live.DeepCopy()
		obj.Object["status"] = status
		stored, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(app.GetNamespace()).UpdateStatus(harness.Ctx(t), obj, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatalf("dry-run status write without strict validation: %v", err)
		}
		answered := map[string]any{}
		for k, v := range status {
			if k != "observedGeneration" {
				answered[k] = v
			}
		}
		if diff := harness.StatusDiff(stored, answered); !strings.Contains(diff, "bogus") {
			t.Errorf("WaitSettled's status check does not see the pruned status.bogus; diff:\n%s", diff)
		}
	})

	t.Run("a warning fails the write", func(t *testing.T) {
		live, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(app.GetNamespace()).Get(harness.Ctx(t), app.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		live.SetFinalizers(append(live.GetFinalizers(), "e2e-not-domain-qualified"))
		_, err = g.UpdateParent(t, live)
		if err == nil || !strings.Contains(err.Error(), "warned") {
			t.Fatalf("want a finalizer without a domain to fail on the API server's warning, got %v", err)
		}
		t.Logf("refused as expected: %v", err)
	})

	t.Run("hooks", func(t *testing.T) {
		for _, tc := range []struct {
			name, field, value, want string
		}{
			{"sync path from the URL", "url", "http://127.0.0.1:1/no-such-hook", "/no-such-hook: 404"},
			{"version v2 only", "version", "v1", `spec.hooks.sync.version is "v1", want v2`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				controller := f.Controller.DeepCopy()
				path := []string{"spec", "hooks", "sync", "version"}
				if tc.field == "url" {
					path = []string{"spec", "hooks", "sync", "webhook", "url"}
				}
				if err := unstructured.SetNestedField(controller.Object, tc.value, path...); err != nil {
					t.Fatal(err)
				}
				h, err := harness.NewStandIn(c.Cluster, controller)
				if err == nil {
					_, err = h.Call(h.Request(d.app, h.Observe(t, d.owner), nil))
				}
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("want an error containing %q, got %v", tc.want, err)
				}
				t.Logf("refused as expected: %v", err)
			})
		}
	})
}

// TestHookRefusesMalformedRequests sends `sluice serve` requests the real
// Metacontroller never sends: each is answered with an HTTP error (Metacontroller
// would change nothing and retry), never with a 200 that could carry an empty child
// list, which would delete every child.
func TestHookRefusesMalformedRequests(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	c.NeedSluice(t)
	f := c.StandIn(t)
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), "malformed")
	app.SetUID("00000000-0000-0000-0000-000000000001")
	children := map[string]any{}
	for _, gvk := range f.Kinds {
		children[harness.ChildKey(gvk)] = map[string]any{}
	}
	valid := map[string]any{"controller": f.Controller.Object, "parent": app.Object, "children": children, "related": map[string]any{}, "finalizing": false}
	with := func(key string, v any) []byte {
		m := map[string]any{}
		for k, x := range valid {
			m[k] = x
		}
		if v == nil {
			delete(m, key)
		} else {
			m[key] = v
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	foreign := app.DeepCopy()
	foreign.SetAPIVersion("apps/v1")
	foreign.SetKind("Deployment")
	byNameOnly := map[string]any{}
	for k := range children {
		byNameOnly[k] = map[string]any{}
	}
	byNameOnly["ConfigMap.v1"] = map[string]any{"x-config": map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x-config", "namespace": app.GetNamespace()},
	}}
	for _, tc := range []struct {
		name string
		body []byte
		want int
	}{
		{"not JSON", []byte(`{"parent":`), http.StatusBadRequest},
		{"no parent", with("parent", nil), http.StatusBadRequest},
		{"no children map", with("children", nil), http.StatusBadRequest},
		{"children keyed by name alone (hook v1)", with("children", byNameOnly), http.StatusBadRequest},
		{"a parent of another kind", with("parent", foreign.Object), http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, hook := range []string{"sync", "finalize"} {
				code, body, err := f.PostRaw(f.Hooks[hook], tc.body)
				if err != nil {
					t.Fatal(err)
				}
				if code != tc.want {
					t.Errorf("%s: HTTP %d, want %d: %s", hook, code, tc.want, body)
				}
			}
		})
	}
	// The valid request itself is answered, with children.
	var ans harness.SyncAnswer
	if err := f.Post(f.Hooks["sync"], json.RawMessage(with("related", map[string]any{})), &ans); err != nil {
		t.Fatalf("the valid request: %v", err)
	}
	if len(ans.Children) == 0 {
		t.Fatal("the valid request got no children")
	}
}
