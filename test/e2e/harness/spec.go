package harness

import (
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// UpdateSpec applies edit to the live parent's spec and writes it, retrying on
// conflicts.
func (c *Cluster) UpdateSpec(t *testing.T, parent *unstructured.Unstructured, edit func(t *testing.T, spec map[string]any)) *unstructured.Unstructured {
	t.Helper()
	r := c.API.Dyn.Resource(SappGVR).Namespace(parent.GetNamespace())
	for range 5 {
		live, err := r.Get(Ctx(t), parent.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := live.Object["spec"].(map[string]any)
		edit(t, spec)
		updated, err := r.Update(Ctx(t), live, StrictUpdate)
		if apierrors.IsConflict(err) {
			continue
		}
		if err != nil {
			t.Fatalf("update %s: %v", ObjKey(live), err)
		}
		return updated
	}
	t.Fatalf("update %s/%s: conflicts persisted", parent.GetNamespace(), parent.GetName())
	return nil
}

// Streamlet returns the spec.streamlets entry with the given name.
func Streamlet(t *testing.T, spec map[string]any, name string) map[string]any {
	t.Helper()
	list, _ := spec["streamlets"].([]any)
	for _, s := range list {
		if m, ok := s.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	t.Fatalf("spec.streamlets has no %q", name)
	return nil
}

// RemoveGenerator2 removes the streamlet cdr-generator2 from the reference
// application's spec, with its connection and the inlet of merge it fed: its outlet
// leaves the blueprint.
func RemoveGenerator2(t *testing.T, spec map[string]any) {
	t.Helper()
	list, _ := spec["streamlets"].([]any)
	spec["streamlets"] = slices.DeleteFunc(list, func(s any) bool { return s.(map[string]any)["name"] == "cdr-generator2" })
	conns, _ := spec["connections"].([]any)
	spec["connections"] = slices.DeleteFunc(conns, func(c any) bool { return c.(map[string]any)["from"] == "cdr-generator2.out" })
	merge := Streamlet(t, spec, "merge")
	inlets, _ := merge["inlets"].([]any)
	merge["inlets"] = slices.DeleteFunc(inlets, func(i any) bool { return i.(map[string]any)["name"] == "in-1" })
}

// StreamletStatus returns status.streamlets[name=name] of the parent.
func StreamletStatus(t *testing.T, parent *unstructured.Unstructured, name string) map[string]any {
	t.Helper()
	list, _, _ := unstructured.NestedSlice(parent.Object, "status", "streamlets")
	for _, s := range list {
		if m, ok := s.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	t.Fatalf("status.streamlets has no %q:\n%s", name, MustJSON(parent.Object["status"]))
	return nil
}
