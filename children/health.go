package children

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
}

// caughtUp reports whether a child's controller has seen its latest spec;
// before that its status describes an older spec.
func caughtUp(u *unstructured.Unstructured) (bool, string) {
	observed, found, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if gen := u.GetGeneration(); !found || observed < gen {
		return false, fmt.Sprintf("generation %d not yet observed by its operator", gen)
	}
	return true, ""
}

func nestedString(u *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(u.Object, path...)
	return s
}

func nestedInt32(u *unstructured.Unstructured, path ...string) int32 {
	n, _, _ := unstructured.NestedInt64(u.Object, path...)
	return int32(n)
}

// condition returns the status, reason and message of a status condition.
func condition(u *unstructured.Unstructured, condType string) (status, reason, message string, found bool) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != condType {
			continue
		}
		status, _ = m["status"].(string)
		reason, _ = m["reason"].(string)
		message, _ = m["message"].(string)
		return status, reason, message, true
	}
	return "", "", "", false
}
