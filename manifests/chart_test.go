package manifests

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestChartCRDMatches keeps the Helm chart's copy of the CRD (Helm installs only
// what a chart's crds/ folder holds) byte-identical to crd/.
func TestChartCRDMatches(t *testing.T) {
	const name = "sluice.dev_streamingapplications.yaml"
	want, err := os.ReadFile(filepath.Join("crd", name))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("chart", "sluice", "crds", name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		line := 1 + bytes.Count(want[:commonPrefix(want, got)], []byte("\n"))
		t.Errorf("manifests/chart/sluice/crds/%s differs from manifests/crd/%s from line %d on; "+
			"resync it from the repository root with:\n\tcp manifests/crd/%s manifests/chart/sluice/crds/%s",
			name, name, line, name, name)
	}
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
