package e2e

import (
	"os"
	"testing"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// TestMain starts the test cluster, runs the tests and tears the cluster down: see
// harness.Main.
func TestMain(m *testing.M) {
	os.Exit(harness.Main(m))
}

// cluster is the shared test cluster, with the helpers that only one test file uses
// defined on it in that file (those several files use are methods of harness.Cluster).
type cluster struct{ *harness.Cluster }

// setup returns the shared cluster, or skips the test when the run was told to skip.
func setup(t *testing.T) *cluster {
	t.Helper()
	return &cluster{harness.Setup(t)}
}
