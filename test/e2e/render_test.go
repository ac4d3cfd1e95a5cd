package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// combination is a set of Sluice's kustomize components installed beside the base.
type combination struct {
	name       string
	components []string
}

// allComponents lists the kustomize components of manifests/components that shape
// the CompositeController (those with a patch.yaml: child kinds and hooks) in the
// order TestHelmChart uses (so the two share kustomize's output), failing when that
// order misses one. Components that only add objects of their own (network-policy,
// topic-grants) have tests of their own.
func (c *cluster) allComponents(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(c.Repo, "manifests", "components", "*", "patch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range dirs {
		found = append(found, filepath.Base(filepath.Dir(d)))
	}
	order := c.ComponentOrder(t)
	if diff := cmp.Diff(found, slices.Sorted(slices.Values(order))); diff != "" {
		t.Fatalf("manifests/components and the components the chart knows differ (-folders +chart):\n%s", diff)
	}
	return order
}

// controllerFile renders base + comps with `kubectl kustomize`, extracts the
// CompositeController and writes it to a file, returning its path and the object.
func (c *cluster) controllerFile(t *testing.T, comb combination) (string, *unstructured.Unstructured) {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, o := range c.KustomizeObjects(t, comb.components) {
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
	path := filepath.Join(t.TempDir(), "compositecontroller.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, found[0]
}

// examples returns the paths of manifests/examples/*.yaml; none is a failure.
func (c *cluster) examples(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(c.Repo, "manifests", "examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no examples in %s", filepath.Join(c.Repo, "manifests", "examples"))
	}
	return paths
}

func exampleName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// TestRenderedChildrenAreValid is the primary check. For every example and every
// installation shape (each subset of manifests/components, the CompositeController
// `kubectl kustomize` makes for it), `sluice render`:
//   - makes exactly the children it makes under every component, less those of kinds
//     the shape's CompositeController does not list;
//   - exits 0 with no status problem when the shape lists every kind the example
//     needs, and otherwise exits non-zero with a status problem naming each kind
//     the shape lacks, and no other problem (a kind no application asks for,
//     harness.OptionalKinds, is never missing);
//   - passes CheckRenderedChild for every child (listed kind and apiVersion, strict
//     dry-run create, no warning).
func TestRenderedChildrenAreValid(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	c.NeedSluice(t)
	comps := c.allComponents(t)
	type reference struct {
		name, path string
		needs      []string            // kinds rendered under every component
		children   map[string][]string // kind -> "Kind name" rendered under every component
	}
	var refs []reference
	fullFile, _ := c.controllerFile(t, combination{"all", comps})
	for _, ex := range c.examples(t) {
		_, path := c.ExampleIn(t, ex, c.NewNamespace(t, "render"))
		r := c.Render(t, path, fullFile)
		if r.ExitErr != nil || len(r.Problems()) > 0 {
			t.Errorf("%s under every component (%v): sluice render: exit %v (%s), status problems %q; want exit 0 and none",
				exampleName(ex), comps, r.ExitErr, r.Stderr, r.Problems())
		}
		ref := reference{name: exampleName(ex), path: path, children: map[string][]string{}}
		for _, child := range r.Children {
			if _, seen := ref.children[child.GetKind()]; !seen {
				ref.needs = append(ref.needs, child.GetKind())
			}
			ref.children[child.GetKind()] = append(ref.children[child.GetKind()], child.GetKind()+" "+child.GetName())
		}
		slices.Sort(ref.needs)
		refs = append(refs, ref)
	}
	for _, set := range harness.Subsets(comps) {
		comb := combination{harness.SubsetName(set), set}
		t.Run(comb.name, func(t *testing.T) {
			t.Parallel()
			file, controller := c.controllerFile(t, comb)
			listed := c.ListedKinds(t, controller)
			listedKind := map[string]bool{}
			for key := range listed {
				kind, _, _ := strings.Cut(key, ".")
				listedKind[kind] = true
			}
			for _, ref := range refs {
				t.Run(ref.name, func(t *testing.T) {
					r := c.Render(t, ref.path, file)
					var missing, want []string
					for _, kind := range ref.needs {
						switch {
						case listedKind[kind]:
							want = append(want, ref.children[kind]...)
						case !harness.OptionalKinds[kind]:
							missing = append(missing, kind)
						}
					}
					slices.Sort(want)
					if diff := cmp.Diff(want, r.Names()); diff != "" {
						t.Errorf("children differ from those under every component less the kinds %v this shape does not list (-want +got):\n%s", missing, diff)
					}
					problems := r.Problems()
					if len(missing) == 0 {
						if r.ExitErr != nil || len(problems) > 0 {
							t.Errorf("the shape lists every kind the example needs, yet sluice render exited %v (%s) with status problems %q; want exit 0 and none",
								r.ExitErr, r.Stderr, problems)
						}
					} else if r.ExitErr == nil {
						t.Errorf("the shape lacks %v, yet sluice render exited 0", missing)
					}
					for _, kind := range missing {
						if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, kind) }) {
							t.Errorf("the example needs %s (rendered under every component), the shape does not list it, and no status problem says so; problems: %q",
								kind, problems)
						}
					}
					for _, p := range problems {
						if !slices.ContainsFunc(missing, func(kind string) bool { return strings.Contains(p, kind) }) {
							t.Errorf("status problem %q names none of the kinds this shape lacks (%v)", p, missing)
						}
					}
					for _, child := range r.Children {
						if err := c.CheckRenderedChild(harness.Ctx(t), child, listed); err != nil {
							t.Errorf("%s: %v", harness.ObjKey(child), err)
						}
					}
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
	c.NeedManifests(t)
	for _, ex := range c.examples(t) {
		t.Run(exampleName(ex), func(t *testing.T) {
			ns := c.NewNamespace(t, "roundtrip")
			app, _ := c.ExampleIn(t, ex, ns)
			if _, err := c.API.CreateStrict(harness.Ctx(t), app); err != nil {
				t.Fatalf("create %s: %v", harness.ObjKey(app), err)
			}
			got, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns).Get(harness.Ctx(t), app.GetName(), metav1.GetOptions{})
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

// TestExamplesDeploy deploys every example for real through the real Metacontroller
// and waits until it settles: the children it made are by kind and name
// those `sluice render` makes for the example under the installed
// CompositeController, the live status says BlueprintValid=True, and `kubectl get
// sapp` shows the printer columns of the installed CRD with the status the hook
// wrote.
func TestExamplesDeploy(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	controllerFile, _ := c.InstalledController(t)
	crd := c.KubectlOK(t, "get", "crd", "streamingapplications.sluice.dev", "-o", "json")
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
		if v.Name != harness.SappGVR.Version {
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
			ns := c.NewNamespace(t, "deploy")
			app, path := c.ExampleIn(t, ex, ns)
			r := c.Render(t, path, controllerFile)
			if r.ExitErr != nil || len(r.Problems()) > 0 {
				t.Errorf("sluice render under the installed CompositeController: exit %v (%s), status problems %q; want exit 0 and none",
					r.ExitErr, r.Stderr, r.Problems())
			}
			if _, err := c.API.CreateStrict(harness.Ctx(t), app); err != nil {
				t.Fatalf("create %s: %v", harness.ObjKey(app), err)
			}
			live := c.WaitSettled(t, app)
			created := harness.SortedKeys(c.Snapshot(t, live))
			if diff := cmp.Diff(r.Names(), created); diff != "" {
				t.Errorf("children made by Metacontroller differ from what sluice render makes (-render +cluster):\n%s", diff)
			}
			if cond := harness.Condition(live, "BlueprintValid"); cond == nil || cond["status"] != "True" {
				t.Errorf("live status: BlueprintValid = %v, want status True\n%s", cond, harness.MustJSON(live.Object["status"]))
			}
			out := c.KubectlOK(t, "get", "sapp", "-n", ns)
			rows := harness.Lines(out)
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
