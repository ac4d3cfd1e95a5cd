package e2e

// This file is a STAND-IN for Metacontroller, not Metacontroller. The scenarios run
// the real Metacontroller (metacontroller_test.go); the stand-in is kept for what
// the real one cannot do or be made to do:
//   - build the hook request the real Metacontroller would send now, from what the
//     API server holds (observe, related, request), so that waitSettled can compare
//     the hook's answer with what the cluster stores, and compute Metacontroller's
//     three-way merge (applyUpdate) of an answer into a live child;
//   - the self-tests of faults the real Metacontroller never produces
//     (standin_test.go): writes that must be refused (applyChildren, writeStatus,
//     updateParent, all strict), malformed requests. They only compute answers or
//     write objects the real Metacontroller does not manage (children owned by a
//     ConfigMap), or dry runs.
// With a customize hook it first asks `sluice serve` which related objects to add,
// lists them, and passes them in the request's related map.

import (
	"github.com/sluice-dev/sluice/test/e2e/harness"

	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
)

const (
	// lastAppliedKey is the annotation where Metacontroller keeps what it applied.
	LastAppliedKey = "metacontroller.k8s.io/last-applied-configuration"
	// controllerUIDLabel is the label generateSelector puts on every child.
	ControllerUIDLabel = "controller-uid"
)

var compositeControllersGVR = schema.GroupVersionResource{
	Group: "metacontroller.k8s.io", Version: "v1alpha1", Resource: "compositecontrollers",
}

// fakeMetacontroller is the stand-in for one CompositeController.
type StandIn struct {
	c          *Cluster
	Controller *unstructured.Unstructured
	Kinds      []schema.GroupVersionKind // spec.childResources, resolved
	strategy   map[string]string         // childKey -> updateStrategy.method
	// hooks maps each hook of spec.hooks (sync, finalize, customize) to the path
	// of its webhook URL: the stand-in POSTs there on `sluice serve`, not to the
	// in-cluster host.
	Hooks map[string]string
	// dryRun makes the writes of the parent (finalizers, status) dry runs: the
	// self-tests write through the stand-in only what the API server refuses or
	// stores nothing of, never on a parent the real Metacontroller manages.
	DryRun bool
}

// implementedHooks are the hooks the stand-in calls; a CompositeController with
// another hook (preUpdateChild, postUpdateChild) is refused rather than half-run.
var implementedHooks = []string{"sync", "finalize", "customize"}

// syncRequest is Metacontroller's hook request (version v2).
type SyncRequest struct {
	Controller map[string]any                       `json:"controller"`
	Parent     map[string]any                       `json:"parent"`
	Children   map[string]map[string]map[string]any `json:"children"`
	Related    map[string]map[string]map[string]any `json:"related"`
	Finalizing bool                                 `json:"finalizing"`
}

// customizeRequest is Metacontroller's customize hook request.
type customizeRequest struct {
	Controller map[string]any `json:"controller"`
	Parent     map[string]any `json:"parent"`
}

// customizeAnswer is the customize hook's answer; decoded strictly.
type customizeAnswer struct {
	RelatedResources []relatedRule `json:"relatedResources"`
}

// relatedRule selects related objects of one resource: by labelSelector or by
// names, in namespace (the parent's when empty).
type relatedRule struct {
	APIVersion    string                `json:"apiVersion"`
	Resource      string                `json:"resource"`
	Namespace     string                `json:"namespace"`
	Names         []string              `json:"names"`
	LabelSelector *metav1.LabelSelector `json:"labelSelector"`
}

// syncAnswer is the hook's answer; decoded strictly.
type SyncAnswer struct {
	Status             json.RawMessage   `json:"status"`
	Children           []json.RawMessage `json:"children"`
	ResyncAfterSeconds *float64          `json:"resyncAfterSeconds"`
	Finalized          *bool             `json:"finalized"`
}

// syncResult says what the stand-in's writes changed in the cluster.
type SyncResult struct {
	Created, Updated, Deleted []string // objKey of children written
	StatusWritten             bool
}

// changed reports whether anything was written.
func (r SyncResult) Changed() bool {
	return len(r.Created)+len(r.Updated)+len(r.Deleted) > 0 || r.StatusWritten
}

func (r SyncResult) String() string {
	return fmt.Sprintf("created %v, updated %v, deleted %v, status written %t", r.Created, r.Updated, r.Deleted, r.StatusWritten)
}

// metacontroller returns the stand-in for the CompositeController that the cluster
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
		t.Fatalf("want exactly one CompositeController for %s, found %d", harness.SappGVR, len(found))
	}
	f, err := NewStandIn(c, found[0])
	if err != nil {
		t.Fatal(err)
	}
	return f
}

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
		f.strategy[harness.ChildKey(kinds[i])] = method
	}
	hooks, _, _ := unstructured.NestedMap(controller.Object, "spec", "hooks")
	for _, name := range harness.SortedKeys(hooks) {
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

func (f *StandIn) HasCustomizeHook() bool { return f.Hooks["customize"] != "" }

// customize calls the customize hook for parent. A non-200 answer is an error: the
// parent is not synced.
func (f *StandIn) customize(parent *unstructured.Unstructured) (*customizeAnswer, error) {
	var ans customizeAnswer
	if err := f.Post(f.Hooks["customize"], customizeRequest{Controller: f.Controller.Object, Parent: parent.Object}, &ans); err != nil {
		return nil, err
	}
	return &ans, nil
}

// related asks the customize hook (when the CompositeController has one) which
// objects to relate to parent and lists them, keyed like children: Kind.apiVersion,
// then namespace/name. Without a customize hook it is empty.
func (f *StandIn) related(t *testing.T, parent *unstructured.Unstructured) (map[string]map[string]*unstructured.Unstructured, error) {
	t.Helper()
	out := map[string]map[string]*unstructured.Unstructured{}
	if !f.HasCustomizeHook() {
		return out, nil
	}
	ans, err := f.customize(parent)
	if err != nil {
		return nil, err
	}
	for i, rule := range ans.RelatedResources {
		gv, err := schema.ParseGroupVersion(rule.APIVersion)
		if err != nil {
			return nil, fmt.Errorf("relatedResources[%d]: %w", i, err)
		}
		gvk, err := f.c.API.Mapper.KindFor(gv.WithResource(rule.Resource))
		if err != nil {
			f.c.API.Mapper.Reset()
			if gvk, err = f.c.API.Mapper.KindFor(gv.WithResource(rule.Resource)); err != nil {
				return nil, fmt.Errorf("relatedResources[%d] %s %s: %w", i, rule.APIVersion, rule.Resource, err)
			}
		}
		ns := rule.Namespace
		if parent.GetNamespace() != "" {
			if ns != "" && ns != parent.GetNamespace() {
				return nil, fmt.Errorf("relatedResources[%d]: namespace %q differs from the parent's %q", i, ns, parent.GetNamespace())
			}
			ns = parent.GetNamespace()
		}
		if rule.LabelSelector != nil && len(rule.Names) > 0 {
			return nil, fmt.Errorf("relatedResources[%d]: labelSelector and names are mutually exclusive", i)
		}
		r, err := f.c.API.ResourceFor(gvk, ns)
		if err != nil {
			return nil, err
		}
		var items []*unstructured.Unstructured
		if len(rule.Names) > 0 {
			for _, name := range rule.Names {
				obj, err := r.Get(harness.Ctx(t), name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) {
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("get related %s %s: %w", gvk, name, err)
				}
				items = append(items, obj)
			}
		} else if rule.LabelSelector != nil { // no selector and no names: nothing
			selector, err := metav1.LabelSelectorAsSelector(rule.LabelSelector)
			if err != nil {
				return nil, fmt.Errorf("relatedResources[%d]: %w", i, err)
			}
			list, err := r.List(harness.Ctx(t), metav1.ListOptions{LabelSelector: selector.String()})
			if err != nil {
				return nil, fmt.Errorf("list related %s: %w", gvk, err)
			}
			for j := range list.Items {
				items = append(items, &list.Items[j])
			}
		}
		key := harness.ChildKey(gvk)
		if out[key] == nil {
			out[key] = map[string]*unstructured.Unstructured{}
		}
		for _, obj := range items {
			obj.SetAPIVersion(gvk.GroupVersion().String())
			obj.SetKind(gvk.Kind)
			out[key][obj.GetNamespace()+"/"+obj.GetName()] = obj
		}
	}
	return out, nil
}

// observe lists the children of parent, keyed like a hook request: every declared
// kind, then namespace/name. A child is the parent's when it carries the
// controller-uid label and a controller ownerReference to the parent.
func (f *StandIn) Observe(t *testing.T, parent *unstructured.Unstructured) map[string]map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]map[string]*unstructured.Unstructured{}
	for _, gvk := range f.Kinds {
		r, err := f.c.API.ResourceFor(gvk, parent.GetNamespace())
		if err != nil {
			t.Fatal(err)
		}
		list, err := r.List(harness.Ctx(t), metav1.ListOptions{LabelSelector: ControllerUIDLabel + "=" + string(parent.GetUID())})
		if err != nil {
			t.Fatalf("list %s: %v", gvk, err)
		}
		m := map[string]*unstructured.Unstructured{}
		for i := range list.Items {
			child := &list.Items[i]
			if ref := metav1.GetControllerOf(child); ref == nil || ref.UID != parent.GetUID() {
				continue
			}
			child.SetAPIVersion(gvk.GroupVersion().String())
			child.SetKind(gvk.Kind)
			m[child.GetNamespace()+"/"+child.GetName()] = child
		}
		out[harness.ChildKey(gvk)] = m
	}
	return out
}

// request builds the hook request for parent, its observed children and the related
// objects.
func (f *StandIn) Request(parent *unstructured.Unstructured, observed, related map[string]map[string]*unstructured.Unstructured) SyncRequest {
	req := SyncRequest{
		Controller: f.Controller.Object,
		Parent:     parent.Object,
		Children:   map[string]map[string]map[string]any{},
		Related:    map[string]map[string]map[string]any{},
		Finalizing: parent.GetDeletionTimestamp() != nil,
	}
	for key, m := range observed {
		req.Children[key] = map[string]map[string]any{}
		for name, obj := range m {
			req.Children[key][name] = obj.Object
		}
	}
	for key, m := range related {
		req.Related[key] = map[string]map[string]any{}
		for name, obj := range m {
			req.Related[key][name] = obj.Object
		}
	}
	return req
}

// call POSTs req to the hook and decodes the answer strictly. A non-200 answer is an
// error, and changes nothing.
func (f *StandIn) Call(req SyncRequest) (*SyncAnswer, error) {
	path := f.Hooks["sync"]
	if req.Finalizing {
		path = f.Hooks["finalize"]
	}
	var ans SyncAnswer
	if err := f.Post(path, req, &ans); err != nil {
		return nil, err
	}
	return &ans, nil
}

// post POSTs req as JSON to path of `sluice serve` and decodes the answer into ans
// strictly, as Metacontroller does; a non-200 answer is an error.
func (f *StandIn) Post(path string, req, ans any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	code, b, err := f.PostRaw(path, body)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("POST %s: %d %s: %s", path, code, http.StatusText(code), b)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(ans); err != nil {
		return fmt.Errorf("POST %s: decode answer: %w\n%s", path, err, b)
	}
	return nil
}

// postRaw POSTs body to path of `sluice serve` and returns the HTTP status and the
// answer's body.
func (f *StandIn) PostRaw(path string, body []byte) (int, []byte, error) {
	client := &http.Client{Timeout: 10 * time.Second} // Metacontroller's default hook timeout
	resp, err := client.Post(f.c.sluiceURL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: read answer: %w", path, err)
	}
	return resp.StatusCode, b, nil
}

// decodeChildren turns the answered children into objects, checking each names a
// declared kind; any problem rejects the whole answer, as Metacontroller does.
func (f *StandIn) DecodeChildren(ans *SyncAnswer, parent *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if !f.hasChildList(ans) {
		return nil, nil
	}
	declared := map[string]bool{}
	for _, gvk := range f.Kinds {
		declared[harness.ChildKey(gvk)] = true
	}
	var out []*unstructured.Unstructured
	for i, raw := range ans.Children {
		var m map[string]any
		if err := k8sjson.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("children[%d]: %w", i, err)
		}
		child := &unstructured.Unstructured{Object: m}
		if child.GetAPIVersion() == "" || child.GetKind() == "" {
			return nil, fmt.Errorf("children[%d] (%s): apiVersion and kind are required", i, child.GetName())
		}
		if key := harness.ChildKey(child.GroupVersionKind()); !declared[key] {
			return nil, fmt.Errorf("children[%d] %s: kind %s is not in the CompositeController's childResources", i, child.GetName(), key)
		}
		if child.GetNamespace() == "" {
			child.SetNamespace(parent.GetNamespace())
		}
		labels := child.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[ControllerUIDLabel] = string(parent.GetUID())
		child.SetLabels(labels)
		out = append(out, child)
	}
	return out, nil
}

func (f *StandIn) hasChildList(ans *SyncAnswer) bool { return ans.Children != nil }

// parentUpdate are the options of the stand-in's writes of the parent: strict, and
// dry runs when f.dryRun is set.
func (f *StandIn) parentUpdate() metav1.UpdateOptions {
	opts := harness.StrictUpdate
	if f.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return opts
}

// updateParent writes the parent (its finalizers) strictly; a warning fails it.
func (f *StandIn) UpdateParent(t *testing.T, parent *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	t.Helper()
	return harness.WithoutWarnings(harness.Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
		return f.c.API.Dyn.Resource(harness.SappGVR).Namespace(parent.GetNamespace()).Update(ctx, parent, f.parentUpdate())
	})
}

// applyChildren creates or updates every answered child and deletes every observed
// child left out of the answer.
func (f *StandIn) ApplyChildren(t *testing.T, parent *unstructured.Unstructured, observed map[string]map[string]*unstructured.Unstructured, desired []*unstructured.Unstructured, res *SyncResult) error {
	t.Helper()
	var errs []string
	answered := map[string]bool{}
	for _, child := range desired {
		key := harness.ChildKey(child.GroupVersionKind())
		answered[key+" "+child.GetNamespace()+"/"+child.GetName()] = true
		lastApplied, err := json.Marshal(child.Object)
		if err != nil {
			return err
		}
		r, err := f.c.API.Resource(child)
		if err != nil {
			return err
		}
		live := observed[key][child.GetNamespace()+"/"+child.GetName()]
		if live == nil {
			obj := child.DeepCopy()
			setAnnotation(obj, LastAppliedKey, string(lastApplied))
			obj.SetOwnerReferences([]metav1.OwnerReference{*metav1.NewControllerRef(parent, parent.GroupVersionKind())})
			_, err := harness.WithoutWarnings(harness.Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
				return r.Create(ctx, obj, harness.StrictCreate)
			})
			if err != nil {
				errs = append(errs, fmt.Sprintf("create %s: %v", harness.ObjKey(obj), err))
				continue
			}
			res.Created = append(res.Created, harness.ObjKey(obj))
			continue
		}
		method := f.strategy[key]
		if method == "" || method == "OnDelete" {
			continue // Metacontroller never updates such a child in place
		}
		merged, err := applyUpdate(live, child)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", harness.ObjKey(live), err))
			continue
		}
		if harness.EqualJSON(merged.Object, live.Object) {
			continue
		}
		if live.GetDeletionTimestamp() != nil {
			continue // Metacontroller leaves a child pending deletion alone
		}
		updated, err := harness.WithoutWarnings(harness.Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
			return r.Update(ctx, merged, harness.StrictUpdate)
		})
		if err != nil {
			errs = append(errs, fmt.Sprintf("update %s: %v", harness.ObjKey(live), err))
			continue
		}
		// Metacontroller writes whenever its merge differs from the live object. A
		// write that leaves the resourceVersion as it was means the API server
		// dropped or normalized what differs: Metacontroller would send the same
		// write on every sync, forever.
		if updated.GetResourceVersion() == live.GetResourceVersion() {
			errs = append(errs, fmt.Sprintf("update %s: the merged answer differs from the live object, but the API server stored nothing new "+
				"(resourceVersion %s kept): Metacontroller would rewrite it on every sync; what the server drops or normalizes (-live +merged):\n%s",
				harness.ObjKey(live), live.GetResourceVersion(), cmp.Diff(live.Object, merged.Object)))
			continue
		}
		res.Updated = append(res.Updated, harness.ObjKey(live))
	}
	for _, key := range harness.SortedKeys(observed) {
		for _, name := range harness.SortedKeys(observed[key]) {
			live := observed[key][name]
			if answered[key+" "+name] || live.GetDeletionTimestamp() != nil {
				continue
			}
			r, err := f.c.API.Resource(live)
			if err != nil {
				return err
			}
			uid := live.GetUID()
			err = r.Delete(harness.Ctx(t), live.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Sprintf("delete %s: %v", harness.ObjKey(live), err))
				continue
			}
			res.Deleted = append(res.Deleted, harness.ObjKey(live))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("applying the answer:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// writeStatus replaces the parent's status with the answered one plus
// observedGeneration. The API server must store it exactly as written: a field the
// CRD's status schema lacks is refused (fieldValidation=Strict), and one it prunes or
// normalizes anyway would make Metacontroller rewrite the status on every sync.
func (f *StandIn) WriteStatus(t *testing.T, parent *unstructured.Unstructured, status map[string]any, res *SyncResult) error {
	t.Helper()
	status = runtime.DeepCopyJSON(status)
	status["observedGeneration"] = parent.GetGeneration()
	if old, _, _ := unstructured.NestedMap(parent.Object, "status"); harness.EqualJSON(old, status) {
		return nil
	}
	obj := parent.DeepCopy()
	obj.Object["status"] = status
	updated, err := harness.WithoutWarnings(harness.Ctx(t), func(ctx context.Context) (*unstructured.Unstructured, error) {
		return f.c.API.Dyn.Resource(harness.SappGVR).Namespace(parent.GetNamespace()).UpdateStatus(ctx, obj, f.parentUpdate())
	})
	if err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	stored, _, _ := unstructured.NestedMap(updated.Object, "status")
	if !harness.EqualJSON(stored, status) {
		return fmt.Errorf("update status: the API server did not store the status as answered (pruned or normalized): "+
			"Metacontroller would rewrite it on every sync (-answered +stored):\n%s", cmp.Diff(status, stored))
	}
	if !f.DryRun && updated.GetResourceVersion() == parent.GetResourceVersion() {
		return fmt.Errorf("update status: a new status was stored without a new resourceVersion (%s)", parent.GetResourceVersion())
	}
	res.StatusWritten = true
	return nil
}

// applyUpdate is what Metacontroller v4.17.2 writes for a live child and the hook's
// answer for it (its apply.Merge and ApplyUpdate): a three-way merge from the live
// object that sets every field of the answer, removes fields last applied but no
// longer answered, merges objects key by key and lists of objects item by item when
// all items share a conventional key (listMapKeys), and replaces any other list
// whole. Read-only metadata and the status stay as they are live; the answer becomes
// the new last-applied configuration.
func applyUpdate(live, desired *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	var last map[string]any
	if s := live.GetAnnotations()[LastAppliedKey]; s != "" {
		if err := k8sjson.Unmarshal([]byte(s), &last); err != nil {
			return nil, fmt.Errorf("last-applied: %w", err)
		}
	}
	merged, err := mergeValue("", runtime.DeepCopyJSON(live.Object), last, desired.Object)
	if err != nil {
		return nil, err
	}
	out := &unstructured.Unstructured{Object: merged.(map[string]any)}
	for _, field := range [][]string{
		{"metadata", "selfLink"}, {"metadata", "uid"}, {"metadata", "resourceVersion"}, {"metadata", "generation"},
		{"metadata", "creationTimestamp"}, {"metadata", "deletionTimestamp"}, {"metadata", "deletionGracePeriodSeconds"},
		{"status"},
	} {
		if v, ok, _ := unstructured.NestedFieldCopy(live.Object, field...); ok {
			if err := unstructured.SetNestedField(out.Object, v, field...); err != nil {
				return nil, err
			}
		} else {
			unstructured.RemoveNestedField(out.Object, field...)
		}
	}
	lastApplied, err := json.Marshal(desired.Object)
	if err != nil {
		return nil, err
	}
	setAnnotation(out, LastAppliedKey, string(lastApplied))
	return out, nil
}

// listMapKeys are the keys by which Metacontroller recognizes a list of objects as a
// map, in order of precedence.
var listMapKeys = []string{"containerPort", "port", "mountPath", "name", "uid", "ip", "path"}

// mergeValue merges the change from last to desired into dst and returns the result;
// dst may be modified.
func mergeValue(path string, dst, last, desired any) (any, error) {
	switch d := dst.(type) {
	case map[string]any:
		lm, ok := last.(map[string]any)
		if !ok && last != nil {
			return nil, fmt.Errorf("last-applied%s: want an object, got %T", path, last)
		}
		dm, ok := desired.(map[string]any)
		if !ok && desired != nil {
			return nil, fmt.Errorf("answer%s: want an object, got %T", path, desired)
		}
		return mergeMap(path, d, lm, dm)
	case []any:
		ll, ok := last.([]any)
		if !ok && last != nil {
			return nil, fmt.Errorf("last-applied%s: want a list, got %T", path, last)
		}
		dl, ok := desired.([]any)
		if !ok && desired != nil {
			return nil, fmt.Errorf("answer%s: want a list, got %T", path, desired)
		}
		if key := listMapKey(d, ll, dl); key != "" {
			return mergeListMap(path, key, d, ll, dl)
		}
		return runtime.DeepCopyJSONValue(desired), nil
	default:
		return runtime.DeepCopyJSONValue(desired), nil
	}
}

func mergeMap(path string, dst, last, desired map[string]any) (map[string]any, error) {
	for k := range last {
		if _, ok := desired[k]; !ok {
			delete(dst, k)
		}
	}
	for k, dv := range desired {
		v, err := mergeValue(path+"["+k+"]", dst[k], last[k], dv)
		if err != nil {
			return nil, err
		}
		dst[k] = v
	}
	return dst, nil
}

// mergeListMap merges lists of objects as maps keyed by key, keeping the live order
// and appending new items in the answer's order.
func mergeListMap(path, key string, dst, last, desired []any) (any, error) {
	index := func(list []any) map[string]any {
		m := make(map[string]any, len(list))
		for _, item := range list {
			m[fmt.Sprint(item.(map[string]any)[key])] = item
		}
		return m
	}
	merged, err := mergeMap(path, index(dst), index(last), index(desired))
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(merged))
	added := map[string]bool{}
	for _, list := range [][]any{dst, desired} {
		for _, item := range list {
			k := fmt.Sprint(item.(map[string]any)[key])
			if v, ok := merged[k]; ok && !added[k] {
				out = append(out, v)
				added[k] = true
			}
		}
	}
	return out, nil
}

// listMapKey returns the first of listMapKeys that every item of every list has, ""
// when some item is not an object or none is shared.
func listMapKey(lists ...[]any) string {
	var common map[string]bool
	for _, list := range lists {
		for _, item := range list {
			obj, ok := item.(map[string]any)
			if !ok {
				return ""
			}
			if common == nil {
				common = map[string]bool{}
				for k := range obj {
					common[k] = true
				}
				continue
			}
			for k := range common {
				if _, ok := obj[k]; !ok {
					delete(common, k)
				}
			}
		}
	}
	for _, k := range listMapKeys {
		if common[k] {
			return k
		}
	}
	return ""
}

func setAnnotation(obj *unstructured.Unstructured, key, value string) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	obj.SetAnnotations(a)
}
