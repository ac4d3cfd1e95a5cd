package hooks

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

func TestCustomizeAsksForTheApplicationsPods(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	resp, err := Customize(&CustomizeRequest{Parent: c.parent})
	if err != nil {
		t.Fatal(err)
	}
	want := []RelatedResource{{APIVersion: "v1", Resource: "pods", Namespace: "demo",
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"sluice.dev/app": cra}}}}
	if diff := cmp.Diff(want, resp.RelatedResources); diff != "" {
		t.Errorf("related resources mismatch (-want +got):\n%s", diff)
	}

	h := testHandler()
	body, _ := json.Marshal(CustomizeRequest{Parent: c.parent})
	rec := post(t, h, "/customize", body)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"resource":"pods"`) {
		t.Errorf("POST /customize: HTTP %d %s", rec.Code, rec.Body)
	}
	foreign := c.parent.DeepCopy()
	foreign.SetKind("App")
	body, _ = json.Marshal(CustomizeRequest{Parent: foreign})
	if rec := post(t, h, "/customize", body); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("POST /customize for a foreign parent: HTTP %d, want 422", rec.Code)
	}
}

// pod is a pod of a streamlet with one container in the given state.
func pod(name, streamlet string, restarts int64, waitingReason string) *unstructured.Unstructured {
	status := map[string]any{"name": "streamlet", "restartCount": restarts, "state": map[string]any{"running": map[string]any{}}}
	if waitingReason != "" {
		status["state"] = map[string]any{"waiting": map[string]any{"reason": waitingReason}}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": "demo", "labels": map[string]any{"sluice.dev/app": cra, "sluice.dev/streamlet": streamlet}},
		"status":   map[string]any{"containerStatuses": []any{status}},
	}}
}

// TestPodHealthInStatus: with related pods, restarts and CrashLoopBackOff
// show in the streamlet's status and make it Degraded.
func TestPodHealthInStatus(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	c.sync()
	req := c.request()
	req.Related = map[string]map[string]*unstructured.Unstructured{relatedPodsKey: {
		"demo/merge-a": pod("merge-a", "merge", 7, "CrashLoopBackOff"),
		"demo/merge-b": pod("merge-b", "merge", 2, ""),
		"demo/egress":  pod("egress", "console-egress", 0, ""),
	}}
	resp, err := Sync(req, now)
	checkListKeys(t, resp)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]graph.StreamletStatus{}
	for _, s := range resp.Status.Streamlets {
		got[s.Name] = s
	}
	merge := got["merge"]
	if merge.Restarts != 9 || merge.Phase != graph.PhaseDegraded || !strings.Contains(merge.Message, "1 containers in CrashLoopBackOff") {
		t.Errorf("merge status = %+v, want 9 restarts, Degraded, CrashLoopBackOff", merge)
	}
	if egress := got["console-egress"]; egress.Restarts != 0 || egress.Phase == graph.PhaseDegraded {
		t.Errorf("console-egress status = %+v, want untouched", egress)
	}
}
