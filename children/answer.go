package children

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// Input is everything one answer is computed from: the resolved
// application (or why it was rejected) and what Metacontroller observed.
type Input struct {
	// Blueprint is the resolved application; nil when the spec was rejected.
	Blueprint *graph.Blueprint
	// Invalid says why the spec was rejected (BlueprintValid=False).
	Invalid []string
	// Kinds are the child kinds the CompositeController lists.
	Kinds Kinds
	// Observed are the children Metacontroller observed.
	Observed Observed
	// Unread is what hooks kept raw of the observed children: last-applied
	// annotations, and whole children read lean.
	Unread Unread
	// Pods are the application's pods, when the customize hook asked for
	// them (the pod-health component).
	Pods []*unstructured.Unstructured
	// Previous is the parent's current status; nil when it has none.
	Previous *graph.Status
	// Generation is the parent's metadata.generation.
	Generation int64
	// Now is the time of the call.
	Now time.Time
}

// Result is Metacontroller's answer: the children to apply (every observed
// child left out is deleted) and the parent's status.
type Result struct {
	Children []*Child
	Status   graph.Status
	// ResyncAfterSeconds asks Metacontroller to call again that soon; 0
	// leaves it to its resync period.
	ResyncAfterSeconds float64
	// Finalized lets Metacontroller remove its finalizer (finalize only).
	Finalized bool
}

// notReadyResync is how soon Metacontroller calls again while the
// application is not Running, so time-based messages (a topic operator that
// never answers) appear without a child event.
const notReadyResync = 60

// Answer computes the answer to a sync. It never answers fewer children
// than it means to: a rejected spec keeps every observed child as last
// applied (frozen.go); otherwise the desired children are answered with the
// topic rules applied (topics.go): partitions never shrink, a topic whose
// outlet left the blueprint is retained or marked for deletion, a released
// topic is marked unmanaged before it is dropped.
func Answer(in Input) (Result, error) {
	st := in.statusInput()
	if in.Blueprint == nil {
		var err error
		if st.answered, err = frozen(in.Observed, in.Unread, in.Kinds); err != nil {
			return Result{}, err
		}
		keepScalerReplicas(nil, st.answered, in.Observed, in.Kinds) // autoscale.go
		return result(st), nil
	}
	desired, problems, err := Desired(in.Blueprint, in.Kinds)
	if err != nil {
		return Result{}, fmt.Errorf("build children of %s/%s: %w", in.Blueprint.Namespace, in.Blueprint.Name, err)
	}
	st.problems = problems
	keepScalerReplicas(in.Blueprint, desired, in.Observed, in.Kinds) // autoscale.go
	st.answered, st.retained, st.topicNotes, err = keepTopics(in.Blueprint, desired, in.Observed, in.Unread, in.Kinds)
	if err != nil {
		return Result{}, err
	}
	return result(st), nil
}

// statusInput is the part of the status input that comes from the request.
func (in Input) statusInput() statusInput {
	st := statusInput{
		blueprint: in.Blueprint, generation: in.Generation, invalid: in.Invalid, kinds: in.Kinds,
		observed: in.Observed, previous: in.Previous, now: in.Now,
	}
	if len(in.Pods) > 0 {
		st.pods = PodsHealth(in.Pods)
	}
	return st
}

// result wraps the status around the answered children.
func result(in statusInput) Result {
	st := status(in)
	return Result{Children: in.answered, Status: st, ResyncAfterSeconds: resyncAfter(st.Phase, len(in.invalid) > 0)}
}

// resyncAfter is how soon to call again: soon while the application heads
// somewhere (time-based messages, such as a topic operator that never
// answers, appear without a child event) or its spec is rejected; at
// Metacontroller's own pace once it runs or is suspended.
func resyncAfter(phase graph.Phase, invalid bool) float64 {
	if invalid || (phase != graph.PhaseRunning && phase != graph.PhaseSuspended) {
		return notReadyResync
	}
	return 0
}
