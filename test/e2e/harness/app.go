package harness

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// The reference application and the names Sluice derives from it (a versioned
// contract, see DESIGN.md "Rules that shape the child set").
const (
	// RefApp is the name of the reference application,
	// manifests/examples/call-record-aggregator.yaml.
	RefApp = "call-record-aggregator"
	// LabelApp, LabelStreamlet and LabelOutlet are the labels Sluice puts on the
	// children: the application, the streamlet and the outlet they belong to.
	LabelApp       = "sluice.dev/app"
	LabelStreamlet = "sluice.dev/streamlet"
	LabelOutlet    = "sluice.dev/outlet"
)

// WorkloadName is the derived name of the reference application's workload of a
// streamlet (its Deployment, SparkApplication or FlinkDeployment).
func WorkloadName(streamlet string) string { return RefApp + "-" + streamlet }

// ConfigName is the derived name of the reference application's ConfigMap of a
// streamlet.
func ConfigName(streamlet string) string { return RefApp + "-" + streamlet + "-config" }

// TopicName is the derived name of the reference application's topic of an outlet.
func TopicName(streamlet, outlet string) string { return RefApp + "." + streamlet + "." + outlet }

// LoadExample reads the one StreamingApplication of an example file.
func LoadExample(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := DecodeYAMLDocs(b)
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

// ExampleIn loads an example and moves it into namespace; it returns the object and
// the path of a file holding it (for `sluice render`).
func (c *Cluster) ExampleIn(t *testing.T, path, namespace string) (*unstructured.Unstructured, string) {
	t.Helper()
	app := LoadExample(t, path)
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

// DeployReference creates the reference application in a new namespace and waits
// until the real Metacontroller has settled it.
func (c *Cluster) DeployReference(t *testing.T, prefix string) *unstructured.Unstructured {
	t.Helper()
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, prefix)
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", RefApp+".yaml"), ns)
	if _, err := c.API.CreateStrict(Ctx(t), app); err != nil {
		t.Fatalf("create %s: %v", ObjKey(app), err)
	}
	return c.WaitSettled(t, app)
}

// LiveApp reads the reference application of namespace ns.
func (c *Cluster) LiveApp(t *testing.T, ns string) *unstructured.Unstructured {
	t.Helper()
	live, err := c.API.Dyn.Resource(SappGVR).Namespace(ns).Get(Ctx(t), RefApp, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return live
}

// Snapshot returns the parent's children keyed "Kind name".
func (c *Cluster) Snapshot(t *testing.T, parent *unstructured.Unstructured) map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]*unstructured.Unstructured{}
	for _, m := range c.StandIn(t).Observe(t, parent) {
		for _, child := range m {
			out[child.GetKind()+" "+child.GetName()] = child
		}
	}
	return out
}

// ChangedKeys lists the children that were added, removed or written between two
// snapshots, as "Kind name (how)".
func ChangedKeys(before, after map[string]*unstructured.Unstructured) []string {
	var out []string
	for k, b := range before {
		a, ok := after[k]
		switch {
		case !ok:
			out = append(out, k+" (deleted)")
		case a.GetUID() != b.GetUID():
			out = append(out, k+" (recreated)")
		case a.GetResourceVersion() != b.GetResourceVersion():
			out = append(out, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			out = append(out, k+" (created)")
		}
	}
	slices.Sort(out)
	return out
}
