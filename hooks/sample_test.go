package hooks

import (
	"bytes"
	"cmp"
	"encoding/json"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/golden"
)

// sampleRequest is the sync request README.md tells a newcomer to POST to
// `make run`: the reference application as Metacontroller sends it once
// every child exists and runs.
var sampleRequest = filepath.Join("..", "manifests", "examples", "requests", "call-record-aggregator.sync.json")

// TestSampleRequestGolden keeps the sample request current (-update rewrites it)
// and proves what the README shows of its answer: every child answered,
// phase Running.
func TestSampleRequestGolden(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	c.syncUntilStable(5)
	c.setHealthy()
	req := c.request()
	req.Controller = controller(t, allComponents()...)
	got, err := json.MarshalIndent(req, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if !golden.Check(t, sampleRequest, got) {
		t.FailNow()
	}

	var sent Request
	if err := json.NewDecoder(bytes.NewReader(got)).Decode(&sent); err != nil {
		t.Fatal(err)
	}
	resp, err := Sync(&sent, now)
	if err != nil {
		t.Fatal(err)
	}
	checkListKeys(t, resp)
	if n := len(resp.Children); n != 32 {
		t.Errorf("answer has %d children, want the 32 of the reference application", n)
	}
	if resp.Status.Phase != graph.PhaseRunning || resp.Status.StreamletsReady != "8/8" {
		t.Errorf("answer's status is %s with %s streamlets ready, want Running with 8/8", resp.Status.Phase, resp.Status.StreamletsReady)
	}
}

// setHealthy gives every workload and topic the status its operator
// writes once it runs as its spec asks.
func (c *cluster) setHealthy() {
	for _, byName := range c.children {
		for _, u := range byName {
			var status map[string]any
			switch u.GetKind() {
			case "Deployment":
				n, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
				status = map[string]any{"observedGeneration": u.GetGeneration(), "replicas": n, "readyReplicas": n,
					"updatedReplicas": n, "availableReplicas": n, "conditions": []any{
						map[string]any{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
						map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
					}}
			case children.SparkApplicationKind:
				n, _, _ := unstructured.NestedInt64(u.Object, "spec", "executor", "instances")
				executors := map[string]any{}
				for i := range n {
					executors[u.GetName()+"-exec-"+string(rune('1'+i))] = "RUNNING"
				}
				status = map[string]any{"applicationState": map[string]any{"state": "RUNNING"}, "executorState": executors}
			case children.FlinkDeploymentKind:
				status = map[string]any{"observedGeneration": u.GetGeneration(), "jobManagerDeploymentStatus": "READY",
					"jobStatus": map[string]any{"state": "RUNNING"}, "lifecycleState": "STABLE"}
			case children.KafkaTopicKind:
				name, _, _ := unstructured.NestedString(u.Object, "spec", "topicName")
				status = map[string]any{"observedGeneration": u.GetGeneration(), "topicName": cmp.Or(name, u.GetName()),
					"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}
			default:
				continue
			}
			u.Object["status"] = status
		}
	}
}
