package harness

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ReportWorkloads writes, as the operators would, each workload's status
// for its current spec: running (every replica ready, Spark RUNNING, Flink
// RUNNING and STABLE) or, for a workload answered suspended, stopped
// (Deployment at 0 pods, Spark SUSPENDED, Flink SUSPENDED), and KafkaTopics
// Ready.
func (c *Cluster) ReportWorkloads(t *testing.T, parent *unstructured.Unstructured) {
	t.Helper()
	for _, child := range c.Snapshot(t, parent) {
		status := operatorStatus(child)
		if status == nil {
			continue
		}
		child.Object["status"] = status
		r, err := c.API.Resource(child)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.UpdateStatus(Ctx(t), child, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("update the status of %s: %v", ObjKey(child), err)
		}
	}
}

// operatorStatus is the status the operator of child would write for its current
// spec, nil for a kind no operator reports on.
func operatorStatus(child *unstructured.Unstructured) map[string]any {
	gen := child.GetGeneration()
	switch child.GetKind() {
	case "Deployment":
		return deploymentStatus(child, gen)
	case "SparkApplication":
		return sparkStatus(child)
	case "FlinkDeployment":
		return flinkStatus(child, gen)
	case "KafkaTopic":
		return map[string]any{"observedGeneration": gen, "conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
		}}
	}
	return nil
}

// deploymentStatus is a Deployment's status with every replica ready and available,
// or, at 0 replicas, only the observed generation.
func deploymentStatus(child *unstructured.Unstructured, gen int64) map[string]any {
	n, _, _ := unstructured.NestedInt64(child.Object, "spec", "replicas")
	if n == 0 {
		return map[string]any{"observedGeneration": gen}
	}
	return map[string]any{"observedGeneration": gen, "replicas": n, "readyReplicas": n, "updatedReplicas": n, "availableReplicas": n,
		"conditions": []any{
			map[string]any{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "ok", "lastUpdateTime": "2026-01-01T00:00:00Z", "lastTransitionTime": "2026-01-01T00:00:00Z"},
			map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": "ok", "lastUpdateTime": "2026-01-01T00:00:00Z", "lastTransitionTime": "2026-01-01T00:00:00Z"},
		}}
}

// sparkStatus is a SparkApplication's status as the Spark operator writes it:
// SUSPENDED when the spec says so, otherwise RUNNING with every executor running.
func sparkStatus(child *unstructured.Unstructured) map[string]any {
	driver := map[string]any{"podName": child.GetName() + "-driver"}
	if suspended, _, _ := unstructured.NestedBool(child.Object, "spec", "suspend"); suspended {
		return map[string]any{"applicationState": map[string]any{"state": "SUSPENDED"}, "driverInfo": driver}
	}
	n, _, _ := unstructured.NestedInt64(child.Object, "spec", "executor", "instances")
	executors := map[string]any{}
	for i := range n {
		executors[fmt.Sprintf("%s-exec-%d", child.GetName(), i+1)] = "RUNNING"
	}
	return map[string]any{"applicationState": map[string]any{"state": "RUNNING"}, "executorState": executors, "driverInfo": driver}
}

// flinkStatus is a FlinkDeployment's status as the Flink operator writes it: the job
// RUNNING and STABLE, or, when the spec suspends the job, SUSPENDED with the
// savepoint it took.
func flinkStatus(child *unstructured.Unstructured, gen int64) map[string]any {
	if s, _, _ := unstructured.NestedString(child.Object, "spec", "job", "state"); s == "suspended" {
		return map[string]any{"observedGeneration": gen, "jobManagerDeploymentStatus": "MISSING",
			"jobStatus":            map[string]any{"state": "SUSPENDED", "upgradeSavepointPath": "s3://acme-streaming/fraud/score/savepoints/savepoint-e2e"},
			"lifecycleState":       "SUSPENDED",
			"reconciliationStatus": map[string]any{"lastReconciledSpec": `{"spec":{"job":{"upgradeMode":"savepoint","state":"suspended"}}}`}}
	}
	return map[string]any{"observedGeneration": gen, "jobManagerDeploymentStatus": "READY",
		"jobStatus": map[string]any{"state": "RUNNING"}, "lifecycleState": "STABLE"}
}
