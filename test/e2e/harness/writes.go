package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
)

// SyncResult says what the stand-in's writes changed in the cluster.
type SyncResult struct {
	// Created, Updated and Deleted are the children written, by ObjKey.
	Created, Updated, Deleted []string
	// StatusWritten is true when the parent's status was written.
	StatusWritten bool
}

// Changed reports whether anything was written.
func (r SyncResult) Changed() bool {
	return len(r.Created)+len(r.Updated)+len(r.Deleted) > 0 || r.StatusWritten
}

// String says what was written, for messages.
func (r SyncResult) String() string {
	return fmt.Sprintf("created %v, updated %v, deleted %v, status written %t", r.Created, r.Updated, r.Deleted, r.StatusWritten)
}

// parentUpdate are the options of the stand-in's writes of the parent: strict, and
// dry runs when f.dryRun is set.
func (f *StandIn) parentUpdate() metav1.UpdateOptions {
	opts := StrictUpdate
	if f.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return opts
}

// UpdateParent writes the parent (its finalizers) strictly; a warning fails it.
func (f *StandIn) UpdateParent(t *testing.T, parent *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	t.Helper()
	return withoutWarnings(Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
		return f.c.API.Dyn.Resource(SappGVR).Namespace(parent.GetNamespace()).Update(ctx, parent, f.parentUpdate())
	})
}

// ApplyChildren creates or updates every answered child and deletes every observed
// child left out of the answer.
func (f *StandIn) ApplyChildren(t *testing.T, parent *unstructured.Unstructured, observed map[string]map[string]*unstructured.Unstructured, desired []*unstructured.Unstructured, res *SyncResult) error {
	t.Helper()
	var errs []string
	answered := map[string]bool{}
	for _, child := range desired {
		key := ChildKey(child.GroupVersionKind())
		answered[key+" "+child.GetNamespace()+"/"+child.GetName()] = true
		r, err := f.c.API.Resource(child)
		if err != nil {
			return err
		}
		var problem string
		if live := observed[key][child.GetNamespace()+"/"+child.GetName()]; live == nil {
			problem, err = createChild(t, r, parent, child, res)
		} else if method := f.strategy[key]; method != "" && method != "OnDelete" { // Metacontroller never updates such a child in place
			problem = updateChild(t, r, live, child, res)
		}
		if err != nil {
			return err
		}
		if problem != "" {
			errs = append(errs, problem)
		}
	}
	deleted, err := f.deleteUnanswered(t, observed, answered, res)
	if err != nil {
		return err
	}
	if errs = append(errs, deleted...); len(errs) > 0 {
		return fmt.Errorf("applying the answer:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// createChild creates the answered child with its last-applied configuration and a
// controller reference to parent, strictly. It returns what went wrong with the
// create ("" when it was done); an error is one no write was tried for.
func createChild(t *testing.T, r dynamic.ResourceInterface, parent, child *unstructured.Unstructured, res *SyncResult) (string, error) {
	t.Helper()
	lastApplied, err := json.Marshal(child.Object)
	if err != nil {
		return "", err
	}
	obj := child.DeepCopy()
	setAnnotation(obj, LastAppliedKey, string(lastApplied))
	obj.SetOwnerReferences([]metav1.OwnerReference{*metav1.NewControllerRef(parent, parent.GroupVersionKind())})
	_, err = withoutWarnings(Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
		return r.Create(ctx, obj, StrictCreate)
	})
	if err != nil {
		return fmt.Sprintf("create %s: %v", ObjKey(obj), err), nil
	}
	res.Created = append(res.Created, ObjKey(obj))
	return "", nil
}

// updateChild writes Metacontroller's three-way merge of the answered child into
// live, strictly, when it differs from live and live is not pending deletion. It
// returns what went wrong ("" when nothing did).
func updateChild(t *testing.T, r dynamic.ResourceInterface, live, child *unstructured.Unstructured, res *SyncResult) string {
	t.Helper()
	merged, err := applyUpdate(live, child)
	if err != nil {
		return fmt.Sprintf("%s: %v", ObjKey(live), err)
	}
	if EqualJSON(merged.Object, live.Object) {
		return ""
	}
	if live.GetDeletionTimestamp() != nil {
		return "" // Metacontroller leaves a child pending deletion alone
	}
	updated, err := withoutWarnings(Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
		return r.Update(ctx, merged, StrictUpdate)
	})
	if err != nil {
		return fmt.Sprintf("update %s: %v", ObjKey(live), err)
	}
	// Metacontroller writes whenever its merge differs from the live object. A
	// write that leaves the resourceVersion as it was means the API server
	// dropped or normalized what differs: Metacontroller would send the same
	// write on every sync, forever.
	if updated.GetResourceVersion() == live.GetResourceVersion() {
		return fmt.Sprintf("update %s: the merged answer differs from the live object, but the API server stored nothing new "+
			"(resourceVersion %s kept): Metacontroller would rewrite it on every sync; what the server drops or normalizes (-live +merged):\n%s",
			ObjKey(live), live.GetResourceVersion(), cmp.Diff(live.Object, merged.Object))
	}
	res.Updated = append(res.Updated, ObjKey(live))
	return ""
}

// deleteUnanswered deletes every observed child that is not answered and not
// pending deletion already, and returns what went wrong with the deletes.
func (f *StandIn) deleteUnanswered(t *testing.T, observed map[string]map[string]*unstructured.Unstructured, answered map[string]bool, res *SyncResult) ([]string, error) {
	t.Helper()
	var errs []string
	for _, key := range SortedKeys(observed) {
		for _, name := range SortedKeys(observed[key]) {
			live := observed[key][name]
			if answered[key+" "+name] || live.GetDeletionTimestamp() != nil {
				continue
			}
			r, err := f.c.API.Resource(live)
			if err != nil {
				return nil, err
			}
			uid := live.GetUID()
			err = r.Delete(Ctx(t), live.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Sprintf("delete %s: %v", ObjKey(live), err))
				continue
			}
			res.Deleted = append(res.Deleted, ObjKey(live))
		}
	}
	return errs, nil
}

// WriteStatus replaces the parent's status with the answered one plus
// observedGeneration. The API server must store it exactly as written: a field the
// CRD's status schema lacks is refused (fieldValidation=Strict), and one it prunes or
// normalizes anyway would make Metacontroller rewrite the status on every sync.
func (f *StandIn) WriteStatus(t *testing.T, parent *unstructured.Unstructured, status map[string]any, res *SyncResult) error {
	t.Helper()
	status = runtime.DeepCopyJSON(status)
	status["observedGeneration"] = parent.GetGeneration()
	if old, _, _ := unstructured.NestedMap(parent.Object, "status"); EqualJSON(old, status) {
		return nil
	}
	obj := parent.DeepCopy()
	obj.Object["status"] = status
	updated, err := withoutWarnings(Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
		return f.c.API.Dyn.Resource(SappGVR).Namespace(parent.GetNamespace()).UpdateStatus(ctx, obj, f.parentUpdate())
	})
	if err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	stored, _, _ := unstructured.NestedMap(updated.Object, "status")
	if !EqualJSON(stored, status) {
		return fmt.Errorf("update status: the API server did not store the status as answered (pruned or normalized): "+
			"Metacontroller would rewrite it on every sync (-answered +stored):\n%s", cmp.Diff(status, stored))
	}
	if !f.DryRun && updated.GetResourceVersion() == parent.GetResourceVersion() {
		return fmt.Errorf("update status: a new status was stored without a new resourceVersion (%s)", parent.GetResourceVersion())
	}
	res.StatusWritten = true
	return nil
}
