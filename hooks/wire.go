package hooks

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
)

// Request is Metacontroller's v2 sync and finalize request.
type Request struct {
	// Controller is the CompositeController that called.
	Controller *unstructured.Unstructured `json:"controller"`
	// Parent is the StreamingApplication with its current status.
	Parent *unstructured.Unstructured `json:"parent"`
	// Children are the observed children keyed "Kind.apiVersion" (one key
	// for every kind the controller lists, possibly empty), then
	// "namespace/name".
	Children map[string]map[string]*unstructured.Unstructured `json:"children"`
	// Related are related objects (none are asked for).
	Related map[string]map[string]*unstructured.Unstructured `json:"related,omitempty"`
	// Finalizing is true when the parent is being deleted.
	Finalizing bool `json:"finalizing"`
}

// Response is the answer. Metacontroller decodes it strictly: only these
// fields may appear.
type Response struct {
	Status             *graph.Status `json:"status"`
	Children           ChildList     `json:"children"`
	ResyncAfterSeconds float64       `json:"resyncAfterSeconds,omitempty"`
	Finalized          bool          `json:"finalized,omitempty"`
}

// ChildList is the answered child set. To Metacontroller a missing, null or
// empty list means "delete every child", topics and their data included; a
// ChildList always marshals as an array, never as null.
type ChildList []*unstructured.Unstructured

// MarshalJSON writes the list, [] when empty.
func (l ChildList) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]*unstructured.Unstructured(l))
}

// kindKey is one key of the request's children map, "Kind.apiVersion".
type kindKey struct{ kind, apiVersion string }

// parseKindKey splits "KafkaTopic.kafka.strimzi.io/v1" at the first dot.
func parseKindKey(key string) (kindKey, error) {
	kind, apiVersion, ok := strings.Cut(key, ".")
	if !ok || kind == "" || apiVersion == "" {
		return kindKey{}, fmt.Errorf("children key %q is not Kind.apiVersion", key)
	}
	return kindKey{kind, apiVersion}, nil
}

// observation is a request's children map, checked and indexed.
type observation struct {
	kinds    children.Kinds
	observed children.Observed
	unread   children.Unread
}

// observe checks the children map's shape and indexes it by kind and name.
// A malformed map is an error: answering without knowing the observed
// children could delete them.
func observe(req *Request) (observation, error) {
	return observeChildren(req.Parent.GetNamespace(), req.Children, nil)
}

// observeChildren is observe of a children map in the parent's namespace;
// unread holds what the fast reader kept raw of the children it read
// (readchildren.go), or is nil.
func observeChildren(ns string, kids map[string]map[string]*unstructured.Unstructured, unread map[*unstructured.Unstructured]children.UnreadChild) (observation, error) {
	if kids == nil {
		return observation{}, fmt.Errorf("request has no children map (Metacontroller always sends one, with a key per child kind)")
	}
	obs := observation{kinds: children.Kinds{}, observed: children.Observed{}}
	if len(unread) > 0 {
		obs.unread = children.Unread{}
	}
	for key, byName := range kids {
		k, err := parseKindKey(key)
		if err != nil {
			return observation{}, err
		}
		if prev, dup := obs.kinds[k.kind]; dup {
			return observation{}, fmt.Errorf("children keys list kind %s under both %s and %s", k.kind, prev, k.apiVersion)
		}
		obs.kinds[k.kind] = k.apiVersion
		obs.observed[k.kind] = make(map[string]*unstructured.Unstructured, len(byName))
		for nsName, u := range byName {
			if u == nil {
				return observation{}, fmt.Errorf("children[%s][%s] is null", key, nsName)
			}
			if u.GetKind() != k.kind || u.GetAPIVersion() != k.apiVersion {
				return observation{}, fmt.Errorf("children[%s][%s] is a %s %s", key, nsName, u.GetAPIVersion(), u.GetKind())
			}
			if u.GetName() == "" {
				return observation{}, fmt.Errorf("children[%s][%s] has no name", key, nsName)
			}
			// Children live in the parent's namespace, keyed namespace/name: a
			// child indexed by name alone must not hide another.
			if want := ns + "/" + u.GetName(); u.GetNamespace() != ns || nsName != want {
				return observation{}, fmt.Errorf("children[%s][%s] is %s/%s, not a child keyed %s in the parent's namespace", key, nsName, u.GetNamespace(), u.GetName(), want)
			}
			obs.observed[k.kind][u.GetName()] = u
			if raw, ok := unread[u]; ok {
				if obs.unread[k.kind] == nil {
					obs.unread[k.kind] = map[string]children.UnreadChild{}
				}
				obs.unread[k.kind][u.GetName()] = raw
			}
		}
	}
	return obs, nil
}

// checkParent refuses a request whose parent is not a StreamingApplication.
func checkParent(req *Request) error {
	if req.Parent == nil {
		return fmt.Errorf("%w: request has no parent", ErrMalformed)
	}
	return checkHead(headOf(req.Parent))
}

// headOf is a parent's identity.
func headOf(p *unstructured.Unstructured) parentHead {
	return parentHead{apiVersion: p.GetAPIVersion(), kind: p.GetKind(), name: p.GetName(), namespace: p.GetNamespace(),
		uid: string(p.GetUID()), generation: p.GetGeneration()}
}

// checkHead refuses a parent that is not a StreamingApplication.
func checkHead(p parentHead) error {
	switch {
	case p.apiVersion != graph.APIVersion || p.kind != graph.Kind:
		return fmt.Errorf("%w: parent is a %s %s, not a %s %s", errForeign, p.apiVersion, p.kind, graph.APIVersion, graph.Kind)
	case p.name == "" || p.uid == "":
		return fmt.Errorf("%w: parent has no name or uid", ErrMalformed)
	}
	return nil
}

// read checks a request's parent and children; both hooks start here.
func read(req *Request) (observation, error) {
	if err := checkParent(req); err != nil {
		return observation{}, err
	}
	obs, err := observe(req)
	if err != nil {
		return observation{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return obs, nil
}
