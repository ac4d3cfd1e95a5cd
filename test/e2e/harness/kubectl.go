package harness

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Kustomization writes a kustomization that includes manifests/base and the named
// components of the repository, and returns its directory. A missing path is an
// error naming it.
func (c *Cluster) Kustomization(comps []string) (string, error) {
	base := filepath.Join(c.Repo, "manifests", "base")
	paths := []string{base}
	for _, comp := range comps {
		paths = append(paths, filepath.Join(c.Repo, "manifests", "components", comp))
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(p, "kustomization.yaml")); err != nil {
			//lint:ignore ST1005 the message starts with a proper name
			return "", fmt.Errorf("Sluice's kustomize layout is incomplete: %w", err)
		}
	}
	dir, err := os.MkdirTemp(c.Dir, "kustomize-")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	fmt.Fprintf(&b, "- %s\n", rel(dir, base))
	if len(comps) > 0 {
		b.WriteString("components:\n")
		for _, p := range paths[1:] {
			fmt.Fprintf(&b, "- %s\n", rel(dir, p))
		}
	}
	return dir, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(b.String()), 0o644)
}

// rel returns target relative to dir: kustomize accepts relative paths everywhere.
func rel(dir, target string) string {
	r, err := filepath.Rel(dir, target)
	if err != nil {
		return target
	}
	return r
}

// Kubectl runs kubectl against the test cluster and returns its stdout; an error carries
// stderr.
func (c *Cluster) Kubectl(args ...string) (string, error) {
	cmd := exec.Command(c.kubectl, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// KubectlOK runs kubectl and fails the test on error.
func (c *Cluster) KubectlOK(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.Kubectl(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kustomized caches the output of `kubectl kustomize` per list of components:
// TestHelmChart and TestRenderedChildrenAreValid both render every subset.
var kustomized sync.Map // "+"-joined components -> []*unstructured.Unstructured

// KustomizeObjects renders manifests/base with the given components, in that order.
func (c *Cluster) KustomizeObjects(t *testing.T, comps []string) []*unstructured.Unstructured {
	t.Helper()
	key := strings.Join(comps, "+")
	cached, ok := kustomized.Load(key)
	if !ok {
		dir, err := c.Kustomization(comps)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := DecodeYAMLDocs([]byte(c.KubectlOK(t, "kustomize", dir)))
		if err != nil {
			t.Fatalf("kubectl kustomize %s: %v", dir, err)
		}
		cached, _ = kustomized.LoadOrStore(key, objs)
	}
	var out []*unstructured.Unstructured
	for _, o := range cached.([]*unstructured.Unstructured) {
		out = append(out, o.DeepCopy())
	}
	return out
}
