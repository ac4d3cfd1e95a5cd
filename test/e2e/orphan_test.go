package e2e

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// TestOrphanDeletionAndAdoption follows README.md's "Orphan deletion": a
// `--cascade=orphan` deletion leaves every child, ownerless, the topics
// released first; re-creating the application and giving the children its
// controller-uid makes Metacontroller adopt them, and the next sync answers
// every one as before, the topics managed again.
func TestOrphanDeletionAndAdoption(t *testing.T) {
	c := setup(t)
	app := c.DeployReference(t, "orphan")
	ns := app.GetNamespace()
	before := c.Snapshot(t, app)
	c.KubectlOK(t, "-n", ns, "delete", "sapp", harness.RefApp, "--cascade=orphan", "--wait=false")
	c.WaitGone(t, app, harness.DeleteTimeout, harness.FinalizerOfGoneParent(ns, harness.RefApp))

	children := func() map[string]*unstructured.Unstructured {
		out := map[string]*unstructured.Unstructured{}
		for key, child := range before {
			live, err := c.API.Get(harness.Ctx(t), child.GroupVersionKind(), ns, child.GetName())
			if err != nil {
				t.Fatalf("%s is gone after an orphan deletion: %v", key, err)
			}
			out[key] = live
		}
		return out
	}
	harness.Poll(t, time.Minute, "the garbage collector to orphan every child", func() (bool, string) {
		for key, live := range children() {
			if refs := live.GetOwnerReferences(); len(refs) > 0 {
				return false, key + " still has an owner"
			}
		}
		return true, ""
	})
	// The topics stay as they were: the garbage collector may orphan them
	// before Metacontroller's finalize sees them, so they may carry no
	// release mark — and sluice-keep-topics still guards them.
	for key, live := range children() {
		if live.GetKind() != "KafkaTopic" || live.GetAnnotations()["strimzi.io/managed"] == "false" {
			continue
		}
		if _, err := c.Kubectl("-n", ns, "delete", "kafkatopic", live.GetName(), "--wait=false"); err == nil || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy 'sluice-keep-topics'") {
			t.Errorf("deleting orphaned %s without a release mark: %v, want the admission policy's refusal", key, err)
		}
	}

	// Adopt them again, as the README says.
	again, _ := c.ExampleIn(t, c.Repo+"/manifests/examples/"+harness.RefApp+".yaml", ns)
	created, err := c.API.CreateStrict(harness.Ctx(t), again)
	if err != nil {
		t.Fatalf("re-create: %v", err)
	}
	// Every kind the CompositeController lists, as the README's command reads them.
	kinds := strings.TrimSuffix(c.KubectlOK(t, "get", "compositecontroller", "sluice", "-o",
		`jsonpath={range .spec.childResources[*]}{.resource}{","}{end}`), ",")
	if out, err := c.Kubectl("label", "-n", ns, kinds,
		"-l", "sluice.dev/app="+harness.RefApp, "--overwrite", "controller-uid="+string(created.GetUID())); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Until the label is there, Metacontroller's creates of the same names fail.
	alreadyExists := func(s string) bool {
		return strings.Contains(s, "already exists") && harness.OnlyErrors(s, "already exists")
	}
	// Metacontroller may also still remove its finalizer from the parent
	// that is gone (see harness.FinalizerOfGoneParent).
	live := c.WaitSettled(t, created, alreadyExists, harness.FinalizerOfGoneParent(ns, harness.RefApp))
	after := c.Snapshot(t, live)
	if len(after) != len(before) {
		t.Errorf("%d children after adoption, %d before", len(after), len(before))
	}
	for key, child := range after {
		if _, ok := before[key]; !ok {
			t.Errorf("%s is new after adoption", key)
		}
		refs := child.GetOwnerReferences()
		if len(refs) != 1 || refs[0].UID != created.GetUID() {
			t.Errorf("%s is owned by %v, want the re-created application %s", key, refs, created.GetUID())
		}
		if _, marked := child.GetAnnotations()["strimzi.io/managed"]; marked && child.GetKind() == "KafkaTopic" {
			t.Errorf("%s keeps the release mark after adoption", key)
		}
	}
}
