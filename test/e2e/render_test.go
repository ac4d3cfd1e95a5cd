package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
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
	order := c.componentOrder(t)
	if diff := cmp.Diff(found, slices.Sorted(slices.Values(order))); diff != "" {
		t.Fatalf("manifests/components and the components the chart knows differ (-folders +chart):\n%s", diff)
	}
	return order
}

// rendered is what `sluice render -o json` printed, and how it exited.
type rendered struct {
	status   map[string]any
	children []*unstructured.Unstructured
	exitErr  error  // nil when it exited 0
	stderr   string // what it printed on stderr
}

// problems returns status.problems of a rendered answer.
func (r rendered) problems() []string {
	list, _, _ := unstructured.NestedStringSlice(r.status, "problems")
	return list
}

// names returns the children as "Kind name", sorted.
func (r rendered) names() []string {
	var out []string
	for _, child := range r.children {
		out = append(out, child.GetKind()+" "+child.GetName())
	}
	slices.Sort(out)
	return out
}

// render runs `sluice render -o json --controller FILE EXAMPLE` and returns the
// status and the children it prints, and its exit. render reports problems of the
// blueprint with a non-zero exit and still prints the answer (the status says what
// is wrong); output that is not an answer fails the test.
func (c *cluster) render(t *testing.T, example, controllerFile string) rendered {
	t.Helper()
	c.NeedSluice(t)
	args := []string{"render", "-o", "json", "--controller", controllerFile, example}
	cmd := exec.Command(c.SluiceBin, args...)
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
	r := rendered{exitErr: runErr, stderr: strings.TrimSpace(stderr.String())}
	if err := k8sjson.Unmarshal(out.Status, &r.status); err != nil {
		t.Fatalf("sluice render: status: %v", err)
	}
	for i, raw := range out.Children {
		var m map[string]any
		if err := k8sjson.Unmarshal(raw, &m); err != nil {
			t.Fatalf("sluice render: children[%d]: %v", i, err)
		}
		r.children = append(r.children, &unstructured.Unstructured{Object: m})
	}
	return r
}

// installedController writes the CompositeController installed in the test cluster
// to a file for `sluice render --controller` and returns the path and the kinds it
// lists.
func (c *cluster) installedController(t *testing.T) (string, map[string]bool) {
	t.Helper()
	controller := c.StandIn(t).Controller
	b, err := yaml.Marshal(controller.Object)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "compositecontroller.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, c.listedKinds(t, controller)
}

// listedKinds returns the child kinds a CompositeController lists, keyed like a hook
// request ("Kind.apiVersion").
func (c *cluster) listedKinds(t *testing.T, controller *unstructured.Unstructured) map[string]bool {
	t.Helper()
	kinds, err := c.API.ChildKinds(controller)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, k := range kinds {
		listed[harness.ChildKey(k)] = true
	}
	return listed
}

// dryRuns caches the outcome of checkRenderedChild's strict dry-run create by the
// object's JSON: the same object in the same namespace gets the same answer, and
// the 32 installation shapes render mostly the same children. Only answers of the
// API server are kept, not transport errors.
var dryRuns sync.Map // JSON -> error (nil when accepted)

func (c *cluster) dryRunOnce(ctx context.Context, child *unstructured.Unstructured) error {
	b, err := json.Marshal(child.Object)
	if err != nil {
		return err
	}
	if v, ok := dryRuns.Load(string(b)); ok {
		err, _ := v.(error)
		return err
	}
	err = c.API.DryRunStrict(ctx, child)
	if err == nil || harness.IsRefused(err) || strings.Contains(err.Error(), "warned") {
		dryRuns.Store(string(b), err)
	}
	return err
}

// checkRenderedChild is the primary check of one rendered child, used by
// TestRenderedChildrenAreValid and its self-test: the CompositeController lists its
// kind with exactly its apiVersion, and the API server accepts it in a create with
// dryRun=All and fieldValidation=Strict (upstream schemas, unknown fields, CEL rules,
// admission policies) without a warning.
func (c *cluster) checkRenderedChild(ctx context.Context, child *unstructured.Unstructured, listed map[string]bool) error {
	if key := harness.ChildKey(child.GroupVersionKind()); !listed[key] {
		return fmt.Errorf("kind %s is not listed by the CompositeController (it lists %v)", key, harness.SortedKeys(listed))
	}
	if err := c.dryRunOnce(ctx, child); err != nil {
		return fmt.Errorf("refused by the API server: %w", err)
	}
	return nil
}

// controllerFile renders base + comps with `kubectl kustomize`, extracts the
// CompositeController and writes it to a file, returning its path and the object.
func (c *cluster) controllerFile(t *testing.T, comb combination) (string, *unstructured.Unstructured) {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, o := range c.kustomizeObjects(t, comb.components) {
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

// loadExample reads the one StreamingApplication of an example file.
func loadExample(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := harness.DecodeYAMLDocs(b)
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

// TestRenderedChildrenAreValid is the primary check. For every example and every
// installation shape (each subset of manifests/components, the CompositeController
// `kubectl kustomize` makes for it), `sluice render`:
//   - makes exactly the children it makes under every component, less those of kinds
//     the shape's CompositeController does not list;
//   - exits 0 with no status problem when the shape lists every kind the example
//     needs, and otherwise exits non-zero with a status problem naming each kind
//     the shape lacks, and no other problem (a kind no application asks for,
//     optionalKinds, is never missing);
//   - passes checkRenderedChild for every child (listed kind and apiVersion, strict
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
		_, path := c.exampleIn(t, ex, c.NewNamespace(t, "render"))
		r := c.render(t, path, fullFile)
		if r.exitErr != nil || len(r.problems()) > 0 {
			t.Errorf("%s under every component (%v): sluice render: exit %v (%s), status problems %q; want exit 0 and none",
				exampleName(ex), comps, r.exitErr, r.stderr, r.problems())
		}
		ref := reference{name: exampleName(ex), path: path, children: map[string][]string{}}
		for _, child := range r.children {
			if _, seen := ref.children[child.GetKind()]; !seen {
				ref.needs = append(ref.needs, child.GetKind())
			}
			ref.children[child.GetKind()] = append(ref.children[child.GetKind()], child.GetKind()+" "+child.GetName())
		}
		slices.Sort(ref.needs)
		refs = append(refs, ref)
	}
	for _, set := range subsets(comps) {
		comb := combination{subsetName(set), set}
		t.Run(comb.name, func(t *testing.T) {
			t.Parallel()
			file, controller := c.controllerFile(t, comb)
			listed := c.listedKinds(t, controller)
			listedKind := map[string]bool{}
			for key := range listed {
				kind, _, _ := strings.Cut(key, ".")
				listedKind[kind] = true
			}
			for _, ref := range refs {
				t.Run(ref.name, func(t *testing.T) {
					r := c.render(t, ref.path, file)
					var missing, want []string
					for _, kind := range ref.needs {
						switch {
						case listedKind[kind]:
							want = append(want, ref.children[kind]...)
						case !optionalKinds[kind]:
							missing = append(missing, kind)
						}
					}
					slices.Sort(want)
					if diff := cmp.Diff(want, r.names()); diff != "" {
						t.Errorf("children differ from those under every component less the kinds %v this shape does not list (-want +got):\n%s", missing, diff)
					}
					problems := r.problems()
					if len(missing) == 0 {
						if r.exitErr != nil || len(problems) > 0 {
							t.Errorf("the shape lists every kind the example needs, yet sluice render exited %v (%s) with status problems %q; want exit 0 and none",
								r.exitErr, r.stderr, problems)
						}
					} else if r.exitErr == nil {
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
					for _, child := range r.children {
						if err := c.checkRenderedChild(harness.Ctx(t), child, listed); err != nil {
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
			app, _ := c.exampleIn(t, ex, ns)
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
	controllerFile, _ := c.installedController(t)
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
			app, path := c.exampleIn(t, ex, ns)
			r := c.render(t, path, controllerFile)
			if r.exitErr != nil || len(r.problems()) > 0 {
				t.Errorf("sluice render under the installed CompositeController: exit %v (%s), status problems %q; want exit 0 and none",
					r.exitErr, r.stderr, r.problems())
			}
			if _, err := c.API.CreateStrict(harness.Ctx(t), app); err != nil {
				t.Fatalf("create %s: %v", harness.ObjKey(app), err)
			}
			live := c.WaitSettled(t, app)
			created := harness.SortedKeys(c.snapshot(t, live))
			if diff := cmp.Diff(r.names(), created); diff != "" {
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
