package e2e

import (
	"testing"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// TestKafkaTopicCRDRemovalNeedsRelease checks the admission policy on the
// KafkaTopic CRD: removing it makes the API server delete every KafkaTopic
// without admission (so sluice-keep-topics cannot hold it), and Strimzi would then
// delete the Kafka topics. The removal is refused until the CRD carries
// sluice.dev/deletion: allowed. Server-side dry runs go through admission without
// deleting, so the CRD stays for the other tests. The setup already waited until
// the policy is enforced (waitForPolicies).
func TestKafkaTopicCRDRemovalNeedsRelease(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	const crd = "kafkatopics.kafka.strimzi.io"
	out, err := c.Kubectl("delete", "crd", crd, "--dry-run=server")
	if err == nil {
		t.Fatalf("the API server accepted a dry-run delete of CRD %s: %s", crd, out)
	}
	if !harness.ContainsAll(err.Error(), "sluice-keep-topic-crd", "strimzi.io/managed=false", "sluice.dev/deletion=allowed") {
		t.Errorf("the refusal does not name the policy and say how to release the topics: %v", err)
	}
	t.Logf("refused as expected: %v", err)

	c.KubectlOK(t, "annotate", "crd", crd, "sluice.dev/deletion=allowed")
	defer c.KubectlOK(t, "annotate", "crd", crd, "sluice.dev/deletion-")
	c.KubectlOK(t, "delete", "crd", crd, "--dry-run=server")
}
