package graph

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// autoscaled gives a streamlet of the base fixture autoscaling.
func autoscaled(t *testing.T, name string, a Autoscaling) func(*StreamingApplication) {
	return func(app *StreamingApplication) {
		s := streamlet(t, app, name)
		s.Replicas = nil
		s.Autoscaling = &a
	}
}

// TestAutoscalingProblems has one case per thing autoscaling refuses, per
// runtime; each names the field at fault and says what is wrong.
func TestAutoscalingProblems(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*StreamingApplication)
		err  error
		path string
		want string // a substring of the problem's text
	}{
		{"akka without maxReplicas", autoscaled(t, "egress", Autoscaling{}), ErrRequired,
			"spec.streamlets[egress].autoscaling.maxReplicas", "the most replicas"},
		{"negative minimum", autoscaled(t, "egress", Autoscaling{MinReplicas: ptr(int32(-1)), MaxReplicas: 3}), ErrBadValue,
			"spec.streamlets[egress].autoscaling.minReplicas", "cannot be negative"},
		{"minimum above maximum", autoscaled(t, "egress", Autoscaling{MinReplicas: ptr(int32(5)), MaxReplicas: 3}), ErrBadValue,
			"spec.streamlets[egress].autoscaling.minReplicas", "5 is above maxReplicas 3"},
		{"replicas outside the range", func(a *StreamingApplication) {
			autoscaled(t, "egress", Autoscaling{MaxReplicas: 3})(a)
			streamlet(t, a, "egress").Replicas = ptr(int32(8))
		}, ErrBadValue, "spec.streamlets[egress].replicas", "8 is outside autoscaling's 1 to 3"},
		{"akka without inlets", autoscaled(t, "ingress", Autoscaling{MaxReplicas: 3}), ErrNotAllowed,
			"spec.streamlets[ingress].autoscaling", "streamlet ingress has no inlet: it cannot scale on consumer lag"},
		{"zero lag threshold", autoscaled(t, "egress", Autoscaling{MaxReplicas: 3, LagThreshold: ptr(int64(0))}), ErrBadValue,
			"spec.streamlets[egress].autoscaling.lagThreshold", "at least 1"},
		{"negative activation threshold", autoscaled(t, "egress", Autoscaling{MaxReplicas: 3, ActivationLagThreshold: ptr(int64(-5))}), ErrBadValue,
			"spec.streamlets[egress].autoscaling.activationLagThreshold", "cannot be negative"},
		{"flink at parallelism 0", autoscaled(t, "score", Autoscaling{MinReplicas: ptr(int32(0)), MaxReplicas: 4}), ErrBadValue,
			"spec.streamlets[score].autoscaling.minReplicas", "parallelism is at least 1"},
		{"flink with a lag threshold", autoscaled(t, "score", Autoscaling{MaxReplicas: 4, LagThreshold: ptr(int64(100))}), ErrNotAllowed,
			"spec.streamlets[score].autoscaling.lagThreshold", "busy time and backlog"},
		{"flink autoscaler keys set by hand", func(a *StreamingApplication) {
			autoscaled(t, "score", Autoscaling{MaxReplicas: 4})(a)
			a.Spec.Runtimes.Flink.FlinkConfiguration = map[string]string{"job.autoscaler.vertex.max-parallelism": "8", "job.autoscaler.target.utilization": "0.6"}
		}, ErrNotAllowed, "spec.streamlets[score].flink.flinkConfiguration", `"job.autoscaler.vertex.max-parallelism" is set by autoscaling`},
		{"flink autoscaler under the old prefix", func(a *StreamingApplication) {
			autoscaled(t, "score", Autoscaling{MaxReplicas: 4})(a)
			streamlet(t, a, "score").Flink = &FlinkSettings{FlinkConfiguration: map[string]string{"kubernetes.operator.job.autoscaler.enabled": "false"}}
		}, ErrNotAllowed, "spec.streamlets[score].flink.flinkConfiguration", `"kubernetes.operator.job.autoscaler.enabled"`},
		{"flink before 1.17", func(a *StreamingApplication) {
			autoscaled(t, "score", Autoscaling{MaxReplicas: 4})(a)
			a.Spec.Runtimes.Flink.Version = "v1_16"
		}, ErrNotAllowed, "spec.streamlets[score].autoscaling", "needs Flink 1.17 or later"},
		{"spark with an activation threshold", autoscaled(t, "report", Autoscaling{MaxReplicas: 4, ActivationLagThreshold: ptr(int64(1))}), ErrNotAllowed,
			"spec.streamlets[report].autoscaling.activationLagThreshold", "dynamic allocation"},
		{"spark dynamic allocation set by hand", func(a *StreamingApplication) {
			autoscaled(t, "report", Autoscaling{MaxReplicas: 4})(a)
			a.Spec.Runtimes.Spark.SparkConf = map[string]string{"spark.dynamicAllocation.maxExecutors": "9"}
		}, ErrNotAllowed, "spec.streamlets[report].spark.sparkConf", `"spark.dynamicAllocation.maxExecutors" is set by autoscaling`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := Validate(with(tc.mod))
			for _, p := range problems {
				if p.Path == tc.path && errors.Is(p, tc.err) && strings.Contains(p.Error(), tc.want) {
					return
				}
			}
			t.Errorf("no %v problem at %s containing %q; got:\n%v", tc.err, tc.path, tc.want, problems)
		})
	}
}

// TestAutoscalingAccepted: the ranges each runtime takes, and what the user
// may still tune of the runtime's autoscaler.
func TestAutoscalingAccepted(t *testing.T) {
	for name, mod := range map[string]func(*StreamingApplication){
		"akka scaled to zero": autoscaled(t, "egress", Autoscaling{MinReplicas: ptr(int32(0)), MaxReplicas: 6, LagThreshold: ptr(int64(500)), ActivationLagThreshold: ptr(int64(50))}),
		"akka with a starting size": func(a *StreamingApplication) {
			autoscaled(t, "egress", Autoscaling{MaxReplicas: 6})(a)
			streamlet(t, a, "egress").Replicas = ptr(int32(4))
		},
		"spark from zero": autoscaled(t, "report", Autoscaling{MinReplicas: ptr(int32(0)), MaxReplicas: 6}),
		"flink tuned": func(a *StreamingApplication) {
			autoscaled(t, "score", Autoscaling{MinReplicas: ptr(int32(2)), MaxReplicas: 12})(a)
			a.Spec.Runtimes.Flink.FlinkConfiguration = map[string]string{"job.autoscaler.target.utilization": "0.6"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			if problems := Validate(with(mod)); len(problems) > 0 {
				t.Errorf("problems:\n%v", problems)
			}
		})
	}
}

// TestAutoscalingResolved: the blueprint holds every value final — KEDA's
// defaults for akka, none for the others — and the starting size.
func TestAutoscalingResolved(t *testing.T) {
	bp, problems := Resolve(with(
		autoscaled(t, "egress", Autoscaling{MinReplicas: ptr(int32(0)), MaxReplicas: 6}),
		autoscaled(t, "report", Autoscaling{MinReplicas: ptr(int32(0)), MaxReplicas: 5}),
		autoscaled(t, "score", Autoscaling{MaxReplicas: 8}),
		func(a *StreamingApplication) { streamlet(t, a, "score").Replicas = ptr(int32(3)) },
	))
	if len(problems) > 0 {
		t.Fatalf("problems:\n%v", problems)
	}
	type got struct {
		Replicas int32
		Scaler   *Autoscaler
	}
	gotAll := map[string]got{}
	for _, s := range bp.Streamlets {
		gotAll[s.Name] = got{s.Replicas, s.Autoscaling}
	}
	want := map[string]got{
		"egress":  {0, &Autoscaler{MinReplicas: 0, MaxReplicas: 6, LagThreshold: 10, ActivationLagThreshold: 0}},
		"report":  {1, &Autoscaler{MinReplicas: 0, MaxReplicas: 5}}, // the Spark operator needs an executor to start
		"score":   {3, &Autoscaler{MinReplicas: 1, MaxReplicas: 8}},
		"ingress": {1, nil},
	}
	if diff := cmp.Diff(want, gotAll); diff != "" {
		t.Errorf("replicas and autoscaling mismatch (-want +got):\n%s", diff)
	}
}

// TestSuspendResolved: spec.suspend suspends every streamlet, a streamlet's
// own suspend only itself.
func TestSuspendResolved(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*StreamingApplication)
		want map[string]bool
	}{
		{"nothing suspended", func(*StreamingApplication) {}, map[string]bool{"egress": false, "ingress": false, "report": false, "score": false}},
		{"the application", func(a *StreamingApplication) { a.Spec.Suspend = true }, map[string]bool{"egress": true, "ingress": true, "report": true, "score": true}},
		{"one streamlet", func(a *StreamingApplication) { streamlet(t, a, "score").Suspend = true }, map[string]bool{"egress": false, "ingress": false, "report": false, "score": true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bp, problems := Resolve(with(tc.mod))
			if len(problems) > 0 {
				t.Fatalf("problems:\n%v", problems)
			}
			got := map[string]bool{}
			for _, s := range bp.Streamlets {
				got[s.Name] = s.Suspended
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("suspended mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
