package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// TestHookNetworkPolicy: the component network-policy's NetworkPolicy is
// accepted by the API server, and the chart makes the same policy for the
// Metacontroller it names (for the bundled one, the chart's own labels).
func TestHookNetworkPolicy(t *testing.T) {
	c := setup(t)
	b, err := os.ReadFile(filepath.Join(c.Repo, "manifests", "components", "network-policy", "networkpolicy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := harness.DecodeYAMLDocs(b)
	if err != nil || len(objs) != 1 {
		t.Fatalf("networkpolicy.yaml: %d objects, %v", len(objs), err)
	}
	policy := objs[0]
	ns := c.NewNamespace(t, "netpol")
	policy.SetNamespace(ns)
	if err := c.API.DryRunStrict(harness.Ctx(t), policy); err != nil {
		t.Fatalf("the API server refuses the NetworkPolicy: %v", err)
	}
	chart := c.OfflineChart(t)
	rendered := c.HelmTemplate(t, chart, harness.HelmNamespace, nil,
		"networkPolicy.metacontroller.namespace=metacontroller",
		"networkPolicy.metacontroller.podLabels.app\\.kubernetes\\.io/name=metacontroller-helm",
		"networkPolicy.metacontroller.podLabels.app\\.kubernetes\\.io/instance=metacontroller")
	var fromChart *unstructured.Unstructured
	for _, o := range rendered {
		if o.GetKind() == "NetworkPolicy" {
			fromChart = o
		}
	}
	if fromChart == nil {
		t.Fatal("the chart made no NetworkPolicy for the Metacontroller it was told of")
	}
	if diff := cmp.Diff(policy.Object["spec"], fromChart.Object["spec"]); diff != "" {
		t.Errorf("chart's NetworkPolicy differs from the component's (-component +chart):\n%s", diff)
	}
	for _, o := range c.HelmTemplate(t, chart, harness.HelmNamespace, nil) {
		if o.GetKind() == "NetworkPolicy" {
			t.Error("the chart made a NetworkPolicy without knowing Metacontroller's pods")
		}
	}
}

// TestHookTLSChart: with tls.enabled the chart's CompositeController (every
// hook over https with the Secret's CA as caBundle), Deployment, Service and
// ServiceMonitor are accepted by the API server under the upstream CRDs.
func TestHookTLSChart(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	ns := c.NewNamespace(t, "tls")
	objs := c.HelmTemplate(t, c.OfflineChart(t), ns, []string{"monitoring", "pod-health"}, "tls.enabled=true")
	checked := map[string]bool{}
	for _, o := range objs {
		switch o.GetKind() {
		case "CompositeController":
			hooks, _, _ := unstructured.NestedMap(o.Object, "spec", "hooks")
			for name := range hooks {
				url, _, _ := unstructured.NestedString(o.Object, "spec", "hooks", name, "webhook", "url")
				key, _, _ := unstructured.NestedString(o.Object, "spec", "hooks", name, "webhook", "caBundle", "secretRef", "key")
				if len(url) < 8 || url[:8] != "https://" || key != "ca.crt" {
					t.Errorf("hook %s: url %q, caBundle key %q; want https and ca.crt", name, url, key)
				}
			}
			o.SetName("sluice-tls-" + ns) // a second CompositeController, dry run only
		case "Deployment", "Service", "ServiceMonitor":
		default:
			continue
		}
		if err := c.API.DryRunStrict(harness.Ctx(t), o); err != nil {
			t.Errorf("the API server refuses the chart's %s with tls.enabled: %v", o.GetKind(), err)
		}
		checked[o.GetKind()] = true
	}
	if len(checked) != 4 {
		t.Errorf("checked %v, want the CompositeController, Deployment, Service and ServiceMonitor", checked)
	}
}
