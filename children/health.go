package children

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sluice-dev/sluice/graph"
)

// Health is what a workload's own status says about its streamlet.
type Health struct {
	Expected int32
	Ready    int32
	Phase    graph.Phase
	Message  string
	// Rolling is true while the workload's operator rolls out an edit (a
	// new generation, a scale, a resubmission): a rollout is not an outage
	// of an application that was running.
	Rolling bool
	// Stopped is true once the workload runs nothing, as a suspend asks: a
	// Deployment at 0 pods, a SparkApplication SUSPENDED, a Flink job
	// SUSPENDED (see suspend.go for what that means to the status).
	Stopped bool
}

// decode reads an observed child as the typed object T; ok is false when
// its fields do not have the types T gives them (a hand edit, a foreign
// writer), which the health readers report instead of guessing.
func decode[T any](u *unstructured.Unstructured) (t T, ok bool) {
	return t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &t) == nil
}

// observedMeta is what the health readers read of an observed child's
// metadata; the rest (labels, owner references) the converter need not make.
type observedMeta struct {
	Generation        int64       `json:"generation"`
	CreationTimestamp metav1.Time `json:"creationTimestamp"`
}

// unreadable is the health of a child whose status cannot be read.
func unreadable(kind string, expected int32) Health {
	return Health{Expected: expected, Phase: graph.PhasePending, Message: kind + " status unreadable"}
}

// caughtUp reports whether a child's controller has seen its latest spec;
// before that its status describes an older spec.
func caughtUp(generation, observedGeneration int64) (bool, string) {
	if observedGeneration < generation {
		return false, fmt.Sprintf("generation %d not yet observed by its operator", generation)
	}
	return true, ""
}

// Condition is the part of an operator's status condition Sluice reads:
// its other fields (times, generations) vary in format between operators
// and do not decide health.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// condition returns a condition by type, zero when there is none.
func condition(conds []Condition, condType string) Condition {
	for _, c := range conds {
		if c.Type == condType {
			return c
		}
	}
	return Condition{}
}
