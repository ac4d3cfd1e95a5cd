package e2e

import (
	"github.com/sluice-dev/sluice/test/e2e/harness"

	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// newNamespace creates a uniquely named namespace for one test. Namespaces are not
// deleted afterwards: the cluster lives only as long as the run, and a namespace
// holding managed topics could not be deleted anyway.
func (c *Cluster) NewNamespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%s", prefix, harness.RandSuffix())
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
	if _, err := c.API.CreateStrict(harness.Ctx(t), ns); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}
