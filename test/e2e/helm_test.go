package e2e

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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// helmOnlyLabels are the labels the chart adds to those of the kustomize manifests.
var helmOnlyLabels = []string{
	"app.kubernetes.io/instance",
	"app.kubernetes.io/version",
	"app.kubernetes.io/managed-by",
	"helm.sh/chart",
}

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

// helmNamespace is the release namespace of the rendered chart, unlike the
// kustomize manifests' sluice-system, so that the comparison sees it replaced.
const helmNamespace = "sluice-helm"

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

// helm runs helm with its home folders inside the test run's temporary directory
// (nothing under $HOME changes) and returns stdout; an error carries stderr.
func (c *cluster) helm(t *testing.T, args ...string) (string, error) {
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

// offlineChart copies manifests/chart/sluice into a temporary directory without its
// dependency on metacontroller-helm: oci://ghcr.io is out of reach here, and with
// metacontroller.enabled=false the dependency renders nothing anyway. It checks the
// dependency it removes, and returns the copy's path.
func (c *cluster) offlineChart(t *testing.T) string {
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

// componentOrder returns every kustomize component in the order a kustomization
// lists them: those of manifests/install/all/kustomization.yaml first, in its order
// (the order in which they append child kinds), then the ones it leaves out.
func (c *cluster) componentOrder(t *testing.T) []string {
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
	for _, name := range harness.SortedKeys(componentValues) {
		if !slices.Contains(order, name) {
			order = append(order, name)
		}
	}
	if len(order) != len(componentValues) {
		t.Fatalf("components %q: want exactly those the chart has values for: %q", order, harness.SortedKeys(componentValues))
	}
	return order
}

// subsets returns every subset of order, each in order, the empty one first.
func subsets(order []string) [][]string {
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

// subsetName names a subset for subtests.
func subsetName(comps []string) string {
	if len(comps) == 0 {
		return "base"
	}
	return strings.Join(comps, "+")
}

// helmTemplate renders the chart with Metacontroller off and exactly the given
// components on, plus extra --set values, and returns the objects, CRDs included.
func (c *cluster) helmTemplate(t *testing.T, chart, namespace string, comps []string, extra ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", "sluice", chart, "--namespace", namespace, "--include-crds",
		"--set", "metacontroller.enabled=false"}
	for _, name := range harness.SortedKeys(componentValues) {
		args = append(args, "--set", fmt.Sprintf("%s=%t", componentValues[name], slices.Contains(comps, name)))
	}
	for _, e := range extra {
		args = append(args, "--set", e)
	}
	out, err := c.helm(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := harness.DecodeYAMLDocs([]byte(out))
	if err != nil {
		t.Fatalf("helm template output: %v", err)
	}
	return objs
}

// kustomized caches the output of `kubectl kustomize` per list of components:
// TestHelmChart and TestRenderedChildrenAreValid both render all 32 subsets.
var kustomized sync.Map // "+"-joined components -> []*unstructured.Unstructured

// kustomizeObjects renders manifests/base with the given components, in that order.
func (c *cluster) kustomizeObjects(t *testing.T, comps []string) []*unstructured.Unstructured {
	t.Helper()
	key := strings.Join(comps, "+")
	cached, ok := kustomized.Load(key)
	if !ok {
		dir, err := c.Kustomization(comps)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := harness.DecodeYAMLDocs([]byte(c.KubectlOK(t, "kustomize", dir)))
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

// byKindName indexes objects by "Kind name", failing on duplicates.
func byKindName(t *testing.T, objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	t.Helper()
	m := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		k := o.GetKind() + " " + o.GetName()
		if _, dup := m[k]; dup {
			t.Fatalf("%s rendered twice", k)
		}
		m[k] = o
	}
	return m
}

// asKustomizeWouldBe rewrites a kustomize object (a copy) into what the chart must
// render for it in namespace ns: the namespace, and the CompositeController's hook
// URLs pointing at the Service in that namespace.
func asKustomizeWouldBe(t *testing.T, o *unstructured.Unstructured, ns string) *unstructured.Unstructured {
	t.Helper()
	o = o.DeepCopy()
	if o.GetNamespace() != "" {
		o.SetNamespace(ns)
	}
	switch o.GetKind() {
	case "CompositeController":
		hooks, _, _ := unstructured.NestedMap(o.Object, "spec", "hooks")
		for name := range hooks {
			url, _, _ := unstructured.NestedString(hooks, name, "webhook", "url")
			rewritten := strings.Replace(url, ".sluice-system.svc/", "."+ns+".svc/", 1)
			if rewritten == url {
				t.Fatalf("CompositeController hook %s: URL %q does not name sluice-system", name, url)
			}
			if err := unstructured.SetNestedField(hooks, rewritten, name, "webhook", "url"); err != nil {
				t.Fatal(err)
			}
		}
		if err := unstructured.SetNestedMap(o.Object, hooks, "spec", "hooks"); err != nil {
			t.Fatal(err)
		}
	case "Deployment":
		// The API server defaults imagePullPolicy to IfNotPresent for a tagged image;
		// the chart states it.
		forEachContainer(t, o, func(c map[string]any) {
			if _, ok := c["imagePullPolicy"]; !ok {
				c["imagePullPolicy"] = "IfNotPresent"
			}
		})
	}
	return o
}

// withoutHelmLabels removes the chart's own labels from a rendered object (a copy),
// on the object and on a Deployment's pod template.
func withoutHelmLabels(t *testing.T, o *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	o = o.DeepCopy()
	strip := func(fields ...string) {
		labels, found, err := unstructured.NestedStringMap(o.Object, fields...)
		if err != nil || !found {
			t.Fatalf("%s: no labels at %s (%v)", harness.ObjKey(o), strings.Join(fields, "."), err)
		}
		for _, k := range helmOnlyLabels {
			if _, ok := labels[k]; !ok {
				t.Errorf("%s: label %s missing at %s", harness.ObjKey(o), k, strings.Join(fields, "."))
			}
			delete(labels, k)
		}
		if err := unstructured.SetNestedStringMap(o.Object, labels, fields...); err != nil {
			t.Fatal(err)
		}
	}
	strip("metadata", "labels")
	if o.GetKind() == "Deployment" {
		strip("spec", "template", "metadata", "labels")
	}
	return o
}

// forEachContainer calls f on every container of a Deployment, in place.
func forEachContainer(t *testing.T, o *unstructured.Unstructured, f func(map[string]any)) {
	t.Helper()
	containers, _, err := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
	if err != nil || len(containers) == 0 {
		t.Fatalf("%s: no containers (%v)", harness.ObjKey(o), err)
	}
	for _, c := range containers {
		f(c.(map[string]any))
	}
	if err := unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
}

// untagImages replaces each container image by its repository, returning the tags.
func untagImages(t *testing.T, o *unstructured.Unstructured) []string {
	t.Helper()
	var tags []string
	forEachContainer(t, o, func(c map[string]any) {
		image, _ := c["image"].(string)
		repo, tag, _ := strings.Cut(image, ":")
		c["image"] = repo
		tags = append(tags, tag)
	})
	return tags
}

// chartAppVersion reads appVersion from the chart.
func chartAppVersion(t *testing.T, chart string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	return meta.AppVersion
}

// TestHelmChart checks manifests/chart/sluice: it lints, renders for every
// combination of components what kustomize renders for base plus the same
// components, and every object it renders passes a strict dry-run create.
func TestHelmChart(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	chart := c.offlineChart(t)
	order := c.componentOrder(t)

	t.Run("lint", func(t *testing.T) {
		for _, set := range [][]string{
			nil,
			{"components.podHealth=true,components.strimziV1beta2=true"},
			{"components.spark=false,components.flink=false,components.monitoring=false,metacontroller.enabled=false"},
			{"fullnameOverride=acme-sluice,image.tag=1.2.3"},
		} {
			args := []string{"lint", "--strict", chart, "--namespace", helmNamespace}
			for _, s := range set {
				args = append(args, "--set", s)
			}
			out, err := c.helm(t, args...)
			if err != nil {
				t.Errorf("%v\n%s", err, out)
			}
		}
	})

	// The dependency cannot be rendered here: at least its values must raise
	// Metacontroller's client rate limits (DESIGN.md, "Metacontroller facts").
	t.Run("metacontroller values", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var values struct {
			Metacontroller struct {
				Enabled     bool     `json:"enabled"`
				CommandArgs []string `json:"commandArgs"`
			} `json:"metacontroller"`
		}
		if err := yaml.Unmarshal(b, &values); err != nil {
			t.Fatal(err)
		}
		if !values.Metacontroller.Enabled {
			t.Error("metacontroller.enabled is false by default, want true")
		}
		for _, flag := range []string{"--client-go-qps=100", "--client-go-burst=200", "--zap-log-level=4", "--discovery-interval=20s"} {
			if !slices.Contains(values.Metacontroller.CommandArgs, flag) {
				t.Errorf("metacontroller.commandArgs %q lacks %s", values.Metacontroller.CommandArgs, flag)
			}
		}
	})

	t.Run("schema refuses a misspelt component", func(t *testing.T) {
		out, err := c.helm(t, "template", "sluice", chart, "--set", "metacontroller.enabled=false", "--set", "components.podhealth=true")
		if err == nil || !strings.Contains(err.Error(), "podhealth") {
			t.Errorf("helm template with components.podhealth: got error %v, want one naming podhealth\n%s", err, out)
		}
	})

	appVersion := chartAppVersion(t, chart)
	for _, comps := range subsets(order) {
		t.Run("matches kustomize/"+subsetName(comps), func(t *testing.T) {
			want := byKindName(t, c.kustomizeObjects(t, comps))
			got := byKindName(t, c.helmTemplate(t, chart, helmNamespace, comps))
			// The chart leaves the namespace to `helm install --create-namespace`.
			delete(want, "Namespace sluice-system")
			if diff := cmp.Diff(harness.SortedKeys(want), harness.SortedKeys(got)); diff != "" {
				t.Fatalf("objects mismatch (-kustomize +helm):\n%s", diff)
			}
			for _, key := range harness.SortedKeys(want) {
				w := asKustomizeWouldBe(t, want[key], helmNamespace)
				g := got[key]
				if g.GetKind() != "CustomResourceDefinition" {
					g = withoutHelmLabels(t, g)
				}
				if g.GetKind() == "Deployment" {
					untagImages(t, w)
					if tags := untagImages(t, g); !slices.Equal(tags, []string{appVersion}) {
						t.Errorf("Deployment image tags %q, want the appVersion %q", tags, appVersion)
					}
				}
				if diff := cmp.Diff(w.Object, g.Object); diff != "" {
					t.Errorf("%s mismatch (-kustomize +helm):\n%s", key, diff)
				}
			}
		})
	}

	// The test cluster holds Sluice's kustomize install: the chart is rendered under
	// another name into a fresh namespace, so that no create collides with it.
	ns := c.NewNamespace(t, "helm")
	name := "sluice-helm-" + harness.RandSuffix()
	for _, comps := range subsets(order) {
		t.Run("dry-run create/"+subsetName(comps), func(t *testing.T) {
			objs := c.helmTemplate(t, chart, ns, comps, "fullnameOverride="+name)
			checkRenamed(t, objs, name, ns)
			for _, o := range objs {
				var err error
				if o.GetKind() == "CustomResourceDefinition" {
					err = c.API.DryRunApplyStrict(t, o)
				} else {
					err = c.API.DryRunStrict(harness.Ctx(t), o)
				}
				switch {
				case apierrors.IsAlreadyExists(err):
					t.Errorf("%s: %v (the chart does not name it after fullnameOverride)", harness.ObjKey(o), err)
				case err != nil:
					t.Errorf("%s: %v", harness.ObjKey(o), err)
				}
			}
		})
	}
}

// checkRenamed checks that a chart rendered with fullnameOverride=name in namespace
// ns names every object after it and wires them together: the hook URLs reach the
// Service, the Deployment runs as the ServiceAccount, each binding names its policy.
func checkRenamed(t *testing.T, objs []*unstructured.Unstructured, name, ns string) {
	t.Helper()
	m := byKindName(t, objs)
	for _, key := range []string{
		"CompositeController " + name, "Deployment " + name, "Service " + name, "ServiceAccount " + name,
		"ValidatingAdmissionPolicy " + name + "-keep-topics", "ValidatingAdmissionPolicyBinding " + name + "-keep-topics",
		"ValidatingAdmissionPolicy " + name + "-no-foreground-deletion", "ValidatingAdmissionPolicyBinding " + name + "-no-foreground-deletion",
	} {
		if m[key] == nil {
			t.Errorf("%s not rendered; rendered: %q", key, harness.SortedKeys(m))
		}
	}
	if cc := m["CompositeController "+name]; cc != nil {
		url, _, _ := unstructured.NestedString(cc.Object, "spec", "hooks", "sync", "webhook", "url")
		if want := "http://" + name + "." + ns + ".svc/sync"; url != want {
			t.Errorf("sync hook URL %q, want %q", url, want)
		}
	}
	if d := m["Deployment "+name]; d != nil {
		sa, _, _ := unstructured.NestedString(d.Object, "spec", "template", "spec", "serviceAccountName")
		if sa != name {
			t.Errorf("Deployment serviceAccountName %q, want %q", sa, name)
		}
	}
	for _, o := range objs {
		if o.GetKind() == "ValidatingAdmissionPolicyBinding" {
			policy, _, _ := unstructured.NestedString(o.Object, "spec", "policyName")
			if m["ValidatingAdmissionPolicy "+policy] == nil {
				t.Errorf("%s: policyName %q is not a rendered policy", harness.ObjKey(o), policy)
			}
		}
	}
}
