package e2e

import (
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

var flinkDeploymentsGVR = schema.GroupVersionResource{Group: "flink.apache.org", Version: "v1beta1", Resource: "flinkdeployments"}

// TestPluginSavepoint: `kubectl sluice savepoint APP STREAMLET` raises the
// Flink streamlet's savepointTriggerNonce, which reaches the FlinkDeployment's
// job.savepointTriggerNonce through the real Metacontroller (the Flink
// operator then takes the savepoint); a streamlet that is not Flink is
// refused by name.
func TestPluginSavepoint(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, "plugin-savepoint")
	_, file := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", "fraud-scoring.yaml"), ns)
	harness.Expect(t, c.SluicePlugin(t, "deploy", file), 0, "has started.")
	parents := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns)
	live, err := parents.Get(harness.Ctx(t), "fraud-scoring", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.WaitSettled(t, live)

	harness.Expect(t, c.SluicePlugin(t, "savepoint", "fraud-scoring", "enrich", "-n", ns), 2, "runs on akka; only Flink streamlets take savepoints")
	for want := int64(1); want <= 2; want++ {
		harness.Expect(t, c.SluicePlugin(t, "savepoint", "fraud-scoring", "score", "-n", ns), 0,
			"[Done] Savepoint of streamlet score in application fraud-scoring asked for")
		live, err = parents.Get(harness.Ctx(t), "fraud-scoring", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c.WaitSettled(t, live)
		fd, err := c.API.Dyn.Resource(flinkDeploymentsGVR).Namespace(ns).Get(harness.Ctx(t), "fraud-scoring-score", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := unstructured.NestedInt64(fd.Object, "spec", "job", "savepointTriggerNonce"); got != want {
			t.Errorf("FlinkDeployment job.savepointTriggerNonce %d, want %d", got, want)
		}
	}
}
