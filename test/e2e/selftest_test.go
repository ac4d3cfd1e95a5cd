package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// TestHarnessRejectsWrongChildren proves that the primary check can fail: children
// `sluice render` makes for the reference application, made wrong, go through
// CheckRenderedChild, the function TestRenderedChildrenAreValid calls for every
// child. One child of each kind is accepted as rendered and refused with an unknown
// field spec.bogus; a Deployment with spec.replicas "two" (wrong type) and a
// KafkaTopic with 0 partitions (below the schema's minimum) are refused; so is a
// KafkaTopic under an apiVersion the CompositeController does not list, which the
// API server itself would accept (the test cluster serves v1beta2 too).
func TestHarnessRejectsWrongChildren(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	c.NeedSluice(t)
	ns := c.NewNamespace(t, "selftest")
	controllerFile, listed := c.InstalledController(t)
	_, path := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	r := c.Render(t, path, controllerFile)
	first := map[string]*unstructured.Unstructured{}
	for _, child := range r.Children {
		if first[child.GetKind()] == nil {
			first[child.GetKind()] = child
		}
	}
	for _, kind := range []string{"ConfigMap", "Deployment", "KafkaTopic", "Service", "SparkApplication"} {
		if first[kind] == nil {
			t.Fatalf("sluice render made no %s for %s; rendered %v", kind, harness.RefApp, r.Names())
		}
	}
	type testCase struct {
		name    string
		child   *unstructured.Unstructured
		wantErr string // "" when the child must be accepted
	}
	edited := func(kind string, edit func(obj map[string]any)) *unstructured.Unstructured {
		child := first[kind].DeepCopy()
		edit(child.Object)
		return child
	}
	var tests []testCase
	for _, kind := range harness.SortedKeys(first) {
		tests = append(tests,
			testCase{name: kind + "/as-rendered", child: first[kind]},
			testCase{name: kind + "/unknown-field", wantErr: "unknown field", child: edited(kind, func(obj map[string]any) {
				spec, _ := obj["spec"].(map[string]any)
				if spec == nil {
					spec = map[string]any{}
				}
				spec["bogus"] = true
				obj["spec"] = spec
			})},
		)
	}
	tests = append(tests,
		testCase{name: "Deployment/replicas-wrong-type", wantErr: "spec.replicas", child: edited("Deployment", func(obj map[string]any) {
			obj["spec"].(map[string]any)["replicas"] = "two"
		})},
		testCase{name: "KafkaTopic/below-minimum", wantErr: "spec.partitions", child: edited("KafkaTopic", func(obj map[string]any) {
			obj["spec"].(map[string]any)["partitions"] = int64(0)
		})},
		testCase{name: "KafkaTopic/apiVersion-not-listed", wantErr: "not listed", child: edited("KafkaTopic", func(obj map[string]any) {
			obj["apiVersion"] = "kafka.strimzi.io/v1beta2"
		})},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.CheckRenderedChild(harness.Ctx(t), tt.child, listed)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("the primary check refused a child as rendered: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatal("the primary check accepted a wrong child: it cannot catch wrong children")
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("want a refusal mentioning %q, got %v", tt.wantErr, err)
			}
			t.Logf("primary check said: %v", err)
		})
	}
	// Dry runs store nothing.
	list, err := c.API.Dyn.Resource(harness.KafkaTopicsGVR).Namespace(ns).List(harness.Ctx(t), harness.ListAll)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Items); n != 0 {
		t.Errorf("dry-run creates stored %d KafkaTopics, want 0", n)
	}
}

// TestHarnessSeesMetacontrollerErrors proves that the checks WaitSettled and
// WaitGone make after the real Metacontroller acted can fail: in a namespace whose
// ResourceQuota allows no ConfigMap (its status, which no quota controller keeps
// here, is written by the test), the API server refuses every ConfigMap create. Metacontroller raises a SyncError event
// for the application and logs the error; SyncErrors and the log check see both, and
// the application does not settle (an answered ConfigMap does not exist).
func TestHarnessSeesMetacontrollerErrors(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, "mcerror")
	quota := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ResourceQuota",
		"metadata": map[string]any{"name": "no-configmaps", "namespace": ns},
		"spec":     map[string]any{"hard": map[string]any{"count/configmaps": "0"}},
	}}
	created, err := c.API.CreateStrict(harness.Ctx(t), quota)
	if err != nil {
		t.Fatalf("create %s: %v", harness.ObjKey(quota), err)
	}
	created.Object["status"] = map[string]any{
		"hard": map[string]any{"count/configmaps": "0"},
		"used": map[string]any{"count/configmaps": "0"},
	}
	if _, err := c.API.Dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "resourcequotas"}).Namespace(ns).UpdateStatus(harness.Ctx(t), created, harness.StrictUpdate); err != nil {
		t.Fatalf("write the status of %s: %v", harness.ObjKey(quota), err)
	}
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	created, err = c.API.CreateStrict(harness.Ctx(t), app)
	if err != nil {
		t.Fatalf("create %s: %v", harness.ObjKey(app), err)
	}
	defer c.KubectlOK(t, "-n", ns, "delete", "sapp", app.GetName(), "--wait=false")

	refused := harness.ConfigName("merge")
	harness.Poll(t, time.Minute, "a SyncError event naming "+refused, func() (bool, string) {
		events := c.SyncErrors(t, created)
		return slices.ContainsFunc(events, func(e string) bool { return strings.Contains(e, refused) }), fmt.Sprintf("SyncError events: %q", events)
	})
	harness.Poll(t, time.Minute, "Metacontroller to log the error", func() (bool, string) {
		lines := c.MetacontrollerErrors(ns)
		return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, refused) }), fmt.Sprintf("error lines: %q", lines)
	})
	_, reason, err := c.StandIn(t).Unsettled(t, ns, app.GetName())
	if err != nil {
		t.Fatal(err)
	}
	if want := "ConfigMap " + ns + "/" + refused + " is answered but does not exist"; !strings.Contains(reason, want) {
		t.Errorf("WaitSettled would call the application settled, or not for the refused create; want %q, got:\n%s", want, reason)
	}
}
