package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// TestTwoClusterChildren renders the reference application with a second
// Kafka cluster (TLS, managed users) holding cdr-aggregator's topic, and has
// the API server accept the application and every child strictly under the
// upstream CRDs: the KafkaTopic and KafkaUsers labelled for the second
// cluster, the workloads mounting both clusters' Secrets.
func TestTwoClusterChildren(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	ns := c.NewNamespace(t, "clusters")
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	_ = unstructured.SetNestedSlice(app.Object, []any{map[string]any{
		"name": "analytics", "cluster": "analytics-strimzi", "bootstrapServers": "analytics-strimzi-kafka-bootstrap.kafka:9093",
		"tls":            map[string]any{"caSecret": "analytics-strimzi-cluster-ca-cert"},
		"authentication": map[string]any{"type": "tls", "managed": true},
	}}, "spec", "kafkaClusters")
	spec, _ := app.Object["spec"].(map[string]any)
	outlets, _ := harness.Streamlet(t, spec, "cdr-aggregator")["outlets"].([]any)
	outlets[0].(map[string]any)["topic"] = map[string]any{"cluster": "analytics"}
	if err := c.API.DryRunStrict(harness.Ctx(t), app); err != nil {
		t.Fatalf("the API server refuses the two-cluster application: %v", err)
	}
	b, err := yaml.Marshal(app.Object)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "two-clusters.yaml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	controller, _ := c.InstalledController(t)
	r := c.Render(t, file, controller)
	if r.ExitErr != nil {
		t.Fatalf("sluice render: %v: %v\n%s", r.ExitErr, r.Problems(), r.Stderr)
	}
	onAnalytics := 0
	for _, child := range r.Children {
		child.SetNamespace(ns)
		if err := c.API.DryRunStrict(harness.Ctx(t), child); err != nil {
			t.Errorf("the API server refuses %s %s: %v", child.GetKind(), child.GetName(), err)
		}
		if child.GetLabels()["strimzi.io/cluster"] == "analytics-strimzi" {
			onAnalytics++
		}
	}
	// cdr-aggregator's topic, and the KafkaUsers of cdr-aggregator and
	// console-egress on analytics.
	if onAnalytics != 3 {
		t.Errorf("%d children labelled for cluster analytics-strimzi, want the topic and two KafkaUsers", onAnalytics)
	}
}
