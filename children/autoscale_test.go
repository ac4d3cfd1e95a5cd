package children

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

func ptr[T any](v T) *T { return &v }

// specStreamlet returns the named streamlet of app for a modifier to change.
func specStreamlet(t *testing.T, app *graph.StreamingApplication, name string) *graph.Streamlet {
	t.Helper()
	for i := range app.Spec.Streamlets {
		if app.Spec.Streamlets[i].Name == name {
			return &app.Spec.Streamlets[i]
		}
	}
	t.Fatalf("no streamlet %q", name)
	return nil
}

// withAutoscaling autoscales a streamlet of an example, its replicas then
// the range's least.
func withAutoscaling(name string, a graph.Autoscaling) func(*graph.StreamingApplication) {
	return func(app *graph.StreamingApplication) {
		for i := range app.Spec.Streamlets {
			if s := &app.Spec.Streamlets[i]; s.Name == name {
				s.Replicas, s.Autoscaling = nil, &a
				return
			}
		}
		panic("no streamlet " + name)
	}
}

// scaleTo is KEDA's HorizontalPodAutoscaler deciding: it writes the
// Deployment's spec.replicas through the scale subresource.
func scaleTo(t *testing.T, observed Observed, name string, replicas int64) {
	t.Helper()
	d, ok := observed.Get(DeploymentKind, name)
	if !ok {
		t.Fatalf("no observed Deployment %s", name)
	}
	if err := unstructured.SetNestedField(d.Object, replicas, "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
}

func answer(t *testing.T, in Input) Result {
	t.Helper()
	if in.Kinds == nil {
		in.Kinds = allKinds
	}
	in.Now = statusNow
	res, err := Answer(in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func replicasOf(t *testing.T, objs []*unstructured.Unstructured, name string) int64 {
	t.Helper()
	u := find(t, objs, DeploymentKind, name)
	n, found, err := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if err != nil || !found {
		t.Fatalf("Deployment %s: spec.replicas missing (%v): the API server would default it to 1", name, err)
	}
	return n
}

// TestScalerOwnsReplicas: an autoscaled Deployment's replicas are the
// scaler's. Metacontroller writes what the hook answers on every sync, so
// the answer carries the observed count: never the spec's, never absent.
func TestScalerOwnsReplicas(t *testing.T) {
	const app = "call-record-aggregator"
	merge := WorkloadName(app, "merge")
	autoscaled := withAutoscaling("merge", graph.Autoscaling{MinReplicas: ptr(int32(2)), MaxReplicas: 10})
	suspendMerge := func(a *graph.StreamingApplication) { specStreamlet(t, a, "merge").Suspend = true }
	manual := func(n int32) func(*graph.StreamingApplication) {
		return func(a *graph.StreamingApplication) { specStreamlet(t, a, "merge").Replicas = ptr(n) }
	}
	tests := []struct {
		name string
		// before is the application Metacontroller applied last, whose
		// children are observed (nil: none yet); scaled is the scaler's
		// decision since (0: none); after is the application now.
		before []func(*graph.StreamingApplication)
		scaled int64
		after  []func(*graph.StreamingApplication)
		want   int64
	}{
		{"first answer: the range's least", nil, 0, []func(*graph.StreamingApplication){autoscaled}, 2},
		{"first answer: replicas as the starting size", nil, 0,
			[]func(*graph.StreamingApplication){autoscaled, manual(4)}, 4},
		{"switched on while 8 pods run: 8 stay", []func(*graph.StreamingApplication){manual(8)}, 0,
			[]func(*graph.StreamingApplication){autoscaled}, 8},
		{"switched on above the range: its most", []func(*graph.StreamingApplication){manual(14)}, 0,
			[]func(*graph.StreamingApplication){autoscaled}, 10},
		{"between two scaler decisions: the last", []func(*graph.StreamingApplication){autoscaled}, 7,
			[]func(*graph.StreamingApplication){autoscaled}, 7},
		{"an edit of the range keeps the decision within it", []func(*graph.StreamingApplication){autoscaled}, 7,
			[]func(*graph.StreamingApplication){withAutoscaling("merge", graph.Autoscaling{MinReplicas: ptr(int32(2)), MaxReplicas: 5})}, 5},
		{"switched off: the spec's", []func(*graph.StreamingApplication){autoscaled}, 7,
			[]func(*graph.StreamingApplication){manual(3)}, 3},
		{"suspended: 0", []func(*graph.StreamingApplication){autoscaled}, 7,
			[]func(*graph.StreamingApplication){autoscaled, suspendMerge}, 0},
		{"resumed: the range's least, then the scaler's", []func(*graph.StreamingApplication){autoscaled, suspendMerge}, 0,
			[]func(*graph.StreamingApplication){autoscaled}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			observed := Observed{}
			if tc.before != nil {
				observed = observedAs(t, desired(t, blueprint(t, app, tc.before...)))
				if tc.scaled > 0 {
					scaleTo(t, observed, merge, tc.scaled)
				}
			}
			res := answer(t, Input{Blueprint: blueprint(t, app, tc.after...), Observed: observed})
			if got := replicasOf(t, Objects(res.Children), merge); got != tc.want {
				t.Errorf("merge answered with %d replicas, want %d", got, tc.want)
			}
			// A Deployment Sluice scales keeps its spec's count.
			if got := replicasOf(t, Objects(res.Children), WorkloadName(app, "cdr-validator")); got != 1 {
				t.Errorf("cdr-validator answered with %d replicas, want its spec's 1", got)
			}
		})
	}
}

// TestScalerOwnsReplicasFrozen: a rejected edit answers every child as last
// applied, but an autoscaled Deployment with its observed count: KEDA's
// decision survives the rejected edit.
func TestScalerOwnsReplicasFrozen(t *testing.T) {
	const app = "call-record-aggregator"
	merge := WorkloadName(app, "merge")
	for _, tc := range []struct {
		name string
		mods []func(*graph.StreamingApplication)
		want int64
	}{
		{"scaled by KEDA", []func(*graph.StreamingApplication){withAutoscaling("merge", graph.Autoscaling{MaxReplicas: 10})}, 6},
		{"paused while suspended", []func(*graph.StreamingApplication){withAutoscaling("merge", graph.Autoscaling{MaxReplicas: 10}),
			func(a *graph.StreamingApplication) { a.Spec.Suspend = true }}, 0},
		{"not autoscaled: as last applied", nil, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			observed := observedAs(t, desired(t, blueprint(t, app, tc.mods...)))
			for _, byName := range observed {
				for _, u := range byName {
					b, err := u.MarshalJSON()
					if err != nil {
						t.Fatal(err)
					}
					ann := u.GetAnnotations()
					if ann == nil {
						ann = map[string]string{}
					}
					ann[AnnotationLastApplied] = string(b)
					u.SetAnnotations(ann)
				}
			}
			scaleTo(t, observed, merge, 6)
			res := answer(t, Input{Invalid: []string{"spec.streamlets[merge].replicas: must be an integer"}, Observed: observed})
			if got := replicasOf(t, Objects(res.Children), merge); got != tc.want {
				t.Errorf("merge answered with %d replicas, want %d", got, tc.want)
			}
		})
	}
}

// TestScaledObject: one kafka trigger per inlet, on its topic and consumer
// group, with the streamlet's own credentials, on the cluster the inlet
// reads.
func TestScaledObject(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator", withAutoscaling("merge", graph.Autoscaling{MaxReplicas: 4}),
		withAutoscaling("console-egress", graph.Autoscaling{MaxReplicas: 2}), withTwoClusters)
	objs := desired(t, bp)
	merge := find(t, objs, ScaledObjectKind, WorkloadName(bp.Name, "merge"))
	triggers, _, _ := unstructured.NestedSlice(merge.Object, "spec", "triggers")
	var got []string
	for _, tr := range triggers {
		m := tr.(map[string]any)
		md := m["metadata"].(map[string]any)
		got = append(got, strings.Join([]string{m["type"].(string), m["name"].(string), md["topic"].(string), md["consumerGroup"].(string), md["lagThreshold"].(string)}, " "))
	}
	want := []string{
		"kafka in-0 call-record-aggregator.cdr-generator1.out call-record-aggregator.merge.in-0 10",
		"kafka in-1 call-record-aggregator.cdr-generator2.out call-record-aggregator.merge.in-1 10",
		"kafka in-2 call-record-aggregator.cdr-ingress.out call-record-aggregator.merge.in-2 10",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("triggers mismatch (-want +got):\n%s", diff)
	}
	if ref := str(merge, "spec", "scaleTargetRef", "name"); ref != WorkloadName(bp.Name, "merge") {
		t.Errorf("scaleTargetRef %q, want the Deployment", ref)
	}

	// console-egress reads its topic on the second cluster: its trigger
	// goes there, with that cluster's credentials.
	egress := find(t, objs, ScaledObjectKind, WorkloadName(bp.Name, "console-egress"))
	triggers, _, _ = unstructured.NestedSlice(egress.Object, "spec", "triggers")
	tr := triggers[0].(map[string]any)
	conn := bp.Connection("analytics")
	if got := tr["metadata"].(map[string]any)["bootstrapServers"]; got != conn.BootstrapServers {
		t.Errorf("console-egress's trigger reads %v, want the second cluster's %s", got, conn.BootstrapServers)
	}
	if needsTriggerAuthentication(conn) {
		ref, _, _ := unstructured.NestedString(tr, "authenticationRef", "name")
		if want := TriggerAuthenticationName(bp.Name, "console-egress", "analytics"); ref != want {
			t.Errorf("console-egress's trigger authenticates with %q, want %q", ref, want)
		}
		find(t, objs, TriggerAuthenticationKind, TriggerAuthenticationName(bp.Name, "console-egress", "analytics"))
	}
}

// TestTriggerAuthenticationMountsTheSameSecrets: KEDA reads lag with the
// very Secrets the streamlet mounts.
func TestTriggerAuthenticationMountsTheSameSecrets(t *testing.T) {
	for _, tc := range []struct {
		example, streamlet string
		mods               []func(*graph.StreamingApplication)
	}{
		{"fraud-scoring", "enrich", nil},            // TLS and SCRAM, shared user
		{"clickstream-sessions", "bot-filter", nil}, // TLS client authentication
		{"fraud-scoring", "enrich", []func(*graph.StreamingApplication){func(a *graph.StreamingApplication) { // managed users
			a.Spec.Kafka.Authentication = &graph.KafkaAuthentication{Type: graph.AuthSCRAMSHA512, Managed: true}
		}}},
	} {
		t.Run(tc.example+"/"+tc.streamlet, func(t *testing.T) {
			bp := blueprint(t, tc.example, append(tc.mods, withAutoscaling(tc.streamlet, graph.Autoscaling{MaxReplicas: 3}))...)
			objs := desired(t, bp)
			name := WorkloadName(bp.Name, tc.streamlet)
			d := find(t, objs, DeploymentKind, name)
			vols, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "volumes")
			mounted := map[string]bool{}
			for _, v := range vols {
				if s, ok, _ := unstructured.NestedString(v.(map[string]any), "secret", "secretName"); ok {
					mounted[s] = true
				}
			}
			ta := find(t, objs, TriggerAuthenticationKind, name)
			refs, _, _ := unstructured.NestedSlice(ta.Object, "spec", "secretTargetRef")
			if len(refs) == 0 {
				t.Fatal("no secretTargetRef")
			}
			for _, r := range refs {
				m := r.(map[string]any)
				if !mounted[m["name"].(string)] {
					t.Errorf("KEDA's %s comes from Secret %s, which the streamlet does not mount (it mounts %v)", m["parameter"], m["name"], mounted)
				}
			}
			if bp.Kafka.Authentication.Type == graph.AuthSCRAMSHA512 {
				cm := find(t, objs, ConfigMapKind, AutoscalerConfigMapName(bp.Name, tc.streamlet))
				if got, want := str(cm, "data", "username"), bp.Kafka.UserSecret(bp.Name, tc.streamlet, ""); got != want {
					t.Errorf("SCRAM user name %q, want %q", got, want)
				}
			}
		})
	}
}

// TestMissingKEDAComponent: without the keda component an akka streamlet's
// autoscaling is a status problem, not a child; the streamlet still runs.
func TestMissingKEDAComponent(t *testing.T) {
	kinds := Kinds{}
	for k, v := range allKinds {
		if k != ScaledObjectKind && k != TriggerAuthenticationKind {
			kinds[k] = v
		}
	}
	bp := blueprint(t, "fraud-scoring", withAutoscaling("enrich", graph.Autoscaling{MaxReplicas: 3}))
	res := answer(t, Input{Blueprint: bp, Kinds: kinds})
	for _, u := range Objects(res.Children) {
		if u.GetKind() == ScaledObjectKind || u.GetKind() == TriggerAuthenticationKind || u.GetName() == AutoscalerConfigMapName(bp.Name, "enrich") {
			t.Errorf("answer has %s %s though the controller lists no KEDA kind", u.GetKind(), u.GetName())
		}
	}
	find(t, Objects(res.Children), DeploymentKind, WorkloadName(bp.Name, "enrich"))
	// Nothing scales it: the spec's count, not what runs (2, within the
	// range), is answered.
	name := WorkloadName(bp.Name, "enrich")
	want, _, _ := unstructured.NestedInt64(find(t, Objects(res.Children), DeploymentKind, name).Object, "spec", "replicas")
	observed := observedAs(t, Objects(res.Children))
	scaleTo(t, observed, name, 2)
	again := answer(t, Input{Blueprint: bp, Kinds: kinds, Observed: observed})
	if n, _, _ := unstructured.NestedInt64(find(t, Objects(again.Children), DeploymentKind, name).Object, "spec", "replicas"); n != want || want == 2 {
		t.Errorf("without the keda component the Deployment is answered with %d replicas, want the spec's %d (nothing scales it)", n, want)
	}
	applied := conditionOf(t, res.Status, graph.ConditionChildrenApplied)
	if applied.Status != "False" || applied.Reason != "KindNotListed" || !strings.Contains(applied.Message, "needs a ScaledObject") {
		t.Errorf("ChildrenApplied = %s %s %q, want False KindNotListed naming ScaledObject", applied.Status, applied.Reason, applied.Message)
	}
	i := slices.IndexFunc(res.Status.Streamlets, func(s graph.StreamletStatus) bool { return s.Name == "enrich" })
	if msg := res.Status.Streamlets[i].Message; !strings.Contains(msg, "keda component") {
		t.Errorf("enrich's message %q does not name the keda component", msg)
	}
}

// TestAutoscalingStatus: the range, KEDA's conditions, the scaler's last
// decision as the expected replicas, and a range above the partitions.
func TestAutoscalingStatus(t *testing.T) {
	const app = "call-record-aggregator"
	bp := blueprint(t, app, withAutoscaling("merge", graph.Autoscaling{MaxReplicas: 60}))
	observed := observedAs(t, desired(t, bp))
	scaleTo(t, observed, WorkloadName(app, "merge"), 5)
	so, _ := observed.Get(ScaledObjectKind, WorkloadName(app, "merge"))
	so.Object["status"] = map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "ScaledObjectReady"},
		map[string]any{"type": "Active", "status": "True", "reason": "ScalerActive"},
	}}
	res := answer(t, Input{Blueprint: bp, Observed: observed})
	i := slices.IndexFunc(res.Status.Streamlets, func(s graph.StreamletStatus) bool { return s.Name == "merge" })
	ss := res.Status.Streamlets[i]
	if ss.ExpectedReplicas != 5 {
		t.Errorf("expectedReplicas %d, want the scaler's 5", ss.ExpectedReplicas)
	}
	a := ss.Autoscaling
	if a == nil {
		t.Fatal("no autoscaling status")
	}
	if diff := cmp.Diff([]any{int32(1), int32(60), "True", "True"}, []any{a.MinReplicas, a.MaxReplicas, a.Ready, a.Active}); diff != "" {
		t.Errorf("min, max, ready, active mismatch (-want +got):\n%s", diff)
	}
	// merge's inlets read topics of 53 partitions (spec.kafka.topicDefaults).
	if want := "maxReplicas 60 is above the 53 partitions of its inlets' topics"; !strings.Contains(a.Message, want) || !strings.Contains(ss.Message, want) {
		t.Errorf("messages %q and %q do not say %q", a.Message, ss.Message, want)
	}
	// KEDA cannot read the lag: the status says why.
	so.Object["status"] = map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "False", "reason": "ScaledObjectCheckFailed", "message": "kafka: client has run out of available brokers"},
	}}
	res = answer(t, Input{Blueprint: bp, Observed: observed})
	ss = res.Status.Streamlets[i]
	if !strings.Contains(ss.Message, "KEDA cannot scale it: ScaledObjectCheckFailed; kafka: client has run out") || ss.Autoscaling.Ready != "False" || ss.Autoscaling.Active != "Unknown" {
		t.Errorf("status %+v %+v does not say why KEDA cannot scale", ss.Message, ss.Autoscaling)
	}
}

// TestAutoscalingPerRuntime: what the one autoscaling field becomes in each
// runtime's children, and the starting size of each.
func TestAutoscalingPerRuntime(t *testing.T) {
	bp := blueprint(t, "clickstream-sessions",
		withAutoscaling("bot-filter", graph.Autoscaling{MinReplicas: ptr(int32(0)), MaxReplicas: 4, LagThreshold: ptr(int64(300))}),
		withAutoscaling("sessionize", graph.Autoscaling{MinReplicas: ptr(int32(2)), MaxReplicas: 12}),
		withAutoscaling("metrics", graph.Autoscaling{MaxReplicas: 5}))
	objs := desired(t, bp)
	name := func(s string) string { return WorkloadName(bp.Name, s) }
	for _, tc := range []struct {
		kind, streamlet string
		path            []string
		want            any
	}{
		// akka: KEDA scales the Deployment, which starts at the range's least.
		{ScaledObjectKind, "bot-filter", []string{"spec", "minReplicaCount"}, int64(0)},
		{ScaledObjectKind, "bot-filter", []string{"spec", "maxReplicaCount"}, int64(4)},
		{DeploymentKind, "bot-filter", []string{"spec", "replicas"}, int64(0)},
		// flink: the operator's autoscaler within the range, from the
		// parallelism it starts with.
		{FlinkDeploymentKind, "sessionize", []string{"spec", "flinkConfiguration", "job.autoscaler.enabled"}, "true"},
		{FlinkDeploymentKind, "sessionize", []string{"spec", "flinkConfiguration", "job.autoscaler.vertex.min-parallelism"}, "2"},
		{FlinkDeploymentKind, "sessionize", []string{"spec", "flinkConfiguration", "job.autoscaler.vertex.max-parallelism"}, "12"},
		{FlinkDeploymentKind, "sessionize", []string{"spec", "job", "parallelism"}, int64(2)},
		// spark: dynamic allocation with shuffle tracking.
		{SparkApplicationKind, "metrics", []string{"spec", "dynamicAllocation"}, map[string]any{
			"enabled": true, "initialExecutors": int64(1), "minExecutors": int64(1), "maxExecutors": int64(5), "shuffleTrackingEnabled": true}},
		{SparkApplicationKind, "metrics", []string{"spec", "executor", "instances"}, int64(1)},
	} {
		got, _, _ := unstructured.NestedFieldNoCopy(find(t, objs, tc.kind, name(tc.streamlet)).Object, tc.path...)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s %s %s mismatch (-want +got):\n%s", tc.kind, tc.streamlet, strings.Join(tc.path, "."), diff)
		}
	}
	// The other streamlets keep what they had: no autoscaler of their own.
	for _, u := range objs {
		if u.GetKind() == ScaledObjectKind && u.GetName() != name("bot-filter") {
			t.Errorf("ScaledObject %s for a streamlet without autoscaling", u.GetName())
		}
	}
}

// TestSparkHealthWithDynamicAllocation: executors come and go with dynamic
// allocation; the streamlet runs while its least run.
func TestSparkHealthWithDynamicAllocation(t *testing.T) {
	checkHealth(t, SparkHealth, []healthCase{
		{"scaled up", `{spec: {executor: {instances: 1}, dynamicAllocation: {enabled: true, minExecutors: 1, maxExecutors: 5}}, status: {applicationState: {state: RUNNING}, executorState: {e1: RUNNING, e2: RUNNING, e3: RUNNING}}}`,
			graph.PhaseRunning, 3, 3, "", false},
		{"at its least", `{spec: {executor: {instances: 2}, dynamicAllocation: {enabled: true, minExecutors: 1, maxExecutors: 5}}, status: {applicationState: {state: RUNNING}, executorState: {e1: RUNNING}}}`,
			graph.PhaseRunning, 1, 1, "", false},
		{"below its least", `{spec: {executor: {instances: 2}, dynamicAllocation: {enabled: true, minExecutors: 2, maxExecutors: 5}}, status: {applicationState: {state: RUNNING}, executorState: {e1: RUNNING}}}`,
			graph.PhaseRunning, 1, 2, "starting executors: 1 of 2 running", true},
	})
}
