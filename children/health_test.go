package children

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
)

// observedChild decodes an observed child written as YAML.
func observedChild(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	b, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	u := &unstructured.Unstructured{}
	if err := utiljson.Unmarshal(b, &u.Object); err != nil { // integers as int64, as on the wire
		t.Fatalf("fixture: %v", err)
	}
	return u
}

// healthCase is one observed workload and the health read from it; message
// is a substring of Health.Message ("" asks for none).
type healthCase struct {
	name     string
	child    string
	phase    graph.Phase
	ready    int32
	expected int32
	message  string
	rolling  bool
}

func checkHealth(t *testing.T, read func(*unstructured.Unstructured) Health, tests []healthCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := read(observedChild(t, tc.child))
			if diff := cmp.Diff([]any{tc.phase, tc.ready, tc.expected, tc.rolling}, []any{h.Phase, h.Ready, h.Expected, h.Rolling}); diff != "" {
				t.Errorf("phase, ready, expected, rolling mismatch (-want +got):\n%s", diff)
			}
			if (tc.message == "") != (h.Message == "") || !strings.Contains(h.Message, tc.message) {
				t.Errorf("message %q, want one containing %q", h.Message, tc.message)
			}
		})
	}
}

func TestDeploymentHealth(t *testing.T) {
	checkHealth(t, DeploymentHealth, []healthCase{
		{"unreadable", `{metadata: {generation: 1}, spec: {replicas: "two"}}`, graph.PhasePending, 0, 1, "Deployment status unreadable", false},
		{"spec not yet observed", `{metadata: {generation: 3}, spec: {replicas: 4}, status: {observedGeneration: 2, readyReplicas: 4, updatedReplicas: 4}}`,
			graph.PhaseRunning, 4, 4, "rolling out: generation 3 not yet observed by its operator; 4 pods ready", true},
		{"no status yet", `{metadata: {generation: 1}, spec: {replicas: 2}}`, graph.PhasePending, 0, 2, "not yet observed", true},
		{"all pods ready", `{metadata: {generation: 2}, spec: {replicas: 4}, status: {observedGeneration: 2, readyReplicas: 4, updatedReplicas: 4}}`,
			graph.PhaseRunning, 4, 4, "", false},
		{"some pods ready", `{metadata: {generation: 2}, spec: {replicas: 4}, status: {observedGeneration: 2, readyReplicas: 1, updatedReplicas: 4}}`,
			graph.PhaseDegraded, 1, 4, "1 of 4 pods ready", false},
		{"rolling out", `{metadata: {generation: 3}, spec: {replicas: 4}, status: {observedGeneration: 3, readyReplicas: 4, updatedReplicas: 1}}`,
			graph.PhaseRunning, 4, 4, "rolling out: 1 of 4 pods updated", true},
		{"scaling up", `{metadata: {generation: 3}, spec: {replicas: 5}, status: {observedGeneration: 3, readyReplicas: 2, updatedReplicas: 5, conditions: [{type: Progressing, status: "True", reason: ReplicaSetUpdated}]}}`,
			graph.PhaseRunning, 2, 5, "rolling out: 2 of 5 pods ready, 5 updated", true},
		{"pods lost after the rollout", `{metadata: {generation: 3}, spec: {replicas: 5}, status: {observedGeneration: 3, readyReplicas: 2, updatedReplicas: 5, conditions: [{type: Progressing, status: "True", reason: NewReplicaSetAvailable}]}}`,
			graph.PhaseDegraded, 2, 5, "2 of 5 pods ready", false},
		{"rollout stalled with pods serving", `{metadata: {generation: 3}, spec: {replicas: 5}, status: {observedGeneration: 3, readyReplicas: 4, updatedReplicas: 1, conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: "ReplicaSet y has timed out progressing."}]}}`,
			graph.PhaseDegraded, 4, 5, "ProgressDeadlineExceeded: ReplicaSet y", false},
		{"no pod ready", `{metadata: {generation: 1}, spec: {replicas: 4}, status: {observedGeneration: 1}}`,
			graph.PhasePending, 0, 4, "0 of 4 pods ready", false},
		{"rollout stuck", `{metadata: {generation: 1}, spec: {replicas: 1}, status: {observedGeneration: 1, conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: "ReplicaSet x has timed out progressing."}]}}`,
			graph.PhaseFailed, 0, 1, "ProgressDeadlineExceeded: ReplicaSet x has timed out", false},
	})
}

func TestSparkHealth(t *testing.T) {
	checkHealth(t, SparkHealth, []healthCase{
		{"unreadable", `{spec: {executor: {instances: 2}}, status: {executorState: [RUNNING]}}`, graph.PhasePending, 0, 0, "SparkApplication status unreadable", false},
		{"new", `{spec: {executor: {instances: 2}}}`, graph.PhasePending, 0, 2, "not yet submitted", false},
		{"running", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: RUNNING}, executorState: {e1: RUNNING, e2: RUNNING}}}`,
			graph.PhaseRunning, 2, 2, "", false},
		{"an executor short", `{spec: {executor: {instances: 5}}, status: {applicationState: {state: RUNNING}, executorState: {e1: RUNNING, e2: PENDING}}}`,
			graph.PhaseRunning, 1, 5, "starting executors: 1 of 5 running", true},
		{"driver running, no executor yet", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: RUNNING}}}`,
			graph.PhasePending, 0, 2, "driver running, 0 of 2 executors running", true},
		{"running after an earlier error", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: RUNNING, errorMessage: "driver container failed with ExitCode: 1"}, executorState: {e1: RUNNING, e2: RUNNING}}}`,
			graph.PhaseRunning, 2, 2, "last error: driver container failed with ExitCode: 1", false},
		{"resubmitted after an edit", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: PENDING_RERUN}}}`,
			graph.PhasePending, 0, 2, "Spark application PENDING_RERUN", true},
		{"failed", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: FAILED, errorMessage: "driver pod failed"}}}`,
			graph.PhaseFailed, 0, 2, "Spark application FAILED: driver pod failed", false},
		{"submission failed", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: SUBMISSION_FAILED}}}`,
			graph.PhaseFailed, 0, 2, "SUBMISSION_FAILED", false},
		{"a streaming job that ended", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: COMPLETED}}}`,
			graph.PhaseDegraded, 0, 2, "a streaming job should not end", false},
		{"suspended", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: SUSPENDED}}}`,
			graph.PhasePending, 0, 2, "Spark application SUSPENDED", false},
		{"submitted", `{spec: {executor: {instances: 2}}, status: {applicationState: {state: SUBMITTED}}}`,
			graph.PhasePending, 0, 2, "Spark application SUBMITTED", true},
	})
}

func TestFlinkHealth(t *testing.T) {
	checkHealth(t, FlinkHealth, []healthCase{
		{"spec not yet observed", `{metadata: {generation: 2}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 1, jobManagerDeploymentStatus: READY, jobStatus: {state: RUNNING}}}`,
			graph.PhaseRunning, 3, 3, "rolling out: generation 2 not yet observed", true},
		{"new, not yet observed", `{metadata: {generation: 1}, spec: {job: {parallelism: 3}}}`,
			graph.PhasePending, 0, 3, "generation 1 not yet observed", true},
		{"upgrading", `{metadata: {generation: 2}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 2, jobManagerDeploymentStatus: DEPLOYING, jobStatus: {state: RECONCILING}, lifecycleState: UPGRADING}}`,
			graph.PhasePending, 0, 3, "rolling out: job manager DEPLOYING, job RECONCILING, lifecycle UPGRADING", true},
		{"running", `{metadata: {generation: 2}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 2, jobManagerDeploymentStatus: READY, jobStatus: {state: RUNNING}, lifecycleState: STABLE}}`,
			graph.PhaseRunning, 3, 3, "", false},
		{"deploying", `{metadata: {generation: 1}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 1, jobManagerDeploymentStatus: DEPLOYING, lifecycleState: DEPLOYED}}`,
			graph.PhasePending, 0, 3, "job manager DEPLOYING, job unknown, lifecycle DEPLOYED", false},
		{"job manager failed", `{metadata: {generation: 1}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 1, jobManagerDeploymentStatus: ERROR, error: "insufficient memory"}}`,
			graph.PhaseFailed, 0, 3, ": insufficient memory", false},
		{"job restarting", `{metadata: {generation: 1}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 1, jobManagerDeploymentStatus: READY, jobStatus: {state: RESTARTING}}}`,
			graph.PhaseDegraded, 0, 3, "job RESTARTING", false},
		{"rolled back", `{metadata: {generation: 1}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 1, jobManagerDeploymentStatus: READY, jobStatus: {state: RUNNING}, lifecycleState: ROLLED_BACK}}`,
			graph.PhaseDegraded, 0, 3, "lifecycle ROLLED_BACK", false},
	})
}

func TestKafkaTopicHealth(t *testing.T) {
	created := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	topic := func(status string) string {
		return `{metadata: {name: t, namespace: demo, generation: 2, creationTimestamp: "2026-11-25T12:00:00Z"}` + status + `}`
	}
	tests := []struct {
		name  string
		child string
		at    time.Duration // after creation
		want  TopicHealth
	}{
		{"new", topic(""), 30 * time.Second, TopicHealth{Message: "waiting for the Strimzi topic operator"}},
		{"unreadable", topic(`, status: {conditions: "Ready"}`), time.Hour, TopicHealth{Message: "KafkaTopic status unreadable"}},
		{"no operator watching", topic(""), 3 * time.Minute, TopicHealth{Message: "no status from the Strimzi topic operator after 2m0s: does it watch namespace demo?"}},
		{"spec not yet observed", topic(`, status: {observedGeneration: 1, conditions: [{type: Ready, status: "True"}]}`), time.Hour,
			TopicHealth{Message: "generation 2 not yet observed by its operator"}},
		{"ready", topic(`, status: {observedGeneration: 2, conditions: [{type: Ready, status: "True"}]}`), time.Hour, TopicHealth{Ready: true}},
		{"replication factor changing", topic(`, status: {observedGeneration: 2, conditions: [{type: Ready, status: "True"}], replicasChange: {targetReplicas: 3, state: pending}}`), time.Hour,
			TopicHealth{Ready: true, Message: "replication factor change to 3 pending (needs Cruise Control)"}},
		{"held by another KafkaTopic", topic(`, status: {observedGeneration: 2, conditions: [{type: Ready, status: "False", reason: ResourceConflict, message: "Managed by Ref{namespace='other', name='orders.ingest.out'}"}]}`), time.Hour,
			TopicHealth{Message: "ResourceConflict: Managed by Ref{namespace='other', name='orders.ingest.out'}; another KafkaTopic already manages this Kafka topic (another application, or one in another namespace on the same Kafka cluster): give this outlet a topic name of its own (topic.name), or remove the other KafkaTopic"}},
		{"refused", topic(`, status: {observedGeneration: 2, conditions: [{type: Ready, status: "False", reason: KafkaError, message: "Decreasing partitions not supported"}]}`), time.Hour,
			TopicHealth{Message: "KafkaError: Decreasing partitions not supported"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, KafkaTopicHealth(observedChild(t, tc.child), created.Add(tc.at))); diff != "" {
				t.Errorf("health mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChildrenNotObserved: a child answered but never observed (refused by
// the API server) turns ChildrenApplied False and names it; Metacontroller's
// own events about it are rate-limited.
func TestChildrenNotObserved(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator")
	answered := desired(t, bp)
	observed := Observed{}
	for _, u := range answered {
		if u.GetKind() == "Service" {
			continue // refused: never observed
		}
		if observed[u.GetKind()] == nil {
			observed[u.GetKind()] = map[string]*unstructured.Unstructured{}
		}
		observed[u.GetKind()][u.GetName()] = u
	}
	st := status(statusInput{blueprint: bp, kinds: allKinds, observed: observed, answered: mapChildren(answered), now: time.Now()})
	for _, c := range st.Conditions {
		if c.Type != graph.ConditionChildrenApplied {
			continue
		}
		if c.Status != "False" || c.Reason != "NotObserved" || !strings.Contains(c.Message, "Service/call-record-aggregator-cdr-ingress") {
			t.Errorf("ChildrenApplied = %s/%s %q, want False/NotObserved naming the Service", c.Status, c.Reason, c.Message)
		}
		return
	}
	t.Error("no ChildrenApplied condition")
}
