package hooks

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
)

// setStopped gives every workload answered suspended the status its operator
// writes once it has stopped it: a Deployment at 0 pods, a SparkApplication
// SUSPENDED, a FlinkDeployment's job SUSPENDED.
func (c *cluster) setStopped() {
	for _, byName := range c.children {
		for _, u := range byName {
			switch u.GetKind() {
			case "Deployment":
				if n, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas"); n == 0 {
					u.Object["status"] = map[string]any{"observedGeneration": u.GetGeneration()}
				}
			case children.SparkApplicationKind:
				if s, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); s {
					u.Object["status"] = map[string]any{"applicationState": map[string]any{"state": "SUSPENDED"}}
				}
			case children.FlinkDeploymentKind:
				if s, _, _ := unstructured.NestedString(u.Object, "spec", "job", "state"); s == "suspended" {
					u.Object["status"] = map[string]any{"observedGeneration": u.GetGeneration(), "jobManagerDeploymentStatus": "MISSING",
						"jobStatus": map[string]any{"state": "SUSPENDED"}, "lifecycleState": "SUSPENDED"}
				}
			}
		}
	}
}
