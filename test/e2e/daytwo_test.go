package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

var (
	deploymentsGVR   = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	scaledObjectsGVR = schema.GroupVersionResource{Group: "keda.sh", Version: "v1alpha1", Resource: "scaledobjects"}
	triggerAuthsGVR  = schema.GroupVersionResource{Group: "keda.sh", Version: "v1alpha1", Resource: "triggerauthentications"}
)

// dayTwoVariants are the examples with day-two fields: autoscaling of every
// runtime over every Kafka security (none, TLS and SCRAM, TLS client
// authentication), and suspended workloads of every runtime.
func dayTwoVariants(t *testing.T) map[string]func(t *testing.T, spec map[string]any) {
	t.Helper()
	autoscale := func(spec map[string]any, name string, a map[string]any) {
		s := harness.Streamlet(t, spec, name)
		delete(s, "replicas")
		s["autoscaling"] = a
	}
	return map[string]func(t *testing.T, spec map[string]any){
		// TLS and SCRAM: a TriggerAuthentication with the CA and the password,
		// the user name in a ConfigMap; the Flink operator's autoscaler.
		"fraud-scoring": func(t *testing.T, spec map[string]any) {
			autoscale(spec, "enrich", map[string]any{"maxReplicas": int64(6), "lagThreshold": int64(200), "activationLagThreshold": int64(5)})
			autoscale(spec, "score", map[string]any{"minReplicas": int64(2), "maxReplicas": int64(8)})
		},
		// TLS client authentication: a TriggerAuthentication with the CA, the
		// certificate and the key; Spark's dynamic allocation; Flink suspended.
		"clickstream-sessions": func(t *testing.T, spec map[string]any) {
			autoscale(spec, "bot-filter", map[string]any{"minReplicas": int64(0), "maxReplicas": int64(4)})
			autoscale(spec, "metrics", map[string]any{"maxReplicas": int64(5)})
			harness.Streamlet(t, spec, "sessionize")["suspend"] = true
		},
		// No Kafka security: a ScaledObject without authentication, paused
		// while the application is suspended with its Spark applications.
		harness.RefApp: func(t *testing.T, spec map[string]any) {
			autoscale(spec, "merge", map[string]any{"maxReplicas": int64(12)})
			spec["suspend"] = true
		},
	}
}

// TestDayTwoChildrenAreValid: the application with each day-two field is
// accepted by the API server under Sluice's CRD, and every child Sluice
// renders for it — ScaledObjects, TriggerAuthentications, the autoscaler's
// ConfigMap, a FlinkDeployment with the autoscaler's settings and one
// suspended, SparkApplications with dynamic allocation and suspended — is
// accepted strictly under the upstream CRDs (KEDA's among them).
func TestDayTwoChildrenAreValid(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	c.NeedSluice(t)
	controller, listed := c.InstalledController(t)
	seen := map[string]bool{}
	for name, mod := range dayTwoVariants(t) {
		t.Run(name, func(t *testing.T) {
			ns := c.NewNamespace(t, "daytwo")
			app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", name+".yaml"), ns)
			mod(t, app.Object["spec"].(map[string]any))
			if err := c.API.DryRunStrict(harness.Ctx(t), app); err != nil {
				t.Fatalf("the API server refuses %s with day-two fields: %v", name, err)
			}
			file := writeApp(t, app)
			r := c.Render(t, file, controller)
			if r.ExitErr != nil || len(r.Problems()) > 0 {
				t.Fatalf("sluice render: exit %v (%s), problems %q", r.ExitErr, r.Stderr, r.Problems())
			}
			for _, child := range r.Children {
				if err := c.CheckRenderedChild(harness.Ctx(t), child, listed); err != nil {
					t.Errorf("%s: %v", harness.ObjKey(child), err)
				}
				seen[dayTwoShape(child)] = true
			}
		})
	}
	for _, want := range []string{
		"ScaledObject", "ScaledObject paused", "TriggerAuthentication password", "TriggerAuthentication cert",
		"ConfigMap autoscaler", "FlinkDeployment autoscaled", "FlinkDeployment suspended",
		"SparkApplication autoscaled", "SparkApplication suspended", "Deployment at 0",
	} {
		if !seen[want] {
			t.Errorf("no child of the variants is a %s", want)
		}
	}
}

// dayTwoShape says what day-two shape a rendered child has, for
// TestDayTwoChildrenAreValid to check it tried each.
func dayTwoShape(u *unstructured.Unstructured) string {
	kind := u.GetKind()
	switch kind {
	case "ScaledObject":
		if _, paused := u.GetAnnotations()["autoscaling.keda.sh/paused-replicas"]; paused {
			return kind + " paused"
		}
	case "TriggerAuthentication":
		refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "secretTargetRef")
		for _, r := range refs {
			if p := r.(map[string]any)["parameter"]; p == "password" || p == "cert" {
				return kind + " " + p.(string)
			}
		}
	case "ConfigMap":
		if strings.HasSuffix(u.GetName(), "-autoscaler") {
			return kind + " autoscaler"
		}
	case "FlinkDeployment":
		if s, _, _ := unstructured.NestedString(u.Object, "spec", "job", "state"); s == "suspended" {
			return kind + " suspended"
		}
		if on, _, _ := unstructured.NestedString(u.Object, "spec", "flinkConfiguration", "job.autoscaler.enabled"); on == "true" {
			return kind + " autoscaled"
		}
	case "SparkApplication":
		if s, _, _ := unstructured.NestedBool(u.Object, "spec", "suspend"); s {
			return kind + " suspended"
		}
		if on, _, _ := unstructured.NestedBool(u.Object, "spec", "dynamicAllocation", "enabled"); on {
			return kind + " autoscaled"
		}
	case "Deployment":
		if n, _, _ := unstructured.NestedInt64(u.Object, "spec", "replicas"); n == 0 {
			return kind + " at 0"
		}
	}
	return kind
}

func writeApp(t *testing.T, app *unstructured.Unstructured) string {
	t.Helper()
	b, err := yaml.Marshal(app.Object)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), app.GetName()+".yaml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// waitPhase waits until the parent's status has phase, and returns it.
func (c *cluster) waitPhase(t *testing.T, parent *unstructured.Unstructured, phase string) *unstructured.Unstructured {
	t.Helper()
	var live *unstructured.Unstructured
	harness.Poll(t, 2*time.Minute, fmt.Sprintf("%s/%s to be %s", parent.GetNamespace(), parent.GetName(), phase), func() (bool, string) {
		var err error
		live, err = c.API.Dyn.Resource(harness.SappGVR).Namespace(parent.GetNamespace()).Get(harness.Ctx(t), parent.GetName(), metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		got, _, _ := unstructured.NestedString(live.Object, "status", "phase")
		return got == phase, "phase " + got + ": " + harness.MustJSON(live.Object["status"])
	})
	return c.WaitSettled(t, live)
}

// TestSuspendAndResume suspends and resumes the reference application (akka
// and Spark, merge autoscaled by KEDA) and fraud-scoring (akka and Flink)
// through the real Metacontroller: suspending writes only the workloads (and
// pauses the ScaledObject), never a topic, ConfigMap or Service; the status
// reads Suspended once the operators say so (`kubectl get sapp` shows it),
// the Flink streamlet's savepoint with it; resuming writes the workloads
// back to exactly what ran before, and the application runs again.
func TestSuspendAndResume(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	for _, tc := range []struct {
		example string
		mod     func(t *testing.T, spec map[string]any)
		// workloads are the children suspending writes.
		workloads []string
	}{
		{harness.RefApp, func(t *testing.T, spec map[string]any) {
			s := harness.Streamlet(t, spec, "merge")
			delete(s, "replicas")
			s["autoscaling"] = map[string]any{"minReplicas": int64(4), "maxReplicas": int64(12)}
		}, []string{
			"Deployment " + harness.WorkloadName("cdr-ingress"), "Deployment " + harness.WorkloadName("cdr-validator"), "Deployment " + harness.WorkloadName("console-egress"),
			"Deployment " + harness.WorkloadName("error-egress"), "Deployment " + harness.WorkloadName("merge"), "ScaledObject " + harness.WorkloadName("merge"),
			"SparkApplication " + harness.WorkloadName("cdr-aggregator"), "SparkApplication " + harness.WorkloadName("cdr-generator1"), "SparkApplication " + harness.WorkloadName("cdr-generator2"),
		}},
		{"fraud-scoring", nil, []string{
			"Deployment fraud-scoring-alerts", "Deployment fraud-scoring-api", "Deployment fraud-scoring-enrich", "Deployment fraud-scoring-payments",
			"FlinkDeployment fraud-scoring-score",
		}},
	} {
		t.Run(tc.example, func(t *testing.T) {
			ns := c.NewNamespace(t, "suspend")
			app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", tc.example+".yaml"), ns)
			if tc.mod != nil {
				tc.mod(t, app.Object["spec"].(map[string]any))
			}
			if _, err := c.API.CreateStrict(harness.Ctx(t), app); err != nil {
				t.Fatalf("create %s: %v", harness.ObjKey(app), err)
			}
			live := c.WaitSettled(t, app)
			c.ReportWorkloads(t, live)
			live = c.waitPhase(t, live, "Running")
			running := c.Snapshot(t, live)

			live = c.UpdateSpec(t, live, func(t *testing.T, spec map[string]any) { spec["suspend"] = true })
			live = c.WaitSettled(t, live)
			suspended := c.Snapshot(t, live)
			if diff := cmp.Diff(tc.workloads, withoutAlerts(harness.ChangedKeys(running, suspended))); diff != "" {
				t.Errorf("suspending wrote other children than the workloads (-want +got):\n%s", diff)
			}
			c.ReportWorkloads(t, live)
			live = c.waitPhase(t, live, "Suspended")
			suspended = c.Snapshot(t, live) // with the operators' status writes
			for _, s := range mustSlice(t, live, "status", "streamlets") {
				if m := s.(map[string]any); m["phase"] != "Suspended" {
					t.Errorf("streamlet %v is %v, want Suspended", m["name"], m["phase"])
				}
			}
			if ready := harness.Condition(live, "Ready"); ready == nil || ready["status"] != "True" || ready["reason"] != "Suspended" {
				t.Errorf("Ready = %v, want True, reason Suspended", ready)
			}
			if tc.example == "fraud-scoring" {
				sp, _ := harness.StreamletStatus(t, live, "score")["savepoint"].(map[string]any)
				if sp["location"] != "s3://acme-streaming/fraud/score/savepoints/savepoint-e2e" || sp["upgradeMode"] != "savepoint" {
					t.Errorf("score's savepoint status = %v, want the operator's upgrade savepoint and mode savepoint", sp)
				}
			}
			if out := c.KubectlOK(t, "get", "sapp", "-n", ns); !strings.Contains(out, "Suspended") {
				t.Errorf("kubectl get sapp does not show Suspended:\n%s", out)
			}

			live = c.UpdateSpec(t, live, func(t *testing.T, spec map[string]any) { delete(spec, "suspend") })
			live = c.WaitSettled(t, live)
			resumed := c.Snapshot(t, live)
			if diff := cmp.Diff(tc.workloads, withoutAlerts(harness.ChangedKeys(suspended, resumed))); diff != "" {
				t.Errorf("resuming wrote other children than the workloads (-want +got):\n%s", diff)
			}
			for _, key := range tc.workloads {
				if diff := cmp.Diff(running[key].Object["spec"], resumed[key].Object["spec"]); diff != "" {
					t.Errorf("%s resumed differs from what ran before the suspend (-before +resumed):\n%s", key, diff)
				}
				if diff := cmp.Diff(running[key].GetAnnotations(), resumed[key].GetAnnotations(), ignoreLastApplied); diff != "" {
					t.Errorf("%s resumed has other annotations than before (-before +resumed):\n%s", key, diff)
				}
			}
			c.ReportWorkloads(t, live)
			c.waitPhase(t, live, "Running")
		})
	}
}

// withoutAlerts leaves PrometheusRules out of a list of changed children: a
// streamlet's alerts follow whether it runs.
func withoutAlerts(keys []string) []string {
	var out []string
	for _, k := range keys {
		if !strings.HasPrefix(k, "PrometheusRule ") {
			out = append(out, k)
		}
	}
	return out
}

// ignoreLastApplied leaves Metacontroller's last-applied annotation out of a
// comparison of annotations.
var ignoreLastApplied = cmp.Transformer("withoutLastApplied", func(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != "metacontroller.k8s.io/last-applied-configuration" {
			out[k] = v
		}
	}
	return out
})

func mustSlice(t *testing.T, u *unstructured.Unstructured, path ...string) []any {
	t.Helper()
	s, found, err := unstructured.NestedSlice(u.Object, path...)
	if err != nil || !found {
		t.Fatalf("%s: no %s", harness.ObjKey(u), strings.Join(path, "."))
	}
	return s
}

// scale is KEDA's HorizontalPodAutoscaler deciding: it writes a Deployment's
// replicas through the scale subresource, as the HPA does.
func (c *cluster) scale(t *testing.T, ns, name string, replicas int64) {
	t.Helper()
	r := c.API.Dyn.Resource(deploymentsGVR).Namespace(ns)
	for range 5 {
		s, err := r.Get(harness.Ctx(t), name, metav1.GetOptions{}, "scale")
		if err != nil {
			t.Fatal(err)
		}
		_ = unstructured.SetNestedField(s.Object, replicas, "spec", "replicas")
		if _, err = r.Update(harness.Ctx(t), s, metav1.UpdateOptions{}, "scale"); err == nil {
			return
		} else if !apierrors.IsConflict(err) {
			t.Fatalf("scale %s/%s to %d: %v", ns, name, replicas, err)
		}
	}
	t.Fatalf("scale %s/%s: conflicts persisted", ns, name)
}

// replicasHold checks that a Deployment keeps replicas while Metacontroller
// syncs the application (the scale is a child event; the hook also asks for a
// resync while the application is not Ready), and that the application
// then settles with them.
func (c *cluster) replicasHold(t *testing.T, parent *unstructured.Unstructured, name string, replicas int64) *unstructured.Unstructured {
	t.Helper()
	r := c.API.Dyn.Resource(deploymentsGVR).Namespace(parent.GetNamespace())
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		d, err := r.Get(harness.Ctx(t), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); got != replicas {
			t.Fatalf("Deployment %s has %d replicas, want the scaler's %d: the answer undid the scaler's decision", name, got, replicas)
		}
		time.Sleep(250 * time.Millisecond)
	}
	live := c.WaitSettled(t, parent)
	d, err := r.Get(harness.Ctx(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas"); got != replicas {
		t.Fatalf("settled with Deployment %s at %d replicas, want %d", name, got, replicas)
	}
	return live
}

// TestAutoscaledReplicasBelongToTheScaler deploys fraud-scoring with enrich
// autoscaled by KEDA over Kafka TLS and SCRAM through the real Metacontroller:
// the ScaledObject, its TriggerAuthentication and the user name's ConfigMap
// are made (accepted under KEDA's CRDs); the Deployment starts at the
// range's least; each decision of a simulated KEDA (the Deployment's scale
// written) is kept by the next answers; the status reads KEDA's conditions
// and the scaler's count; turning autoscaling off gives the spec's count and
// removes KEDA's children, turning it on keeps what runs.
func TestAutoscaledReplicasBelongToTheScaler(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, "autoscale")
	const app, enrich = "fraud-scoring", "fraud-scoring-enrich"
	parent, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", app+".yaml"), ns)
	s := harness.Streamlet(t, parent.Object["spec"].(map[string]any), "enrich")
	delete(s, "replicas")
	s["autoscaling"] = map[string]any{"minReplicas": int64(2), "maxReplicas": int64(10), "lagThreshold": int64(100)}
	if _, err := c.API.CreateStrict(harness.Ctx(t), parent); err != nil {
		t.Fatalf("create %s: %v", harness.ObjKey(parent), err)
	}
	live := c.WaitSettled(t, parent)
	kids := c.Snapshot(t, live)
	for _, key := range []string{"ScaledObject " + enrich, "TriggerAuthentication " + enrich, "ConfigMap " + enrich + "-autoscaler"} {
		if _, ok := kids[key]; !ok {
			t.Errorf("no %s", key)
		}
	}
	if n, _, _ := unstructured.NestedInt64(kids["Deployment "+enrich].Object, "spec", "replicas"); n != 2 {
		t.Errorf("enrich starts with %d replicas, want the range's least, 2", n)
	}

	// Two decisions of the scaler, each kept.
	c.scale(t, ns, enrich, 7)
	live = c.replicasHold(t, live, enrich, 7)
	c.scale(t, ns, enrich, 3)
	live = c.replicasHold(t, live, enrich, 3)

	// KEDA reports its ScaledObject Ready and Active: the status reads it.
	so, err := c.API.Dyn.Resource(scaledObjectsGVR).Namespace(ns).Get(harness.Ctx(t), enrich, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	so.Object["status"] = map[string]any{"conditions": []any{
		map[string]any{"type": "Ready", "status": "True", "reason": "ScaledObjectReady", "message": "ScaledObject is defined correctly and is ready for scaling"},
		map[string]any{"type": "Active", "status": "True", "reason": "ScalerActive", "message": "Scaling is performed because triggers are active"},
	}}
	if _, err := c.API.Dyn.Resource(scaledObjectsGVR).Namespace(ns).UpdateStatus(harness.Ctx(t), so, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the ScaledObject's status: %v", err)
	}
	harness.Poll(t, time.Minute, "enrich's status to read KEDA's conditions", func() (bool, string) {
		p, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns).Get(harness.Ctx(t), app, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ss := harness.StreamletStatus(t, p, "enrich")
		a, _ := ss["autoscaling"].(map[string]any)
		return a["ready"] == "True" && a["active"] == "True" && ss["expectedReplicas"] == int64(3), harness.MustJSON(ss)
	})
	live = c.WaitSettled(t, live)

	// Off: the spec's count, and KEDA's children go.
	live = c.UpdateSpec(t, live, func(t *testing.T, spec map[string]any) {
		s := harness.Streamlet(t, spec, "enrich")
		delete(s, "autoscaling")
		s["replicas"] = int64(5)
	})
	live = c.WaitSettled(t, live)
	kids = c.Snapshot(t, live)
	if n, _, _ := unstructured.NestedInt64(kids["Deployment "+enrich].Object, "spec", "replicas"); n != 5 {
		t.Errorf("autoscaling off: enrich has %d replicas, want the spec's 5", n)
	}
	for _, key := range []string{"ScaledObject " + enrich, "TriggerAuthentication " + enrich, "ConfigMap " + enrich + "-autoscaler"} {
		if _, ok := kids[key]; ok {
			t.Errorf("autoscaling off: %s is still there", key)
		}
	}
	for _, gvr := range []schema.GroupVersionResource{scaledObjectsGVR, triggerAuthsGVR} {
		if _, err := c.API.Dyn.Resource(gvr).Namespace(ns).Get(harness.Ctx(t), enrich, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("autoscaling off: %s %s: %v, want not found", gvr.Resource, enrich, err)
		}
	}

	// On again while 5 run: the 5 stay (no drop to the range's least, nor
	// to the API server's default of 1).
	live = c.UpdateSpec(t, live, func(t *testing.T, spec map[string]any) {
		s := harness.Streamlet(t, spec, "enrich")
		delete(s, "replicas")
		s["autoscaling"] = map[string]any{"minReplicas": int64(1), "maxReplicas": int64(10)}
	})
	c.replicasHold(t, live, enrich, 5)
}
