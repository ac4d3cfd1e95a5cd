package manifests

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
)

// upstreamCRD reads one of the operators' CRDs from the shared folder
// (SLUICE_SHARED, by default <repo>/../shared, as in test/e2e), skipping the
// test where it is absent.
func upstreamCRD(t *testing.T, file string) []byte {
	t.Helper()
	shared := os.Getenv("SLUICE_SHARED")
	if shared == "" {
		shared = filepath.Join("..", "..", "shared")
	}
	path := filepath.Join(shared, "crds", file)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("upstream CRD %s absent (set SLUICE_SHARED to the folder holding crds/)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFlinkVersionsMatchTheOperator holds graph.FlinkVersions (and with it,
// through TestSchemaEnumsMatchGoConstants, the parent CRD's enums) equal to
// the enum of FlinkDeployment's spec.flinkVersion in the Flink operator's CRD.
func TestFlinkVersionsMatchTheOperator(t *testing.T) {
	var crd struct {
		Spec struct {
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema struct {
						Properties struct {
							Spec struct {
								Properties struct {
									FlinkVersion struct {
										Enum []string `json:"enum"`
									} `json:"flinkVersion"`
								} `json:"properties"`
							} `json:"spec"`
						} `json:"properties"`
					} `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(upstreamCRD(t, "flink.apache.org_flinkdeployments.yaml"), &crd); err != nil {
		t.Fatalf("decode the FlinkDeployment CRD: %v", err)
	}
	var upstream []string
	for _, v := range crd.Spec.Versions {
		if v.Name == "v1beta1" {
			upstream = v.Schema.OpenAPIV3Schema.Properties.Spec.Properties.FlinkVersion.Enum
		}
	}
	if len(upstream) == 0 {
		t.Fatal("no enum of spec.flinkVersion in version v1beta1 of the FlinkDeployment CRD")
	}
	if diff := cmp.Diff(upstream, graph.FlinkVersions); diff != "" {
		t.Errorf("graph.FlinkVersions differs from the Flink operator's spec.flinkVersion enum (-upstream +graph):\n%s", diff)
	}
}
