package e2e

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

var prometheusRulesGVR = schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "prometheusrules"}

// TestPrometheusRules deploys the reference application through the real
// Metacontroller: a PrometheusRule per streamlet, each accepted strictly
// under the Prometheus operator's CRD and stored as rendered (nothing
// pruned); fraud-scoring's (spec.metrics) carry the scrape alerts and are
// accepted too; removing a streamlet removes its alerts.
func TestPrometheusRules(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	controllerFile, listed := c.InstalledController(t)
	if !listed["PrometheusRule.monitoring.coreos.com/v1"] {
		t.Fatalf("the installed CompositeController does not list PrometheusRule (it lists %v)", harness.SortedKeys(listed))
	}
	ns := c.NewNamespace(t, "alerts")
	app, path := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	rendered := map[string]map[string]any{}
	for _, child := range c.Render(t, path, controllerFile).Children {
		if child.GetKind() != "PrometheusRule" {
			continue
		}
		if err := c.API.DryRunStrict(harness.Ctx(t), child); err != nil {
			t.Errorf("the API server refuses PrometheusRule %s: %v", child.GetName(), err)
		}
		rendered[child.GetName()] = child.Object["spec"].(map[string]any)
	}
	spec, _ := app.Object["spec"].(map[string]any)
	list, _ := spec["streamlets"].([]any)
	var want []string
	for _, s := range list {
		want = append(want, harness.WorkloadName(s.(map[string]any)["name"].(string)))
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(rendered))); diff != "" {
		t.Fatalf("rendered PrometheusRules, one per streamlet, mismatch (-want +got):\n%s", diff)
	}

	if _, err := c.API.CreateStrict(harness.Ctx(t), app); err != nil {
		t.Fatalf("create %s: %v", harness.ObjKey(app), err)
	}
	live := c.WaitSettled(t, app)
	rules := c.API.Dyn.Resource(prometheusRulesGVR).Namespace(ns)
	stored, err := rules.List(harness.Ctx(t), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range stored.Items {
		got = append(got, r.GetName())
		if diff := cmp.Diff(rendered[r.GetName()], r.Object["spec"]); diff != "" {
			t.Errorf("PrometheusRule %s: the stored spec differs from the rendered one (-rendered +stored):\n%s", r.GetName(), diff)
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PrometheusRules made by Metacontroller mismatch (-want +got):\n%s", diff)
	}

	// spec.metrics: every streamlet's alerts watch its scrape target too.
	fsNS := c.NewNamespace(t, "alerts-metrics")
	_, fsPath := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", "fraud-scoring.yaml"), fsNS)
	n := 0
	for _, child := range c.Render(t, fsPath, controllerFile).Children {
		if child.GetKind() != "PrometheusRule" {
			continue
		}
		n++
		if err := c.API.DryRunStrict(harness.Ctx(t), child); err != nil {
			t.Errorf("the API server refuses PrometheusRule %s: %v", child.GetName(), err)
		}
		if b := harness.MustJSON(child.Object["spec"]); !strings.Contains(b, "SluiceStreamletScrapeTargetDown") {
			t.Errorf("PrometheusRule %s of an application with spec.metrics has no scrape alert", child.GetName())
		}
	}
	if n == 0 {
		t.Error("fraud-scoring rendered no PrometheusRule")
	}

	// Removing console-egress removes its alerts.
	live = c.UpdateSpec(t, live, func(t *testing.T, spec map[string]any) {
		list, _ := spec["streamlets"].([]any)
		spec["streamlets"] = slices.DeleteFunc(list, func(s any) bool { return s.(map[string]any)["name"] == "console-egress" })
		conns, _ := spec["connections"].([]any)
		spec["connections"] = slices.DeleteFunc(conns, func(c any) bool { return c.(map[string]any)["from"] == "cdr-aggregator.out" })
	})
	c.WaitSettled(t, live)
	if _, err := rules.Get(harness.Ctx(t), harness.WorkloadName("console-egress"), metav1.GetOptions{}); err == nil {
		t.Error("the removed streamlet's PrometheusRule is still there")
	}
}
