package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/hooks"
)

// ErrInvalid is an application that does not validate: its diff would only
// say that nothing changes.
var ErrInvalid = errors.New("invalid application")

// Offline previews applying NEW over OLD, both one StreamingApplication
// (YAML or JSON), under controller: OLD is rendered as if applied (the
// answer to its empty request, observed as Metacontroller applies it, with
// the status answered), then NEW's sync is compared with it. Both must
// validate and name the same application.
func Offline(oldData, newData []byte, controller *unstructured.Unstructured, now time.Time) (*Result, error) {
	oldParent, err := parent("OLD", oldData)
	if err != nil {
		return nil, err
	}
	newParent, err := parent("NEW", newData)
	if err != nil {
		return nil, err
	}
	if oldParent.GetName() != newParent.GetName() || oldParent.GetNamespace() != newParent.GetNamespace() {
		return nil, fmt.Errorf("OLD is %s/%s and NEW is %s/%s: a diff compares two versions of one application",
			oldParent.GetNamespace(), oldParent.GetName(), newParent.GetNamespace(), newParent.GetName())
	}
	req, err := hooks.EmptyRequest(controller.DeepCopy(), oldParent)
	if err != nil {
		return nil, err
	}
	resp, err := hooks.Sync(req, now)
	if err != nil {
		return nil, err
	}
	observed, err := Observe(req.Children, resp, oldParent)
	if err != nil {
		return nil, err
	}
	newParent.SetGeneration(oldParent.GetGeneration() + 1)
	if err := setStatus(newParent, resp.Status); err != nil {
		return nil, err
	}
	return Compute(&hooks.Request{Controller: controller.DeepCopy(), Parent: newParent, Children: observed}, now)
}

// parent reads one valid StreamingApplication for Offline, with the
// namespace and uid an offline parent gets (as `sluice render` does).
func parent(which string, data []byte) (*unstructured.Unstructured, error) {
	docs, err := graph.ParseAll(data)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", which, err)
	case len(docs) != 1:
		return nil, fmt.Errorf("%s: %d StreamingApplications, want one", which, len(docs))
	}
	d := docs[0]
	var lines []string
	if d.Err != nil {
		lines = strings.Split(d.Err.Error(), "\n")
	}
	if d.App != nil {
		lines = append(lines, graph.Validate(d.App).Strings()...)
	}
	if len(lines) > 0 {
		for i, l := range lines {
			lines[i] = which + ": " + d.Label + ": " + l
		}
		return nil, fmt.Errorf("%w:\n%s", ErrInvalid, strings.Join(lines, "\n"))
	}
	js, err := yaml.YAMLToJSON(d.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", which, err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, fmt.Errorf("%s: %w", which, err)
	}
	if u.GetNamespace() == "" {
		u.SetNamespace("default")
	}
	u.SetUID(hooks.RenderUID)
	u.SetGeneration(1)
	return u, nil
}

// Observe is the children map of the next request once Metacontroller has
// applied resp for parent over the observed children: every answered child
// is created or replaced (in the parent's namespace, with the controller-uid
// label and the last-applied annotation) and every child left out is gone.
// Server-set fields and status are not made up: a child reads back as its
// answer.
func Observe(observed map[string]map[string]*unstructured.Unstructured, resp *hooks.Response, parent *unstructured.Unstructured) (map[string]map[string]*unstructured.Unstructured, error) {
	out := make(map[string]map[string]*unstructured.Unstructured, len(observed))
	for k := range observed {
		out[k] = map[string]*unstructured.Unstructured{}
	}
	for _, want := range resp.Children {
		k := want.GetKind() + "." + want.GetAPIVersion()
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("the answer has %s %s, a kind the controller does not list", k, want.GetName())
		}
		u := applied(want, parent)
		last, err := json.Marshal(u.Object)
		if err != nil {
			return nil, err
		}
		ann := u.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[children.AnnotationLastApplied] = string(last)
		u.SetAnnotations(ann)
		u.SetUID(types.UID("uid-" + strings.ToLower(u.GetKind()) + "-" + u.GetName()))
		out[k][u.GetNamespace()+"/"+u.GetName()] = u
	}
	return out, nil
}

// setStatus sets the parent's status as Metacontroller writes it.
func setStatus(parent *unstructured.Unstructured, st *graph.Status) error {
	if st == nil {
		return nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	m["observedGeneration"] = parent.GetGeneration() - 1
	parent.Object["status"] = m
	return nil
}
