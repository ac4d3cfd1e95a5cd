package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// combination is a set of Sluice's kustomize components installed beside the base.
type combination struct {
	name       string
	components []string
}

// combinations are the installation shapes every example is rendered for.
var combinations = []combination{
	{"base", nil},
	{"spark", []string{"spark"}},
	{"flink", []string{"flink"}},
	{"monitoring", []string{"monitoring"}},
	{"all", components},
}

// renderChildren runs `sluice render -o json [--controller FILE] EXAMPLE` and returns
// the status and the children it prints. Without a controller file, sluice uses the
// CompositeController of manifests/ with every component enabled.
func (c *cluster) renderChildren(t *testing.T, example, controllerFile string) (map[string]any, []*unstructured.Unstructured) {
	t.Helper()
	c.needSluice(t)
	args := []string{"render", "-o", "json"}
	if controllerFile != "" {
		args = append(args, "--controller", controllerFile)
	}
	args = append(args, example)
	cmd := exec.Command(c.sluice, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// The output is the hook's answer: status and children, plus what an answer may
	// carry beside them. Nothing else is accepted.
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	var out struct {
		Status             json.RawMessage   `json:"status"`
		Children           []json.RawMessage `json:"children"`
		ResyncAfterSeconds *float64          `json:"resyncAfterSeconds"`
		Finalized          *bool             `json:"finalized"`
	}
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("sluice %s: %v: want {\"status\":…,\"children\":[…]} on stdout: %v\n%s", strings.Join(args, " "), runErr, err, stderr.String())
	}
	if out.Children == nil {
		t.Fatalf("sluice %s: the output has no children list", strings.Join(args, " "))
	}
	if runErr != nil {
		// render reports problems of the blueprint with a non-zero exit and still prints
		// the answer (the status says what is wrong).
		t.Logf("sluice %s: %v: %s", strings.Join(args, " "), runErr, strings.TrimSpace(stderr.String()))
	}
	var status map[string]any
	if err := k8sjson.Unmarshal(out.Status, &status); err != nil {
		t.Fatalf("sluice render: status: %v", err)
	}
	var children []*unstructured.Unstructured
	for i, raw := range out.Children {
		var m map[string]any
		if err := k8sjson.Unmarshal(raw, &m); err != nil {
			t.Fatalf("sluice render: children[%d]: %v", i, err)
		}
		children = append(children, &unstructured.Unstructured{Object: m})
	}
	return status, children
}

// controllerFile renders base + comps with `kubectl kustomize`, extracts the
// CompositeController and writes it to a file, returning its path and the object.
func (c *cluster) controllerFile(t *testing.T, comb combination) (string, *unstructured.Unstructured) {
	t.Helper()
	dir, err := c.kustomization(comb.components)
	if err != nil {
		t.Fatal(err)
	}
	out := c.kubectlOK(t, "kustomize", dir)
	objs, err := decodeYAMLDocs([]byte(out))
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "CompositeController" {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("kustomize output of base + %v holds %d CompositeControllers, want 1", comb.components, len(found))
	}
	b, err := yaml.Marshal(found[0].Object)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "compositecontroller.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, found[0]
}

// decodeYAMLDocs decodes a multi-document YAML stream into objects, with numbers as
// int64 or float64 like objects read from the API server.
func decodeYAMLDocs(b []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []*unstructured.Unstructured
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := k8sjson.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		if len(m) > 0 {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
}

// examples returns the paths of manifests/examples/*.yaml; none is a failure.
func (c *cluster) examples(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(c.repo, "manifests", "examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no examples in %s", filepath.Join(c.repo, "manifests", "examples"))
	}
	return paths
}

// loadExample reads the one StreamingApplication of an example file.
func loadExample(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeYAMLDocs(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var apps []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "StreamingApplication" {
			apps = append(apps, o)
		}
	}
	if len(apps) != 1 {
		t.Fatalf("%s holds %d StreamingApplications, want 1", path, len(apps))
	}
	return apps[0]
}

// exampleIn loads an example and moves it into namespace; it returns the object and
// the path of a file holding it (for `sluice render`).
func (c *cluster) exampleIn(t *testing.T, path, namespace string) (*unstructured.Unstructured, string) {
	t.Helper()
	app := loadExample(t, path)
	app.SetNamespace(namespace)
	b, err := yaml.Marshal(app.Object)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return app, file
}

func exampleName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// TestRenderedChildrenAreValid is the primary check: every child that `sluice render`
// produces for every example, under every installation shape, is accepted by the API
// server with dryRun=All and fieldValidation=Strict (upstream schemas, unknown
// fields, CEL rules, admission policies), and is of a kind the CompositeController of
// that shape lists with exactly that apiVersion.
func TestRenderedChildrenAreValid(t *testing.T) {
	c := setup(t)
	c.needManifests(t)
	c.needSluice(t)
	examples := c.examples(t)
	namespaces := map[string]string{}
	for _, ex := range examples {
		namespaces[ex] = c.newNamespace(t, "render")
	}
	for _, comb := range combinations {
		t.Run(comb.name, func(t *testing.T) {
			file, controller := c.controllerFile(t, comb)
			kinds, err := c.api.childKinds(controller)
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]bool{}
			for _, k := range kinds {
				listed[childKey(k)] = true
			}
			for _, ex := range examples {
				t.Run(exampleName(ex), func(t *testing.T) {
					_, path := c.exampleIn(t, ex, namespaces[ex])
					status, children := c.renderChildren(t, path, file)
					if len(children) == 0 {
						t.Fatalf("render produced no children; status: %v", status)
					}
					for _, child := range children {
						if key := childKey(child.GroupVersionKind()); !listed[key] {
							t.Errorf("%s: kind %s is not listed by the CompositeController of %s (lists %v)",
								objKey(child), key, comb.name, sortedKeys(listed))
							continue
						}
						if err := c.api.dryRunStrict(ctx(t), child); err != nil {
							t.Errorf("%s refused by the API server: %v", objKey(child), err)
						}
					}
					t.Logf("%d children valid", len(children))
				})
			}
		})
	}
}

// TestExamplesRoundTrip creates every example for real and reads it back: the API
// server must keep every field of the spec as written (nothing pruned or rewritten;
// defaults it adds are reported, not failed).
func TestExamplesRoundTrip(t *testing.T) {
	c := setup(t)
	c.needManifests(t)
	for _, ex := range c.examples(t) {
		t.Run(exampleName(ex), func(t *testing.T) {
			ns := c.newNamespace(t, "roundtrip")
			app, _ := c.exampleIn(t, ex, ns)
			if _, err := c.api.createStrict(ctx(t), app); err != nil {
				t.Fatalf("create %s: %v", objKey(app), err)
			}
			got, err := c.api.dyn.Resource(sappGVR).Namespace(ns).Get(ctx(t), app.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := app.Object["spec"]
			if diff := cmp.Diff(want, project(got.Object["spec"], want)); diff != "" {
				t.Errorf("spec changed by the API server (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, got.Object["spec"]); diff != "" {
				t.Logf("defaults added by the API server (-written +stored):\n%s", diff)
			}
		})
	}
}

// project returns got restricted to the shape of want: map keys want lacks are
// dropped, lists are projected element by element.
func project(got, want any) any {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := map[string]any{}
		for k, wv := range w {
			if gv, ok := g[k]; ok {
				out[k] = project(gv, wv)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = project(g[i], w[i])
		}
		return out
	default:
		return got
	}
}

// TestExamplesDeploy deploys every example for real through the Metacontroller
// stand-in (real creates of every child) and checks `kubectl get sapp` shows the
// printer columns of the installed CRD with the status the hook wrote.
func TestExamplesDeploy(t *testing.T) {
	c := setup(t)
	c.needManifests(t)
	c.needSluice(t)
	crd := c.kubectlOK(t, "get", "crd", "streamingapplications.sluice.dev", "-o", "json")
	var def struct {
		Spec struct {
			Versions []struct {
				Name    string `json:"name"`
				Columns []struct {
					Name string `json:"name"`
				} `json:"additionalPrinterColumns"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(crd), &def); err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"NAME"}
	for _, v := range def.Spec.Versions {
		if v.Name != sappGVR.Version {
			continue
		}
		for _, col := range v.Columns {
			wantHeader = append(wantHeader, strings.ToUpper(col.Name))
		}
	}
	for _, want := range []string{"PHASE", "READY", "AGE"} {
		if !slices.Contains(wantHeader, want) {
			t.Errorf("the StreamingApplication CRD has no printer column %s (columns %v)", want, wantHeader)
		}
	}
	for _, ex := range c.examples(t) {
		t.Run(exampleName(ex), func(t *testing.T) {
			ns := c.newNamespace(t, "deploy")
			app, _ := c.exampleIn(t, ex, ns)
			if _, err := c.api.createStrict(ctx(t), app); err != nil {
				t.Fatalf("create %s: %v", objKey(app), err)
			}
			live := c.syncUntilStable(t, app)
			if live == nil {
				t.Fatal("the application disappeared")
			}
			out := c.kubectlOK(t, "get", "sapp", "-n", ns)
			rows := lines(out)
			if len(rows) != 2 {
				t.Fatalf("kubectl get sapp -n %s: want a header and one row, got:\n%s", ns, out)
			}
			header := columns(rows[0])
			if diff := cmp.Diff(wantHeader, header); diff != "" {
				t.Errorf("printer columns mismatch (-want +got):\n%s", diff)
			}
			row := columns(rows[1])
			phase, _, _ := unstructured.NestedString(live.Object, "status", "phase")
			ready, _, _ := unstructured.NestedString(live.Object, "status", "streamletsReady")
			if !regexp.MustCompile(`^\d+/\d+$`).MatchString(ready) {
				t.Errorf("status.streamletsReady = %q, want N/M", ready)
			}
			wantRow := map[string]string{"NAME": app.GetName(), "PHASE": phase, "READY": ready}
			gotRow := map[string]string{}
			for i, h := range header {
				if _, ok := wantRow[h]; ok && i < len(row) {
					gotRow[h] = row[i]
				}
			}
			if diff := cmp.Diff(wantRow, gotRow); diff != "" {
				t.Errorf("kubectl get sapp row mismatch (-want +got):\n%s\n%s", diff, out)
			}
			t.Logf("%s", out)
		})
	}
}

// columns splits a kubectl table line on runs of two or more spaces.
func columns(line string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

// mustJSON renders v for failure messages.
func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
