package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// componentValues maps each kustomize component to the chart value that turns it on.
var componentValues = map[string]string{
	"spark":           "components.spark",
	"flink":           "components.flink",
	"monitoring":      "components.monitoring",
	"kafka-users":     "components.kafkaUsers",
	"keda":            "components.keda",
	"pod-health":      "components.podHealth",
	"strimzi-v1beta2": "components.strimziV1beta2",
}

// HelmNamespace is the release namespace of the rendered chart, unlike the
// kustomize manifests' sluice-system, so that the comparison sees it replaced.
const HelmNamespace = "sluice-helm"

// The helm binary, found once per run by helmBinary.
var (
	helmOnce sync.Once
	helmPath string
	helmErr  error
)

// helmBinary returns the helm that build-binaries.sh built (TestMain ran the script
// already, so this run only finds it in the cache and prints its directory).
func helmBinary(t *testing.T) string {
	t.Helper()
	helmOnce.Do(func() {
		cmd := exec.Command("bash", "build-binaries.sh")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			helmErr = fmt.Errorf("build-binaries.sh: %w\n%s", err, stderr.String())
			return
		}
		for line := range strings.Lines(stdout.String()) {
			if dir, ok := strings.CutPrefix(strings.TrimSpace(line), "helm="); ok {
				helmPath = filepath.Join(dir, "helm")
			}
		}
		if helmPath == "" {
			helmErr = fmt.Errorf("build-binaries.sh printed no helm= line: %q", stdout.String())
		}
	})
	if helmErr != nil {
		t.Fatal(helmErr)
	}
	return helmPath
}

// Helm runs helm with its home folders inside the test run's temporary directory
// (nothing under $HOME changes) and returns stdout; an error carries stderr.
func (c *Cluster) Helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	home := filepath.Join(c.Dir, "helm-home")
	cmd := exec.Command(helmBinary(t), args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// OfflineChart copies manifests/chart/sluice into a temporary directory without its
// dependency on metacontroller-helm: oci://ghcr.io is out of reach here, and with
// metacontroller.enabled=false the dependency renders nothing anyway. It checks the
// dependency it removes, and returns the copy's path.
func (c *Cluster) OfflineChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sluice")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(c.Repo, "manifests", "chart", "sluice"))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "Chart.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var chart map[string]any
	if err := yaml.Unmarshal(b, &chart); err != nil {
		t.Fatalf("Chart.yaml: %v", err)
	}
	want := []any{map[string]any{
		"name":       "metacontroller-helm",
		"alias":      "metacontroller",
		"version":    "4.17.2",
		"repository": "oci://ghcr.io/metacontroller",
		"condition":  "metacontroller.enabled",
	}}
	if diff := cmp.Diff(want, chart["dependencies"]); diff != "" {
		t.Errorf("Chart.yaml dependencies mismatch (-want +got):\n%s", diff)
	}
	delete(chart, "dependencies")
	if b, err = yaml.Marshal(chart); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ComponentOrder returns every kustomize component in the order a kustomization
// lists them: those of manifests/install/all/kustomization.yaml first, in its order
// (the order in which they append child kinds), then the ones it leaves out.
func (c *Cluster) ComponentOrder(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Repo, "manifests", "install", "all", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Components []string `json:"components"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatalf("manifests/install/all/kustomization.yaml: %v", err)
	}
	var order []string
	for _, p := range k.Components {
		order = append(order, filepath.Base(p))
	}
	for _, name := range SortedKeys(componentValues) {
		if !slices.Contains(order, name) {
			order = append(order, name)
		}
	}
	if len(order) != len(componentValues) {
		t.Fatalf("components %q: want exactly those the chart has values for: %q", order, SortedKeys(componentValues))
	}
	return order
}

// Subsets returns every subset of order, each in order, the empty one first.
func Subsets(order []string) [][]string {
	var out [][]string
	for mask := range 1 << len(order) {
		var s []string
		for i, name := range order {
			if mask&(1<<i) != 0 {
				s = append(s, name)
			}
		}
		out = append(out, s)
	}
	return out
}

// SubsetName names a subset for subtests.
func SubsetName(comps []string) string {
	if len(comps) == 0 {
		return "base"
	}
	return strings.Join(comps, "+")
}

// HelmTemplate renders the chart with Metacontroller off and exactly the given
// components on, plus extra --set values, and returns the objects, CRDs included.
func (c *Cluster) HelmTemplate(t *testing.T, chart, namespace string, comps []string, extra ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", "sluice", chart, "--namespace", namespace, "--include-crds",
		"--set", "metacontroller.enabled=false"}
	for _, name := range SortedKeys(componentValues) {
		args = append(args, "--set", fmt.Sprintf("%s=%t", componentValues[name], slices.Contains(comps, name)))
	}
	for _, e := range extra {
		args = append(args, "--set", e)
	}
	out, err := c.Helm(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := DecodeYAMLDocs([]byte(out))
	if err != nil {
		t.Fatalf("helm template output: %v", err)
	}
	return objs
}
