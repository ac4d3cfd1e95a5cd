package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	chart := c.OfflineChart(t)
	order := c.ComponentOrder(t)

	t.Run("lint", func(t *testing.T) {
		for _, set := range [][]string{
			nil,
			{"components.podHealth=true,components.strimziV1beta2=true"},
			{"components.spark=false,components.flink=false,components.monitoring=false,metacontroller.enabled=false"},
			{"fullnameOverride=acme-sluice,image.tag=1.2.3"},
		} {
			args := []string{"lint", "--strict", chart, "--namespace", harness.HelmNamespace}
			for _, s := range set {
				args = append(args, "--set", s)
			}
			out, err := c.Helm(t, args...)
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
		out, err := c.Helm(t, "template", "sluice", chart, "--set", "metacontroller.enabled=false", "--set", "components.podhealth=true")
		if err == nil || !strings.Contains(err.Error(), "podhealth") {
			t.Errorf("helm template with components.podhealth: got error %v, want one naming podhealth\n%s", err, out)
		}
	})

	appVersion := chartAppVersion(t, chart)
	for _, comps := range harness.Subsets(order) {
		t.Run("matches kustomize/"+harness.SubsetName(comps), func(t *testing.T) {
			want := byKindName(t, c.KustomizeObjects(t, comps))
			got := byKindName(t, c.HelmTemplate(t, chart, harness.HelmNamespace, comps))
			// The chart leaves the namespace to `helm install --create-namespace`.
			delete(want, "Namespace sluice-system")
			if diff := cmp.Diff(harness.SortedKeys(want), harness.SortedKeys(got)); diff != "" {
				t.Fatalf("objects mismatch (-kustomize +helm):\n%s", diff)
			}
			for _, key := range harness.SortedKeys(want) {
				w := asKustomizeWouldBe(t, want[key], harness.HelmNamespace)
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
	for _, comps := range harness.Subsets(order) {
		t.Run("dry-run create/"+harness.SubsetName(comps), func(t *testing.T) {
			objs := c.HelmTemplate(t, chart, ns, comps, "fullnameOverride="+name)
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
