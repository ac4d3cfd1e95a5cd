package children

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

func suspendAll(a *graph.StreamingApplication) { a.Spec.Suspend = true }

// suspendOne suspends one streamlet.
func suspendOne(name string) func(*graph.StreamingApplication) {
	return func(a *graph.StreamingApplication) {
		for i := range a.Spec.Streamlets {
			if a.Spec.Streamlets[i].Name == name {
				a.Spec.Streamlets[i].Suspend = true
			}
		}
	}
}

// resumed undoes in a copy of a suspended workload exactly what suspending
// sets, per runtime, so that the rest can be compared.
func resumed(t *testing.T, u *unstructured.Unstructured, spec *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	out := u.DeepCopy()
	switch u.GetKind() {
	case DeploymentKind:
		n, _, _ := unstructured.NestedInt64(spec.Object, "spec", "replicas")
		_ = unstructured.SetNestedField(out.Object, n, "spec", "replicas")
	case SparkApplicationKind:
		unstructured.RemoveNestedField(out.Object, "spec", "suspend")
	case FlinkDeploymentKind:
		_ = unstructured.SetNestedField(out.Object, "running", "spec", "job", "state")
	case ScaledObjectKind:
		unstructured.RemoveNestedField(out.Object, "metadata", "annotations")
	}
	return out
}

// TestSuspendChangesOnlyTheWorkloads, per runtime: suspending sets exactly
// the workload's own suspend (a Deployment's 0 replicas, a SparkApplication's
// spec.suspend, a FlinkDeployment's job.state suspended, a ScaledObject's
// paused-replicas "0"); every other child — topics, ConfigMaps, Services,
// Kafka users, but the alerts of what no longer runs — is answered byte for
// byte as before, and resuming answers what ran before.
func TestSuspendChangesOnlyTheWorkloads(t *testing.T) {
	for _, tc := range []struct {
		example string
		mods    []func(*graph.StreamingApplication)
	}{
		{"call-record-aggregator", []func(*graph.StreamingApplication){withAutoscaling("merge", graph.Autoscaling{MaxReplicas: 8})}}, // akka, spark, KEDA
		{"fraud-scoring", nil},        // akka, flink (savepoint)
		{"clickstream-sessions", nil}, // akka, spark, flink on a PVC
	} {
		t.Run(tc.example, func(t *testing.T) {
			running := desired(t, blueprint(t, tc.example, tc.mods...))
			suspended := desired(t, blueprint(t, tc.example, append(slices.Clone(tc.mods), suspendAll)...))
			if len(running) != len(suspended) {
				t.Fatalf("%d children running, %d suspended: suspending adds or drops children", len(running), len(suspended))
			}
			for i, want := range running {
				got := suspended[i]
				switch got.GetKind() {
				case "PrometheusRule":
					continue // a streamlet's alerts follow whether it runs
				case DeploymentKind:
					if n := num(got, "spec", "replicas"); n != 0 {
						t.Errorf("Deployment %s: %d replicas, want 0", got.GetName(), n)
					}
				case SparkApplicationKind:
					if s, _, _ := unstructured.NestedBool(got.Object, "spec", "suspend"); !s {
						t.Errorf("SparkApplication %s: spec.suspend not true", got.GetName())
					}
				case FlinkDeploymentKind:
					if s := str(got, "spec", "job", "state"); s != "suspended" {
						t.Errorf("FlinkDeployment %s: job.state %q, want suspended", got.GetName(), s)
					}
				case ScaledObjectKind:
					if p := got.GetAnnotations()[AnnotationPausedReplicas]; p != "0" {
						t.Errorf("ScaledObject %s: paused-replicas %q, want \"0\"", got.GetName(), p)
					}
				}
				if diff := cmp.Diff(want.Object, resumed(t, got, want).Object); diff != "" {
					t.Errorf("%s %s: suspending changes more than its suspend (-running +suspended):\n%s", got.GetKind(), got.GetName(), diff)
				}
			}
		})
	}
}

// setStopped writes the status a workload's operator reports once it has
// suspended it.
func setStopped(o *unstructured.Unstructured) {
	switch o.GetKind() {
	case DeploymentKind:
		o.Object["status"] = map[string]any{"observedGeneration": o.GetGeneration()}
	case SparkApplicationKind:
		o.Object["status"] = map[string]any{"applicationState": map[string]any{"state": "SUSPENDED"}}
	case FlinkDeploymentKind:
		o.Object["status"] = map[string]any{"observedGeneration": o.GetGeneration(), "jobManagerDeploymentStatus": "MISSING",
			"jobStatus":      map[string]any{"state": "SUSPENDED", "upgradeSavepointPath": "s3://acme/fraud/score/savepoints/savepoint-1"},
			"lifecycleState": "SUSPENDED"}
	}
}

// TestSuspendStatus: a streamlet is Suspended once its workload says it
// stopped, suspending until then (a rollout of a running application); the
// application is Suspended once every streamlet is, and a partly suspended
// one runs.
func TestSuspendStatus(t *testing.T) {
	type want struct {
		Phase       graph.Phase
		Streamlets  map[string]graph.Phase
		Ready       string
		Reconciling string
		Stalled     string
		Progressing string
	}
	for _, tc := range []struct {
		name    string
		example string
		mods    []func(*graph.StreamingApplication)
		stopped bool // the operators have stopped the suspended workloads
		want    want
	}{
		{"reference application suspended", "call-record-aggregator", []func(*graph.StreamingApplication){suspendAll}, true, want{
			Phase: graph.PhaseSuspended, Ready: "True", Reconciling: "False", Stalled: "False", Progressing: "False",
			Streamlets: map[string]graph.Phase{"cdr-aggregator": graph.PhaseSuspended, "merge": graph.PhaseSuspended, "cdr-generator1": graph.PhaseSuspended}}},
		{"flink suspended", "fraud-scoring", []func(*graph.StreamingApplication){suspendAll}, true, want{
			Phase: graph.PhaseSuspended, Ready: "True", Reconciling: "False", Stalled: "False", Progressing: "False",
			Streamlets: map[string]graph.Phase{"score": graph.PhaseSuspended, "enrich": graph.PhaseSuspended}}},
		{"suspending", "fraud-scoring", []func(*graph.StreamingApplication){suspendAll}, false, want{
			Phase: graph.PhaseRunning, Ready: "True", Reconciling: "True", Stalled: "False", Progressing: "True",
			Streamlets: map[string]graph.Phase{"score": graph.PhaseRunning, "enrich": graph.PhaseRunning}}},
		{"one streamlet suspended", "fraud-scoring", []func(*graph.StreamingApplication){suspendOne("score")}, true, want{
			Phase: graph.PhaseRunning, Ready: "True", Reconciling: "False", Stalled: "False", Progressing: "False",
			Streamlets: map[string]graph.Phase{"score": graph.PhaseSuspended, "enrich": graph.PhaseRunning}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bp := blueprint(t, tc.example, tc.mods...)
			var observed Observed
			if tc.stopped {
				observed = observedAs(t, desired(t, bp))
				for _, s := range bp.Streamlets {
					if !s.Suspended {
						continue
					}
					for _, kind := range []string{DeploymentKind, SparkApplicationKind, FlinkDeploymentKind} {
						if u, ok := observed.Get(kind, WorkloadName(bp.Name, s.Name)); ok {
							setStopped(u)
						}
					}
				}
			} else {
				// The workloads still run as before the suspend.
				observed = observedAs(t, desired(t, blueprint(t, tc.example)))
				for _, u := range desired(t, bp) {
					o, _ := observed.Get(u.GetKind(), u.GetName())
					o.Object["spec"] = u.DeepCopy().Object["spec"]
				}
			}
			res := answer(t, Input{Blueprint: bp, Observed: observed, Previous: &graph.Status{Phase: graph.PhaseRunning}})
			got := want{Phase: res.Status.Phase, Streamlets: map[string]graph.Phase{},
				Ready:       string(conditionOf(t, res.Status, graph.ConditionReady).Status),
				Reconciling: string(conditionOf(t, res.Status, graph.ConditionReconciling).Status),
				Stalled:     string(conditionOf(t, res.Status, graph.ConditionStalled).Status),
				Progressing: string(conditionOf(t, res.Status, graph.ConditionProgressing).Status),
			}
			for _, s := range res.Status.Streamlets {
				if _, asked := tc.want.Streamlets[s.Name]; asked {
					got.Streamlets[s.Name] = s.Phase
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("status mismatch (-want +got):\n%s\n%+v", diff, res.Status.Streamlets)
			}
		})
	}
}

// TestSavepointStatus: a Flink streamlet's last savepoint, its time, and the
// upgrade mode the operator reconciled, from the FlinkDeployment's status.
func TestSavepointStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status string
		want   *graph.SavepointStatus
	}{
		{"none yet", `{status: {jobStatus: {state: RUNNING}}}`, nil},
		{"a periodic savepoint", `{status: {jobStatus: {savepointInfo: {lastSavepoint: {location: "s3://acme/score/savepoints/savepoint-2", timeStamp: 1790000000000, triggerType: PERIODIC}}},
			reconciliationStatus: {lastReconciledSpec: '{"spec":{"job":{"upgradeMode":"savepoint","state":"running"}},"resource_metadata":{"apiVersion":"flink.apache.org/v1beta1"}}'}}}`,
			&graph.SavepointStatus{Location: "s3://acme/score/savepoints/savepoint-2", Time: "2026-09-21T14:13:20Z", UpgradeMode: "savepoint"}},
		{"the savepoint of a suspend", `{status: {jobStatus: {state: SUSPENDED, upgradeSavepointPath: "s3://acme/score/savepoints/savepoint-3"},
			reconciliationStatus: {lastReconciledSpec: '{"job":{"upgradeMode":"last-state"}}'}}}`,
			&graph.SavepointStatus{Location: "s3://acme/score/savepoints/savepoint-3", UpgradeMode: "last-state"}},
		{"an unreadable status", `{status: {jobStatus: {savepointInfo: {lastSavepoint: {timeStamp: "yesterday"}}}}}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, FlinkSavepoint(observedChild(t, tc.status))); diff != "" {
				t.Errorf("savepoint mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStatelessUpgradeWarned: a Flink streamlet with state storage whose
// upgrade mode drops it says so.
func TestStatelessUpgradeWarned(t *testing.T) {
	bp := blueprint(t, "fraud-scoring", func(a *graph.StreamingApplication) { a.Spec.Runtimes.Flink.UpgradeMode = "stateless" })
	res := answer(t, Input{Blueprint: bp, Observed: observedAs(t, desired(t, bp))})
	i := slices.IndexFunc(res.Status.Streamlets, func(s graph.StreamletStatus) bool { return s.Name == "score" })
	if msg := res.Status.Streamlets[i].Message; msg != "upgrade mode stateless: its state under "+res.Status.Streamlets[i].State+
		" is dropped on every upgrade and suspend; set flink.upgradeMode to savepoint or last-state to keep it" {
		t.Errorf("score's message %q does not warn of its stateless upgrades", msg)
	}
}

// TestWorkloadsSayStopped: what each runtime's status says once its
// operator has suspended it, and what is not yet that.
func TestWorkloadsSayStopped(t *testing.T) {
	for _, tc := range []struct {
		name    string
		read    func(*unstructured.Unstructured) Health
		child   string
		stopped bool
	}{
		{"Deployment at 0 pods", DeploymentHealth, `{metadata: {generation: 2}, spec: {replicas: 0}, status: {observedGeneration: 2}}`, true},
		{"Deployment scaling down", DeploymentHealth, `{metadata: {generation: 2}, spec: {replicas: 0}, status: {observedGeneration: 2, replicas: 2, readyReplicas: 2}}`, false},
		{"Deployment at 0 not yet observed", DeploymentHealth, `{metadata: {generation: 3}, spec: {replicas: 0}, status: {observedGeneration: 2, replicas: 2, readyReplicas: 2}}`, false},
		{"Deployment running", DeploymentHealth, `{metadata: {generation: 2}, spec: {replicas: 2}, status: {observedGeneration: 2, replicas: 2, readyReplicas: 2, updatedReplicas: 2}}`, false},
		{"Spark suspending", SparkHealth, `{spec: {executor: {instances: 2}, suspend: true}, status: {applicationState: {state: SUSPENDING}}}`, false},
		{"Spark suspended", SparkHealth, `{spec: {executor: {instances: 2}, suspend: true}, status: {applicationState: {state: SUSPENDED}}}`, true},
		{"Flink suspended", FlinkHealth, `{metadata: {generation: 2}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 2, jobManagerDeploymentStatus: MISSING, jobStatus: {state: SUSPENDED}, lifecycleState: SUSPENDED}}`, true},
		{"Flink suspend not yet observed", FlinkHealth, `{metadata: {generation: 3}, spec: {job: {parallelism: 3}}, status: {observedGeneration: 2, jobManagerDeploymentStatus: READY, jobStatus: {state: RUNNING}, lifecycleState: STABLE}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.read(observedChild(t, tc.child)).Stopped; got != tc.stopped {
				t.Errorf("Stopped = %t, want %t", got, tc.stopped)
			}
		})
	}
}

// TestApplicationPhaseSuspended pins where Suspended sits in
// applicationPhase's precedence.
func TestApplicationPhaseSuspended(t *testing.T) {
	s := func(name string, p graph.Phase) graph.StreamletStatus {
		return graph.StreamletStatus{Name: name, Phase: p}
	}
	suspended, running, failed, pending := graph.PhaseSuspended, graph.PhaseRunning, graph.PhaseFailed, graph.PhasePending
	for _, tc := range []struct {
		name string
		in   phaseInput
		want graph.Phase
	}{
		{"every streamlet suspended", phaseInput{streamlets: []graph.StreamletStatus{s("a", suspended), s("b", suspended)}, topicsReady: true}, suspended},
		{"suspended with topics not ready", phaseInput{streamlets: []graph.StreamletStatus{s("a", suspended)}}, suspended},
		{"some suspended, the rest running", phaseInput{streamlets: []graph.StreamletStatus{s("a", suspended), s("b", running)}, topicsReady: true}, running},
		{"some suspended, the rest failed", phaseInput{streamlets: []graph.StreamletStatus{s("a", suspended), s("b", failed)}, topicsReady: true}, graph.PhaseDegraded},
		{"suspending after running", phaseInput{streamlets: []graph.StreamletStatus{s("a", suspended), s("b", pending)},
			rolling: map[string]bool{"b": true}, topicsReady: true, wasReady: true}, running},
		{"resuming", phaseInput{streamlets: []graph.StreamletStatus{s("a", pending), s("b", pending)},
			rolling: map[string]bool{"a": true, "b": true}, topicsReady: true}, pending},
		{"rejected and nothing runs", phaseInput{invalidAndNothingRuns: true}, graph.PhaseInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := applicationPhase(tc.in); got != tc.want {
				t.Errorf("applicationPhase = %s, want %s", got, tc.want)
			}
		})
	}
}
