package hooks

import (
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/children/tree"
	"github.com/sluice-dev/sluice/graph"
)

// Sync answers a sync request; now is the time of the call. The answer is
// children.Answer's: this only reads the request and writes the response. A
// request it cannot read is an error wrapping ErrMalformed.
func Sync(req *Request, now time.Time) (*Response, error) {
	r, err := readRequest(req)
	if err != nil {
		return nil, err
	}
	return response(syncReading(r, now))
}

// Finalize answers a finalize request: children.Finalize's answer, from the
// observed children and the parent's topic deletion policy as written.
func Finalize(req *Request, now time.Time) (*Response, error) {
	r, err := readRequest(req)
	if err != nil {
		return nil, err
	}
	return response(finalizeReading(r, now))
}

// reading is a sync or finalize request, read and checked: from a Request
// (readRequest), or straight from the body by the server (readBody).
type reading struct {
	head     parentHead
	obs      observation
	pods     []*unstructured.Unstructured
	previous *graph.Status
	// parentJSON is the parent without its status, as graph resolves it.
	parentJSON func() ([]byte, error)
	// policy is the parent's spec.topicDeletionPolicy as written.
	policy func() string
	// attrs is what the request adds to the hook's log line.
	attrs []any
}

func (r *reading) logAttrs() []any {
	if r == nil {
		return nil
	}
	return r.attrs
}

// readRequest reads a decoded request.
func readRequest(req *Request) (*reading, error) {
	obs, err := read(req)
	if err != nil {
		return nil, err
	}
	parent := req.Parent
	return &reading{
		head: headOf(parent), obs: obs, pods: relatedPods(req), previous: previousStatus(parent),
		parentJSON: func() ([]byte, error) {
			// Everything but the status, which is read separately (a bad
			// status must not block a good spec), and the metadata graph
			// does not read (unresolvedMetadata). Shallow copies: nothing here
			// is written.
			obj := make(map[string]any, len(parent.Object))
			for k, v := range parent.Object {
				if k != "status" {
					obj[k] = v
				}
			}
			if meta, ok := obj["metadata"].(map[string]any); ok {
				kept := make(map[string]any, len(meta))
				for k, v := range meta {
					if !unresolvedMetadata[k] {
						kept[k] = v
					}
				}
				obj["metadata"] = kept
			}
			return json.Marshal(obj)
		},
		policy: func() string {
			policy, _, _ := unstructured.NestedString(parent.Object, "spec", "topicDeletionPolicy")
			return policy
		},
		attrs: req.logAttrs(),
	}, nil
}

// readBody reads a sync or finalize request body: the fast reader's way
// where it can (read.go), else decoded into a Request as ever. The reading
// is never nil: on an error it still carries the log attributes.
func readBody(body []byte) (*reading, error) {
	w, err := readWire(body)
	if err != nil {
		req := &Request{}
		if err := unmarshalRequest(body, req); err != nil {
			return &reading{attrs: req.logAttrs()}, err
		}
		r, err := readRequest(req)
		if err != nil {
			return &reading{attrs: req.logAttrs()}, err
		}
		return r, nil
	}
	attrs := []any{"parent", w.parent.namespace + "/" + w.parent.name}
	if err := checkHead(w.parent); err != nil {
		return &reading{attrs: attrs}, err
	}
	obs, err := observeChildren(w.parent.namespace, w.children, w.unread)
	if err != nil {
		return &reading{attrs: attrs}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	r := &reading{
		head: w.parent, obs: obs, pods: relatedPods(&Request{Related: w.related}), attrs: attrs,
		parentJSON: func() ([]byte, error) { return w.parentJSON, nil },
		policy: func() string {
			spec, _ := tree.DecodeObject(w.spec)
			policy, _ := spec["topicDeletionPolicy"].(string)
			return policy
		},
	}
	if w.status != nil {
		r.previous = graph.StatusFromJSON(w.status)
	}
	return r, nil
}

// input is what both hooks answer from.
func (r *reading) input(now time.Time) children.Input {
	return children.Input{
		Kinds: r.obs.kinds, Observed: r.obs.observed, Unread: r.obs.unread, Pods: r.pods,
		Previous: r.previous, Generation: r.head.generation, Now: now,
	}
}

// syncReading answers a sync.
func syncReading(r *reading, now time.Time) (children.Result, error) {
	in := r.input(now)
	in.Blueprint, in.Invalid = resolveParent(r.parentJSON)
	res, err := children.Answer(in)
	if err != nil {
		return children.Result{}, fmt.Errorf("answer %s/%s: %w", r.head.namespace, r.head.name, err)
	}
	return res, nil
}

// finalizeReading answers a finalize call.
func finalizeReading(r *reading, now time.Time) (children.Result, error) {
	res, err := children.Finalize(r.input(now), r.policy())
	if err != nil {
		return children.Result{}, fmt.Errorf("finalize %s/%s: %w", r.head.namespace, r.head.name, err)
	}
	return res, nil
}

// response is an answer with its children as maps, or the error.
func response(res children.Result, err error) (*Response, error) {
	if err != nil {
		return nil, err
	}
	return &Response{Status: &res.Status, Children: ChildList(children.Objects(res.Children)),
		ResyncAfterSeconds: res.ResyncAfterSeconds, Finalized: res.Finalized}, nil
}

// resolveParent resolves the parent; a nil blueprint comes with the
// problems that say why it cannot be used.
func resolveParent(parentJSON func() ([]byte, error)) (*graph.Blueprint, []string) {
	b, err := parentJSON()
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
	return graph.StatusOf(parent.Object)
}
