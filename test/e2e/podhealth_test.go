package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

var (
	podsGVR            = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	serviceAccountsGVR = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
)

// TestPodHealthFromRelatedPods: with the pod-health component the real Metacontroller
// asks Sluice's customize hook for related objects, watches the application's pods
// and passes them in the sync request; their container restarts and CrashLoopBackOff
// show in the streamlet's status, and go away with the pod.
func TestPodHealthFromRelatedPods(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	if !c.StandIn(t).HasCustomizeHook() {
		t.Fatal("the CompositeController has no customize hook; the pod-health component is not installed")
	}
	app := c.DeployReference(t, "podhealth")
	ns := app.GetNamespace()

	// The ServiceAccount admission plugin refuses a pod whose service account does
	// not exist, and no controller of the test cluster makes "default".
	sa := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ServiceAccount",
		"metadata": map[string]any{"name": "default", "namespace": ns},
	}}
	if _, err := c.API.Dyn.Resource(serviceAccountsGVR).Namespace(ns).Create(harness.Ctx(t), sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create ServiceAccount %s/default: %v", ns, err)
	}

	crashing := c.createStreamletPod(t, ns, "merge", "merge-crashing", 7, map[string]any{
		"waiting": map[string]any{"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"},
	})
	c.createStreamletPod(t, ns, "merge", "merge-running", 2, map[string]any{
		"running": map[string]any{"startedAt": "2026-01-01T00:00:00Z"},
	})

	live := c.WaitSettled(t, app)
	merge := harness.StreamletStatus(t, live, "merge")
	if got, _, _ := unstructured.NestedInt64(merge, "restarts"); got != 9 {
		t.Errorf("merge restarts = %d, want 9 (7 + 2)\n%s", got, harness.MustJSON(merge))
	}
	if merge["phase"] != "Degraded" {
		t.Errorf("merge phase = %v, want Degraded\n%s", merge["phase"], harness.MustJSON(merge))
	}
	if msg, _ := merge["message"].(string); !strings.Contains(msg, "CrashLoopBackOff") {
		t.Errorf("merge message = %q, want it to mention CrashLoopBackOff", msg)
	}
	egress := harness.StreamletStatus(t, live, "console-egress")
	if r, ok := egress["restarts"]; ok {
		t.Errorf("console-egress (no pods) has restarts %v, want no restarts field\n%s", r, harness.MustJSON(egress))
	}

	zero := int64(0)
	if err := c.API.Dyn.Resource(podsGVR).Namespace(ns).Delete(harness.Ctx(t), crashing.GetName(), metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatalf("delete pod %s: %v", crashing.GetName(), err)
	}
	harness.Poll(t, timeoutPodGone, "pod "+crashing.GetName()+" to be gone", func() (bool, string) {
		_, err := c.API.Dyn.Resource(podsGVR).Namespace(ns).Get(harness.Ctx(t), crashing.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		return false, fmt.Sprintf("get: %v", err)
	})

	live = c.WaitSettled(t, live)
	merge = harness.StreamletStatus(t, live, "merge")
	if got, _, _ := unstructured.NestedInt64(merge, "restarts"); got != 2 {
		t.Errorf("after deleting the crashing pod: merge restarts = %d, want 2\n%s", got, harness.MustJSON(merge))
	}
	if msg, _ := merge["message"].(string); strings.Contains(msg, "CrashLoopBackOff") {
		t.Errorf("after deleting the crashing pod: merge message = %q, still mentions CrashLoopBackOff", msg)
	}
}

// timeoutPodGone bounds the wait for an unscheduled pod's deletion (immediate: no
// kubelet has to confirm it).
const timeoutPodGone = 30 * time.Second

// createStreamletPod creates a pod of the reference application's streamlet (labels
// only; no kubelet runs it) and sets one container status through pods/status:
// restarts and state (one of waiting, running, terminated).
func (c *cluster) createStreamletPod(t *testing.T, ns, streamletName, name string, restarts int64, state map[string]any) *unstructured.Unstructured {
	t.Helper()
	const image = "registry.example.com/carly/call-record-aggregator:1.0.0"
	pod := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{
			"name": name, "namespace": ns,
			"labels": map[string]any{harness.LabelApp: harness.RefApp, harness.LabelStreamlet: streamletName},
		},
		"spec": map[string]any{
			"automountServiceAccountToken": false,
			"containers":                   []any{map[string]any{"name": "streamlet", "image": image}},
		},
	}}
	r := c.API.Dyn.Resource(podsGVR).Namespace(ns)
	created, err := r.Create(harness.Ctx(t), pod, harness.StrictCreate)
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", ns, name, err)
	}
	_, running := state["running"]
	created.Object["status"] = map[string]any{
		"phase": "Running",
		"containerStatuses": []any{map[string]any{
			"name":         "streamlet",
			"image":        image,
			"imageID":      "registry.example.com/carly/call-record-aggregator@sha256:" + strings.Repeat("0", 64),
			"ready":        running,
			"started":      running,
			"restartCount": restarts,
			"state":        state,
		}},
	}
	updated, err := r.UpdateStatus(harness.Ctx(t), created, harness.StrictUpdate)
	if err != nil {
		t.Fatalf("update status of pod %s/%s: %v", ns, name, err)
	}
	if got, _, _ := unstructured.NestedSlice(updated.Object, "status", "containerStatuses"); len(got) != 1 {
		t.Fatalf("pod %s/%s: status.containerStatuses not kept: %s", ns, name, harness.MustJSON(updated.Object["status"]))
	}
	return updated
}
