package children

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

var statusNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// TestApplicationPhase pins the precedence of applicationPhase, rule by rule.
func TestApplicationPhase(t *testing.T) {
	s := func(name string, p graph.Phase) graph.StreamletStatus {
		return graph.StreamletStatus{Name: name, Phase: p}
	}
	running, pending, degraded, failed := graph.PhaseRunning, graph.PhasePending, graph.PhaseDegraded, graph.PhaseFailed
	tests := []struct {
		name string
		in   phaseInput
		want graph.Phase
	}{
		{"rejected and nothing runs", phaseInput{invalidAndNothingRuns: true}, graph.PhaseInvalid},
		{"no streamlet yet", phaseInput{topicsReady: true}, pending},
		{"every streamlet failed", phaseInput{streamlets: []graph.StreamletStatus{s("a", failed), s("b", failed)}, topicsReady: true}, failed},
		{"one failed", phaseInput{streamlets: []graph.StreamletStatus{s("a", running), s("b", failed)}, topicsReady: true, wasReady: true}, degraded},
		{"one degraded on a fresh application", phaseInput{streamlets: []graph.StreamletStatus{s("a", running), s("b", degraded)}, topicsReady: true}, degraded},
		{"all running, topics ready", phaseInput{streamlets: []graph.StreamletStatus{s("a", running)}, topicsReady: true}, running},
		{"all running, topics not ready, never ran", phaseInput{streamlets: []graph.StreamletStatus{s("a", running)}}, pending},
		{"all running, topics not ready, ran before", phaseInput{streamlets: []graph.StreamletStatus{s("a", running)}, wasReady: true}, degraded},
		{"rolling out an edit after running", phaseInput{streamlets: []graph.StreamletStatus{s("a", running), s("b", pending)},
			rolling: map[string]bool{"b": true}, topicsReady: true, wasReady: true}, running},
		{"rolling out, topics lost", phaseInput{streamlets: []graph.StreamletStatus{s("a", running), s("b", pending)},
			rolling: map[string]bool{"b": true}, wasReady: true}, degraded},
		{"rolling on the first start", phaseInput{streamlets: []graph.StreamletStatus{s("a", pending)},
			rolling: map[string]bool{"a": true}, topicsReady: true}, pending},
		{"a streamlet lost after running", phaseInput{streamlets: []graph.StreamletStatus{s("a", running), s("b", pending)}, topicsReady: true, wasReady: true}, degraded},
		{"starting", phaseInput{streamlets: []graph.StreamletStatus{s("a", running), s("b", pending)}, topicsReady: true}, pending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := applicationPhase(tc.in); got != tc.want {
				t.Errorf("applicationPhase = %s, want %s", got, tc.want)
			}
		})
	}
}

// observedAs is the observed state of answered children: each as the API
// server holds it, with a status from its operator.
func observedAs(t *testing.T, answered []*unstructured.Unstructured) Observed {
	t.Helper()
	observed := Observed{}
	for _, u := range answered {
		o := u.DeepCopy()
		o.SetGeneration(1)
		setHealthy(t, o)
		if observed[o.GetKind()] == nil {
			observed[o.GetKind()] = map[string]*unstructured.Unstructured{}
		}
		observed[o.GetKind()][o.GetName()] = o
	}
	return observed
}

// healthyCluster is the observed state of a blueprint whose every child
// runs as desired: each child's operator caught up and reports it ready.
func healthyCluster(t *testing.T, bp *graph.Blueprint) ([]*unstructured.Unstructured, Observed) {
	t.Helper()
	answered := desired(t, bp)
	return answered, observedAs(t, answered)
}

// setHealthy writes the status a child's operator reports when it runs as
// its spec asks.
func setHealthy(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	var status map[string]any
	switch o.GetKind() {
	case "Deployment":
		n, _, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
		status = map[string]any{"observedGeneration": o.GetGeneration(), "readyReplicas": n, "updatedReplicas": n}
	case SparkApplicationKind:
		n, _, _ := unstructured.NestedInt64(o.Object, "spec", "executor", "instances")
		executors := map[string]any{}
		for i := range n {
			executors["exec-"+string(rune('a'+i))] = "RUNNING"
		}
		status = map[string]any{"applicationState": map[string]any{"state": "RUNNING"}, "executorState": executors}
	case FlinkDeploymentKind:
		status = map[string]any{"observedGeneration": o.GetGeneration(), "jobManagerDeploymentStatus": "READY",
			"jobStatus": map[string]any{"state": "RUNNING"}, "lifecycleState": "STABLE"}
	case KafkaTopicKind:
		status = map[string]any{"observedGeneration": o.GetGeneration(),
			"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}
	default:
		return
	}
	o.Object["status"] = status
}

// conditionOf returns a condition of a status, failing when it is missing.
func conditionOf(t *testing.T, st graph.Status, condType string) metav1.Condition {
	t.Helper()
	for _, c := range st.Conditions {
		if c.Type == condType {
			return c
		}
	}
	t.Fatalf("no %s condition in %+v", condType, st.Conditions)
	return metav1.Condition{}
}

// TestStatusTellsTheTruth: the phase, Ready, TopicsReady and Progressing of
// an application in the states users saw misreported.
func TestStatusTellsTheTruth(t *testing.T) {
	const app = "call-record-aggregator"
	type want struct {
		Phase        graph.Phase
		Ready        metav1.ConditionStatus
		ReadyMessage []string // substrings of Ready's message
		TopicsReady  metav1.ConditionStatus
		Topics       []string // substrings of TopicsReady's message
		Progressing  metav1.ConditionStatus
	}
	tests := []struct {
		name     string
		previous graph.Phase
		invalid  []string
		edit     func(t *testing.T, answered []*unstructured.Unstructured, observed Observed)
		want     want
	}{
		{
			name: "all ready", previous: graph.PhasePending,
			want: want{graph.PhaseRunning, metav1.ConditionTrue, []string{"8/8 streamlets running"},
				metav1.ConditionTrue, []string{"7 managed topics ready"}, metav1.ConditionFalse},
		},
		{
			name: "topics never ready", previous: graph.PhasePending,
			edit: func(t *testing.T, _ []*unstructured.Unstructured, observed Observed) {
				for _, u := range observed[KafkaTopicKind] {
					delete(u.Object, "status")
				}
			},
			want: want{graph.PhasePending, metav1.ConditionFalse, []string{"7 of 7 managed topics not ready"},
				metav1.ConditionFalse, []string{"7 of 7 managed topics not ready"}, metav1.ConditionFalse},
		},
		{
			name: "a topic lost after running", previous: graph.PhaseRunning,
			edit: func(t *testing.T, _ []*unstructured.Unstructured, observed Observed) {
				u := observed[KafkaTopicKind][app+".merge.out"]
				u.Object["status"] = map[string]any{"observedGeneration": int64(1),
					"conditions": []any{map[string]any{"type": "Ready", "status": "False", "reason": "KafkaError", "message": "broker down"}}}
			},
			want: want{graph.PhaseDegraded, metav1.ConditionFalse, []string{"1 of 7 managed topics not ready", app + ".merge.out"},
				metav1.ConditionFalse, []string{app + ".merge.out"}, metav1.ConditionFalse},
		},
		{
			name: "scaling a Deployment", previous: graph.PhaseRunning,
			edit: func(t *testing.T, _ []*unstructured.Unstructured, observed Observed) {
				u := observed["Deployment"][app+"-merge"]
				u.SetGeneration(2) // the scale, not yet observed by the Deployment controller
			},
			want: want{graph.PhaseRunning, metav1.ConditionTrue, []string{"8/8 streamlets running"},
				metav1.ConditionTrue, []string{"7 managed topics ready"}, metav1.ConditionTrue},
		},
		{
			name: "scaling a Spark streamlet", previous: graph.PhaseRunning,
			edit: func(t *testing.T, _ []*unstructured.Unstructured, observed Observed) {
				u := observed[SparkApplicationKind][app+"-cdr-aggregator"]
				_ = unstructured.SetNestedField(u.Object, int64(5), "spec", "executor", "instances")
			},
			want: want{graph.PhaseRunning, metav1.ConditionTrue, []string{"8/8 streamlets running"},
				metav1.ConditionTrue, nil, metav1.ConditionTrue},
		},
		{
			name: "a Spark streamlet resubmitted after an edit", previous: graph.PhaseRunning,
			edit: func(t *testing.T, _ []*unstructured.Unstructured, observed Observed) {
				u := observed[SparkApplicationKind][app+"-cdr-aggregator"]
				u.Object["status"] = map[string]any{"applicationState": map[string]any{"state": "PENDING_RERUN"}}
			},
			want: want{graph.PhaseRunning, metav1.ConditionTrue, []string{"7/8 streamlets running", "cdr-aggregator (Pending: Spark application PENDING_RERUN"},
				metav1.ConditionTrue, nil, metav1.ConditionTrue},
		},
		{
			name: "a rollout that stalled", previous: graph.PhaseRunning,
			edit: func(t *testing.T, _ []*unstructured.Unstructured, observed Observed) {
				u := observed["Deployment"][app+"-merge"]
				u.Object["status"].(map[string]any)["conditions"] = []any{map[string]any{
					"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet has timed out progressing."}}
			},
			want: want{graph.PhaseDegraded, metav1.ConditionFalse, []string{"7/8 streamlets running", "merge (Degraded: ProgressDeadlineExceeded"},
				metav1.ConditionTrue, nil, metav1.ConditionFalse},
		},
		{
			name: "a failed streamlet is named", previous: graph.PhaseRunning,
			edit: func(t *testing.T, _ []*unstructured.Unstructured, observed Observed) {
				u := observed[SparkApplicationKind][app+"-cdr-generator2"]
				u.Object["status"] = map[string]any{"applicationState": map[string]any{"state": "FAILED", "errorMessage": "driver pod failed"}}
			},
			want: want{graph.PhaseDegraded, metav1.ConditionFalse, []string{"7/8 streamlets running; not running: cdr-generator2 (Failed: Spark application FAILED: driver pod failed"},
				metav1.ConditionTrue, nil, metav1.ConditionFalse},
		},
		{
			name: "an invalid new application claims nothing", previous: "", invalid: []string{"spec.streamlets[merge].replicas: must be an integer"},
			edit: func(t *testing.T, answered []*unstructured.Unstructured, observed Observed) {
				clear(observed)
			},
			want: want{graph.PhaseInvalid, metav1.ConditionFalse, []string{"nothing was created: the blueprint is invalid"},
				metav1.ConditionUnknown, []string{"no topic was created"}, metav1.ConditionFalse},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bp := blueprint(t, app)
			answered, observed := healthyCluster(t, bp)
			if tc.edit != nil {
				tc.edit(t, answered, observed)
			}
			in := statusInput{blueprint: bp, kinds: allKinds, observed: observed, answered: mapChildren(answered), now: statusNow,
				previous: &graph.Status{Phase: tc.previous}}
			if len(tc.invalid) > 0 {
				in.blueprint, in.invalid, in.answered = nil, tc.invalid, nil
			}
			st := status(in)
			ready, topics, progressing := conditionOf(t, st, graph.ConditionReady), conditionOf(t, st, graph.ConditionTopicsReady), conditionOf(t, st, graph.ConditionProgressing)
			got := want{st.Phase, ready.Status, tc.want.ReadyMessage, topics.Status, tc.want.Topics, progressing.Status}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("status mismatch (-want +got):\n%s", diff)
			}
			for _, sub := range tc.want.ReadyMessage {
				if !strings.Contains(ready.Message, sub) {
					t.Errorf("Ready message %q does not contain %q", ready.Message, sub)
				}
			}
			for _, sub := range tc.want.Topics {
				if !strings.Contains(topics.Message, sub) {
					t.Errorf("TopicsReady message %q does not contain %q", topics.Message, sub)
				}
			}
		})
	}
}

// TestCulpritsAbbreviated: Ready names the first few streamlets at fault,
// then how many more.
func TestCulpritsAbbreviated(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator")
	answered, all := healthyCluster(t, bp)
	one := Observed{KafkaTopicKind: {"call-record-aggregator.merge.out": all[KafkaTopicKind]["call-record-aggregator.merge.out"]}}
	st := status(statusInput{blueprint: bp, kinds: allKinds, observed: one, answered: mapChildren(answered), now: statusNow})
	msg := conditionOf(t, st, graph.ConditionChildrenApplied).Message
	if !strings.Contains(msg, "and 26 more") {
		t.Errorf("ChildrenApplied message %q does not abbreviate 31 missing children", msg)
	}
	got := streamletsMessage(st.StreamletsReady, st.Streamlets)
	if !strings.HasPrefix(got, "0/8 streamlets running; not running: cdr-aggregator (Pending: SparkApplication not created yet") || !strings.HasSuffix(got, "and 3 more") {
		t.Errorf("streamlets message %q does not name five and count the rest", got)
	}
}

// TestTopicListedOnce: a released topic (unmanaged in the blueprint, its
// KafkaTopic still answered with strimzi.io/managed: "false") and a topic
// with two KafkaTopics are each one entry, counted apart from the managed
// ones.
func TestTopicListedOnce(t *testing.T) {
	const app = "call-record-aggregator"
	const released = app + ".merge.out"
	bp := blueprint(t, app, func(a *graph.StreamingApplication) {
		for i := range a.Spec.Streamlets {
			if s := &a.Spec.Streamlets[i]; s.Name == "merge" {
				s.Outlets[0].Topic = &graph.TopicSpec{Managed: new(false)}
			}
		}
	})
	answered, observed := healthyCluster(t, blueprint(t, app))
	var kept []*unstructured.Unstructured
	for _, u := range answered {
		if u.GetKind() == KafkaTopicKind && u.GetName() == released {
			u = u.DeepCopy()
			u.SetAnnotations(map[string]string{AnnotationStrimziManaged: "false"})
		}
		kept = append(kept, u)
	}
	second := observed[KafkaTopicKind][app+".cdr-aggregator.out"].DeepCopy()
	second.SetName("aggregates-made-earlier")
	_ = unstructured.SetNestedField(second.Object, app+".cdr-aggregator.out", "spec", "topicName")
	observed[KafkaTopicKind][second.GetName()] = second
	kept = append(kept, second)

	st := status(statusInput{blueprint: bp, kinds: allKinds, observed: observed, answered: mapChildren(kept), now: statusNow,
		topicNotes: map[string]string{released: "releasing"}})
	seen := map[string]int{}
	for _, ts := range st.Topics {
		seen[ts.Name]++
		if ts.Name == released && (ts.Managed || !strings.Contains(ts.Message, "existing topic") || !strings.Contains(ts.Message, "releasing")) {
			t.Errorf("released topic listed as %+v, want unmanaged and releasing", ts)
		}
		if ts.Name == app+".cdr-aggregator.out" && (!ts.Managed || !strings.Contains(ts.Message, "KafkaTopic aggregates-made-earlier")) {
			t.Errorf("topic with two KafkaTopics listed as %+v, want managed, naming the second", ts)
		}
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("topic %s listed %d times", name, n)
		}
	}
	if msg := conditionOf(t, st, graph.ConditionTopicsReady).Message; msg != "6 managed topics ready; 1 existing topic not managed by Sluice: "+released {
		t.Errorf("TopicsReady message %q", msg)
	}
}

// TestResyncAfter: Metacontroller is asked back soon only while something
// may change without a child event.
func TestResyncAfter(t *testing.T) {
	for _, tc := range []struct {
		phase   graph.Phase
		invalid bool
		want    float64
	}{
		{graph.PhaseRunning, false, 0},
		{graph.PhaseSuspended, false, 0},
		{graph.PhasePending, false, notReadyResync},
		{graph.PhaseDegraded, false, notReadyResync},
		{graph.PhaseRunning, true, notReadyResync},
	} {
		if got := resyncAfter(tc.phase, tc.invalid); got != tc.want {
			t.Errorf("resyncAfter(%s, invalid %t) = %g, want %g", tc.phase, tc.invalid, got, tc.want)
		}
	}
}

// TestFrozenStreamletsListedOnce: with the spec rejected while a streamlet
// has two workloads (its runtime just changed), the status lists it once.
func TestFrozenStreamletsListedOnce(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator")
	_, observed := healthyCluster(t, bp)
	spark := observed[SparkApplicationKind]["call-record-aggregator-cdr-aggregator"].DeepCopy()
	d := observed[DeploymentKind]["call-record-aggregator-merge"].DeepCopy()
	d.SetName("call-record-aggregator-cdr-aggregator")
	d.SetLabels(spark.GetLabels())
	observed[DeploymentKind][d.GetName()] = d
	st := status(statusInput{invalid: []string{"spec: wrong"}, kinds: allKinds, observed: observed, now: statusNow})
	seen := map[string]int{}
	for _, s := range st.Streamlets {
		seen[s.Name]++
	}
	if seen["cdr-aggregator"] != 1 {
		t.Errorf("cdr-aggregator listed %d times in %+v", seen["cdr-aggregator"], st.Streamlets)
	}
}
