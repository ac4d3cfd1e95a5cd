package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// createManagedTopic creates a KafkaTopic that looks like one Sluice manages (labelled
// sluice.dev/app), without any application behind it: the admission policy alone
// must protect it.
func (c *cluster) createManagedTopic(t *testing.T, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	topic := harness.KafkaTopic(namespace, name, nil)
	topic.SetLabels(map[string]string{
		"strimzi.io/cluster":   "e2e",
		harness.LabelApp:       "guarded",
		harness.LabelStreamlet: "source",
		harness.LabelOutlet:    "out",
	})
	created, err := c.API.CreateStrict(harness.Ctx(t), topic)
	if err != nil {
		t.Fatalf("create %s: %v", harness.ObjKey(topic), err)
	}
	return created
}

// release marks a topic the way the admission policy in manifests/base accepts for
// deletion and its refusal message tells users to: an annotation (the one Strimzi
// reads), not a label.
func (c *cluster) release(t *testing.T, namespace, name, key, value string) {
	t.Helper()
	c.KubectlOK(t, "-n", namespace, "annotate", "--overwrite", "kafkatopic", name, key+"="+value)
}

// TestManagedTopicDeletionNeedsRelease checks the admission policy on KafkaTopic
// DELETE against the real API server: `kubectl delete` of a Sluice topic is refused
// until the topic is released; a topic that is not Sluice's is not affected.
func TestManagedTopicDeletionNeedsRelease(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	ns := c.NewNamespace(t, "topicguard")

	releases := []struct{ name, key, value string }{
		{"unmanaged", "strimzi.io/managed", "false"},
		{"deletion-allowed", "sluice.dev/deletion", "allowed"},
	}
	for _, r := range releases {
		t.Run(r.name, func(t *testing.T) {
			topic := c.createManagedTopic(t, ns, "guarded."+r.name)
			out, err := c.Kubectl("-n", ns, "delete", "kafkatopic", topic.GetName(), "--wait=false")
			if err == nil {
				t.Fatalf("kubectl delete of a managed Sluice KafkaTopic went through:\n%s", out)
			}
			if !harness.ContainsAll(err.Error(), "strimzi.io/managed=false") {
				t.Errorf("the refusal does not tell how to release the topic: %v", err)
			}
			t.Logf("refused as expected: %v", err)
			if _, err := c.API.Get(harness.Ctx(t), topic.GroupVersionKind(), ns, topic.GetName()); err != nil {
				t.Fatalf("the topic is gone after a refused delete: %v", err)
			}
			c.release(t, ns, topic.GetName(), r.key, r.value)
			c.KubectlOK(t, "-n", ns, "delete", "kafkatopic", topic.GetName(), "--wait=false")
		})
	}

	t.Run("not-sluice", func(t *testing.T) {
		topic, err := c.API.CreateStrict(harness.Ctx(t), harness.KafkaTopic(ns, "someone.else", nil))
		if err != nil {
			t.Fatal(err)
		}
		c.KubectlOK(t, "-n", ns, "delete", "kafkatopic", topic.GetName(), "--wait=false")
	})
}

// TestForegroundDeletionOfRetainAppRefused checks the admission policy on
// StreamingApplication DELETE: foreground cascading deletion (which bypasses the
// finalize hook) of an application with topicDeletionPolicy Retain, the default, is
// refused with a message, and so is that of a Delete application; the default
// deletion goes through (the real Metacontroller finalizes the application).
func TestForegroundDeletionOfRetainAppRefused(t *testing.T) {
	c := setup(t)
	app := c.DeployReference(t, "foreground")
	ns := app.GetNamespace()
	parents := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns)

	foreground := metav1.DeletePropagationForeground
	err := parents.Delete(harness.Ctx(t), app.GetName(), metav1.DeleteOptions{PropagationPolicy: &foreground})
	if err == nil {
		t.Fatal("foreground deletion of a Retain application went through")
	}
	if !apierrors.IsForbidden(err) {
		t.Errorf("want 403 Forbidden, got %v", err)
	}
	wantForegroundRefusal(t, err, ns, app.GetName())
	t.Logf("refused as expected: %v", err)
	out, kerr := c.Kubectl("-n", ns, "delete", "sapp", app.GetName(), "--cascade=foreground", "--wait=false")
	if kerr == nil {
		t.Fatalf("kubectl delete --cascade=foreground of a Retain application went through:\n%s", out)
	}
	wantForegroundRefusal(t, kerr, ns, app.GetName())
	live, err := parents.Get(harness.Ctx(t), app.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the application is gone after a refused delete: %v", err)
	}
	if live.GetDeletionTimestamp() != nil {
		t.Fatal("the application is being deleted after a refused delete")
	}

	// Under Delete, too: the garbage collector could not delete unreleased topics.
	patch := []byte(`{"spec":{"topicDeletionPolicy":"Delete"}}`)
	if _, err := parents.Patch(harness.Ctx(t), app.GetName(), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("switch to Delete: %v", err)
	}
	err = parents.Delete(harness.Ctx(t), app.GetName(), metav1.DeleteOptions{PropagationPolicy: &foreground})
	if err == nil {
		t.Fatal("foreground deletion of a Delete application went through")
	}
	wantForegroundRefusal(t, err, ns, app.GetName())

	if err := parents.Delete(harness.Ctx(t), app.GetName(), metav1.DeleteOptions{}); err != nil {
		t.Fatalf("default deletion refused: %v", err)
	}
	c.WaitGone(t, app, harness.DeleteTimeout)
}

// wantForegroundRefusal checks that err is the refusal of the policy
// sluice-no-foreground-deletion (manifests/base/admission-policies.yaml) for the
// application ns/name: it names the policy, says why, and gives the command to use
// instead. Any other refusal (a 4xx of something else) fails.
func wantForegroundRefusal(t *testing.T, err error, ns, name string) {
	t.Helper()
	for _, want := range []string{
		"ValidatingAdmissionPolicy 'sluice-no-foreground-deletion'",
		"denied request: foreground deletion of StreamingApplication " + ns + "/" + name,
		"bypasses Sluice's finalize hook",
		"Delete with the default propagation instead: `kubectl delete sapp -n " + ns + " " + name + "`",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%v", want, err)
		}
	}
}

// TestNamespaceDeletionKeepsManagedTopic deletes a namespace holding a managed topic:
// the topic stays (and the namespace Terminating) until the topic is released.
func TestNamespaceDeletionKeepsManagedTopic(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	ns := c.NewNamespace(t, "nsguard")
	topic := c.createManagedTopic(t, ns, "guarded.ns")
	c.KubectlOK(t, "delete", "namespace", ns, "--wait=false")

	namespaces := c.API.Dyn.Resource(harness.NamespacesGVR)
	harness.Poll(t, 90*time.Second, "the namespace controller to report it cannot delete the topic", func() (bool, string) {
		n, err := namespaces.Get(harness.Ctx(t), ns, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, typ := range []string{"NamespaceDeletionContentFailure", "NamespaceContentRemaining"} {
			if cond := harness.Condition(n, typ); cond != nil && cond["status"] == "True" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("conditions: %v", n.Object["status"])
	})
	if _, err := c.API.Get(harness.Ctx(t), topic.GroupVersionKind(), ns, topic.GetName()); err != nil {
		t.Fatalf("the managed topic is gone while its namespace terminates: %v", err)
	}
	n, err := namespaces.Get(harness.Ctx(t), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the namespace is gone while it holds a managed topic: %v", err)
	}
	if phase, _, _ := unstructured.NestedString(n.Object, "status", "phase"); phase != "Terminating" {
		t.Errorf("namespace phase = %q, want Terminating", phase)
	}

	c.release(t, ns, topic.GetName(), "strimzi.io/managed", "false")
	harness.Poll(t, 3*time.Minute, "the namespace to be deleted once the topic is released", func() (bool, string) {
		_, err := namespaces.Get(harness.Ctx(t), ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}

// TestGarbageCollectorDeletionNeedsRelease gives a managed topic and an unguarded
// topic (no sluice.dev/app label) the same owner and deletes the owner. The garbage
// collector deletes the unguarded dependent (so it has processed the owner's
// deletion) while the managed topic stays: its delete is refused by the policy, as a
// single line of the controller manager's log shows (the policy's refusal naming
// this topic). Released, the managed topic goes too.
func TestGarbageCollectorDeletionNeedsRelease(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	ns := c.NewNamespace(t, "gcguard")
	configMaps := c.API.Dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(ns)
	owner, err := configMaps.Create(harness.Ctx(t), &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "owner"},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ownedBy := []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.GetName(), UID: owner.GetUID()}}
	guarded := harness.KafkaTopic(ns, "guarded.gc", nil)
	guarded.SetLabels(map[string]string{"strimzi.io/cluster": "e2e", harness.LabelApp: "guarded"})
	guarded.SetOwnerReferences(ownedBy)
	unguarded := harness.KafkaTopic(ns, "unguarded.gc", nil)
	unguarded.SetOwnerReferences(ownedBy)
	for _, topic := range []*unstructured.Unstructured{guarded, unguarded} {
		if _, err := c.API.CreateStrict(harness.Ctx(t), topic); err != nil {
			t.Fatalf("create %s: %v", harness.ObjKey(topic), err)
		}
	}
	if err := configMaps.Delete(harness.Ctx(t), owner.GetName(), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	harness.Poll(t, 90*time.Second, "the garbage collector to delete the unguarded dependent", func() (bool, string) {
		_, err := c.API.Get(harness.Ctx(t), unguarded.GroupVersionKind(), ns, unguarded.GetName())
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	logPath := filepath.Join(c.Dir, "kube-controller-manager.log")
	refusal := []string{"ValidatingAdmissionPolicy 'sluice-keep-topics'", "denied request: KafkaTopic " + ns + "/" + guarded.GetName() + " belongs to Sluice application guarded"}
	harness.Poll(t, 90*time.Second, "the garbage collector's delete of the managed topic to be refused", func() (bool, string) {
		b, err := os.ReadFile(logPath)
		if err != nil {
			return false, err.Error()
		}
		for line := range strings.Lines(string(b)) {
			if strings.Contains(line, refusal[0]) && strings.Contains(line, refusal[1]) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("no line of %s holds both %q", logPath, refusal)
	})
	live, err := c.API.Get(harness.Ctx(t), guarded.GroupVersionKind(), ns, guarded.GetName())
	if err != nil {
		t.Fatalf("the managed topic is gone although the garbage collector was refused: %v", err)
	}
	if live.GetDeletionTimestamp() != nil {
		t.Fatalf("the managed topic is being deleted although the garbage collector was refused")
	}
	c.release(t, ns, guarded.GetName(), "strimzi.io/managed", "false")
	harness.Poll(t, 90*time.Second, "the garbage collector to delete the released topic", func() (bool, string) {
		_, err := c.API.Get(harness.Ctx(t), guarded.GroupVersionKind(), ns, guarded.GetName())
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}
