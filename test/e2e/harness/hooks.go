package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/dynamic"
)

// SyncRequest is Metacontroller's hook request (version v2), for the sync and the
// finalize hook.
type SyncRequest struct {
	// Controller is the CompositeController.
	Controller map[string]any `json:"controller"`
	// Parent is the StreamingApplication, with its status.
	Parent map[string]any `json:"parent"`
	// Children are the observed children: Kind.apiVersion, then namespace/name.
	Children map[string]map[string]map[string]any `json:"children"`
	// Related are the related objects the customize hook asked for, keyed like
	// Children.
	Related map[string]map[string]map[string]any `json:"related"`
	// Finalizing is true when the parent is being deleted (the finalize hook).
	Finalizing bool `json:"finalizing"`
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

// SyncAnswer is the hook's answer; decoded strictly.
type SyncAnswer struct {
	// Status is the parent's status as answered (without observedGeneration).
	Status json.RawMessage `json:"status"`
	// Children are the desired children; nil when the answer has no child list.
	Children []json.RawMessage `json:"children"`
	// ResyncAfterSeconds asks Metacontroller to sync the parent again after that long.
	ResyncAfterSeconds *float64 `json:"resyncAfterSeconds"`
	// Finalized says, from the finalize hook, whether the finalizer may go.
	Finalized *bool `json:"finalized"`
}

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
		gvk, items, err := f.relatedObjects(t, parent, i, rule)
		if err != nil {
			return nil, err
		}
		key := ChildKey(gvk)
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

// relatedObjects resolves rule, the i-th of the customize hook's relatedResources,
// and returns its kind and the objects it selects in the parent's namespace.
func (f *StandIn) relatedObjects(t *testing.T, parent *unstructured.Unstructured, i int, rule relatedRule) (schema.GroupVersionKind, []*unstructured.Unstructured, error) {
	t.Helper()
	gv, err := schema.ParseGroupVersion(rule.APIVersion)
	if err != nil {
		return schema.GroupVersionKind{}, nil, fmt.Errorf("relatedResources[%d]: %w", i, err)
	}
	gvk, err := f.c.API.kindFor(gv.WithResource(rule.Resource))
	if err != nil {
		return gvk, nil, fmt.Errorf("relatedResources[%d] %s %s: %w", i, rule.APIVersion, rule.Resource, err)
	}
	ns := rule.Namespace
	if parent.GetNamespace() != "" {
		if ns != "" && ns != parent.GetNamespace() {
			return gvk, nil, fmt.Errorf("relatedResources[%d]: namespace %q differs from the parent's %q", i, ns, parent.GetNamespace())
		}
		ns = parent.GetNamespace()
	}
	if rule.LabelSelector != nil && len(rule.Names) > 0 {
		return gvk, nil, fmt.Errorf("relatedResources[%d]: labelSelector and names are mutually exclusive", i)
	}
	r, err := f.c.API.resourceFor(gvk, ns)
	if err != nil {
		return gvk, nil, err
	}
	items, err := fetchRelated(t, r, i, rule, gvk)
	return gvk, items, err
}

// fetchRelated reads the objects rule names, those that exist, or lists those its
// label selector selects; a rule with neither selects nothing.
func fetchRelated(t *testing.T, r dynamic.ResourceInterface, i int, rule relatedRule, gvk schema.GroupVersionKind) ([]*unstructured.Unstructured, error) {
	t.Helper()
	var items []*unstructured.Unstructured
	if len(rule.Names) > 0 {
		for _, name := range rule.Names {
			obj, err := r.Get(Ctx(t), name, metav1.GetOptions{})
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
		list, err := r.List(Ctx(t), metav1.ListOptions{LabelSelector: selector.String()})
		if err != nil {
			return nil, fmt.Errorf("list related %s: %w", gvk, err)
		}
		for j := range list.Items {
			items = append(items, &list.Items[j])
		}
	}
	return items, nil
}

// Observe lists the children of parent, keyed like a hook request: every declared
// kind, then namespace/name. A child is the parent's when it carries the
// controller-uid label and a controller ownerReference to the parent.
func (f *StandIn) Observe(t *testing.T, parent *unstructured.Unstructured) map[string]map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]map[string]*unstructured.Unstructured{}
	for _, gvk := range f.Kinds {
		r, err := f.c.API.resourceFor(gvk, parent.GetNamespace())
		if err != nil {
			t.Fatal(err)
		}
		list, err := r.List(Ctx(t), metav1.ListOptions{LabelSelector: ControllerUIDLabel + "=" + string(parent.GetUID())})
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
		out[ChildKey(gvk)] = m
	}
	return out
}

// Request builds the hook request for parent, its observed children and the related
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

// Call POSTs req to the hook and decodes the answer strictly. A non-200 answer is an
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

// Post POSTs req as JSON to path of `sluice serve` and decodes the answer into ans
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

// PostRaw POSTs body to path of `sluice serve` and returns the HTTP status and the
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

// DecodeChildren turns the answered children into objects, checking each names a
// declared kind; any problem rejects the whole answer, as Metacontroller does.
func (f *StandIn) DecodeChildren(ans *SyncAnswer, parent *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if !f.hasChildList(ans) {
		return nil, nil
	}
	declared := map[string]bool{}
	for _, gvk := range f.Kinds {
		declared[ChildKey(gvk)] = true
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
		if key := ChildKey(child.GroupVersionKind()); !declared[key] {
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
