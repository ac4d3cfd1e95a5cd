package hooks

import (
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
)

// Sync answers a sync request; now is the time of the call. The answer is
// children.Answer's: this only reads the request and writes the response. A
// request it cannot read is an error wrapping ErrMalformed.
func Sync(req *Request, now time.Time) (*Response, error) {
	in, err := input(req, now)
	if err != nil {
		return nil, err
	}
	in.Blueprint, in.Invalid = resolveParent(req.Parent)
	res, err := children.Answer(in)
	if err != nil {
		return nil, fmt.Errorf("answer %s/%s: %w", req.Parent.GetNamespace(), req.Parent.GetName(), err)
	}
	return response(res), nil
}

// Finalize answers a finalize request: children.Finalize's answer, from the
// observed children and the parent's topic deletion policy as written.
func Finalize(req *Request, now time.Time) (*Response, error) {
	in, err := input(req, now)
	if err != nil {
		return nil, err
	}
	policy, _, _ := unstructured.NestedString(req.Parent.Object, "spec", "topicDeletionPolicy")
	return response(children.Finalize(in, policy)), nil
}

// input reads what both hooks answer from: the observed children, the
// application's pods, the parent's status and generation.
func input(req *Request, now time.Time) (children.Input, error) {
	obs, err := read(req)
	if err != nil {
		return children.Input{}, err
	}
	return children.Input{
		Kinds: obs.kinds, Observed: obs.observed, Pods: relatedPods(req),
		Previous: previousStatus(req.Parent), Generation: req.Parent.GetGeneration(), Now: now,
	}, nil
}

// response is the wire form of an answer.
func response(res children.Result) *Response {
	return &Response{Status: &res.Status, Children: ChildList(res.Children),
		ResyncAfterSeconds: res.ResyncAfterSeconds, Finalized: res.Finalized}
}

// resolveParent decodes and resolves the parent; a nil blueprint comes with
// the problems that say why it cannot be used.
func resolveParent(parent *unstructured.Unstructured) (*graph.Blueprint, []string) {
	// Everything but the status, which is read separately: a bad status must
	// not block a good spec. A shallow copy: nothing here is written.
	obj := make(map[string]any, len(parent.Object))
	for k, v := range parent.Object {
		if k != "status" {
			obj[k] = v
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, []string{fmt.Sprintf("spec: %v", err)}
	}
	bp, problems := graph.ResolveJSON(b)
	if len(problems) > 0 {
		return nil, problems.Strings()
	}
	return bp, nil
}

// previousStatus is the parent's current status; unreadable counts as none.
func previousStatus(parent *unstructured.Unstructured) *graph.Status {
	raw, ok := parent.Object["status"]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var st graph.Status
	if json.Unmarshal(b, &st) != nil {
		return nil
	}
	return &st
}
