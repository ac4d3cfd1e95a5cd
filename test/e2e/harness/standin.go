package harness

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// This file is a STAND-IN for Metacontroller, not Metacontroller. The scenarios run
// the real Metacontroller (metacontroller.go); the stand-in is kept for what the
// real one cannot do or be made to do:
//   - build the hook request the real Metacontroller would send now, from what the
//     API server holds (Observe, related, Request; hooks.go), so that WaitSettled
//     can compare the hook's answer with what the cluster stores, and compute
//     Metacontroller's three-way merge (applyUpdate, merge.go) of an answer into a
//     live child;
//   - the self-tests of faults the real Metacontroller never produces
//     (standin_test.go of package e2e): writes that must be refused (ApplyChildren,
//     WriteStatus, UpdateParent, all strict; writes.go), malformed requests. They
//     only compute answers or write objects the real Metacontroller does not manage
//     (children owned by a ConfigMap), or dry runs.
//
// With a customize hook it first asks `sluice serve` which related objects to add,
// lists them, and passes them in the request's related map.

const (
	// LastAppliedKey is the annotation where Metacontroller keeps what it applied.
	LastAppliedKey = "metacontroller.k8s.io/last-applied-configuration"
	// ControllerUIDLabel is the label generateSelector puts on every child.
	ControllerUIDLabel = "controller-uid"
)

var compositeControllersGVR = schema.GroupVersionResource{
	Group: "metacontroller.k8s.io", Version: "v1alpha1", Resource: "compositecontrollers",
}

// StandIn is the stand-in for Metacontroller, for one CompositeController.
type StandIn struct {
	c *Cluster
	// Controller is the CompositeController, as the API server holds it.
	Controller *unstructured.Unstructured
	// Kinds are its spec.childResources, resolved to kinds.
	Kinds    []schema.GroupVersionKind
	strategy map[string]string // ChildKey -> updateStrategy.method
	// Hooks maps each hook of spec.hooks (sync, finalize, customize) to the path
	// of its webhook URL: the stand-in POSTs there on `sluice serve`, not to the
	// in-cluster host.
	Hooks map[string]string
	// DryRun makes the writes of the parent (finalizers, status) dry runs: the
	// self-tests write through the stand-in only what the API server refuses or
	// stores nothing of, never on a parent the real Metacontroller manages.
	DryRun bool
}

// implementedHooks are the hooks the stand-in calls; a CompositeController with
// another hook (preUpdateChild, postUpdateChild) is refused rather than half-run.
var implementedHooks = []string{"sync", "finalize", "customize"}

// StandIn returns the stand-in for the CompositeController that the cluster
// holds for StreamingApplications (its hooks pointed at `sluice serve`).
func (c *Cluster) StandIn(t *testing.T) *StandIn {
	t.Helper()
	c.NeedManifests(t)
	c.NeedSluice(t)
	found, err := c.sluiceControllers()
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one CompositeController for %s, found %d", SappGVR, len(found))
	}
	f, err := NewStandIn(c, found[0])
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// NewStandIn returns the stand-in for controller, a CompositeController of c. It
// refuses a controller with a hook it does not implement, a hook whose version is not
// v2, a hook URL without a path, or no sync hook.
func NewStandIn(c *Cluster, controller *unstructured.Unstructured) (*StandIn, error) {
	kinds, err := c.API.ChildKinds(controller)
	if err != nil {
		return nil, err
	}
	f := &StandIn{c: c, Controller: controller, Kinds: kinds, strategy: map[string]string{}, Hooks: map[string]string{}}
	list, _, _ := unstructured.NestedSlice(controller.Object, "spec", "childResources")
	for i, item := range list {
		m, _ := item.(map[string]any)
		method, _, _ := unstructured.NestedString(m, "updateStrategy", "method")
		f.strategy[ChildKey(kinds[i])] = method
	}
	hooks, _, _ := unstructured.NestedMap(controller.Object, "spec", "hooks")
	for _, name := range SortedKeys(hooks) {
		if !slices.Contains(implementedHooks, name) {
			return nil, fmt.Errorf("CompositeController %s: spec.hooks.%s: the stand-in implements only %v", controller.GetName(), name, implementedHooks)
		}
		hook, _ := hooks[name].(map[string]any)
		// Metacontroller defaults a hook's version to v1, whose requests key children
		// by name only; Sluice's hooks read the v2 keys (namespace/name).
		if v, _, _ := unstructured.NestedString(hook, "version"); v != "v2" {
			return nil, fmt.Errorf("CompositeController %s: spec.hooks.%s.version is %q, want v2", controller.GetName(), name, v)
		}
		raw, _, _ := unstructured.NestedString(hook, "webhook", "url")
		u, err := url.Parse(raw)
		if err != nil || u.Path == "" {
			return nil, fmt.Errorf("CompositeController %s: spec.hooks.%s.webhook.url %q has no path (%v)", controller.GetName(), name, raw, err)
		}
		f.Hooks[name] = u.RequestURI()
	}
	if f.Hooks["sync"] == "" {
		return nil, fmt.Errorf("CompositeController %s has no sync hook", controller.GetName())
	}
	return f, nil
}

func (f *StandIn) name() string { return f.Controller.GetName() }

func (f *StandIn) finalizer() string { return finalizerName(f.name()) }

func (f *StandIn) hasFinalizeHook() bool { return f.Hooks["finalize"] != "" }

// HasCustomizeHook reports whether the CompositeController has a customize hook.
func (f *StandIn) HasCustomizeHook() bool { return f.Hooks["customize"] != "" }
