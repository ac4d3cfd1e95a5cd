package harness

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
)

// settleTimeout bounds WaitSettled. Metacontroller settles a new application in a
// second or two; the bound also covers its resync of a time-based status change
// (the hook asks to be called again every 60 s while an application is not Ready).
const settleTimeout = 2 * time.Minute

// DeleteTimeout bounds the wait for a deleted application to be finalized and gone
// (WaitGone's timeout in the tests that delete one).
const DeleteTimeout = 2 * time.Minute

// WaitSettled waits until the real Metacontroller has done everything it will do
// for parent, and returns the live parent. Settled means, read back from the API
// server: the parent carries Metacontroller's finalizer; status.observedGeneration is
// the generation; and the answer `sluice serve` gives to the request Metacontroller
// would send now (built from the live parent, children and related objects) is
// what the cluster holds: the stored status equals the answered one (plus
// observedGeneration), every answered child exists and Metacontroller's three-way
// merge of the answer into it changes nothing, and no other child exists. So
// Metacontroller's next sync writes nothing. It then checks that Metacontroller
// raised no SyncError event for the parent and logged no error for its namespace.
//
// Errors of Metacontroller for which one of expected reports true are left out.
func (c *Cluster) WaitSettled(t *testing.T, parent *unstructured.Unstructured, expected ...func(string) bool) *unstructured.Unstructured {
	t.Helper()
	c.NeedMetacontroller(t)
	f := c.StandIn(t)
	ns, name := parent.GetNamespace(), parent.GetName()
	start := time.Now()
	deadline := start.Add(settleTimeout)
	for {
		live, reason, err := f.Unsettled(t, ns, name)
		if err != nil {
			t.Fatalf("%s/%s: %v", ns, name, err)
		}
		if reason == "" {
			t.Logf("Metacontroller settled %s/%s in %s", ns, name, time.Since(start).Round(10*time.Millisecond))
			c.checkAccepted(t, live, expected...)
			return live
		}
		if time.Now().After(deadline) {
			t.Fatalf("Metacontroller did not settle %s/%s within %s: %s%s", ns, name, settleTimeout, reason, c.Diagnostics(t, ns, name))
		}
		c.NeedMetacontroller(t)
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s/%s to settle", ns, name)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// WaitGone waits until the real Metacontroller has finalized parent and the API
// server no longer holds it, then checks that Metacontroller raised no SyncError
// event for it and logged no error for its namespace but those expected says are
// expected.
func (c *Cluster) WaitGone(t *testing.T, parent *unstructured.Unstructured, timeout time.Duration, expected ...func(string) bool) {
	t.Helper()
	c.NeedMetacontroller(t)
	ns, name := parent.GetNamespace(), parent.GetName()
	parents := c.API.Dyn.Resource(SappGVR).Namespace(ns)
	deadline := time.Now().Add(timeout)
	for {
		live, err := parents.Get(Ctx(t), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		if err != nil {
			t.Fatalf("get %s/%s: %v", ns, name, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s still exists %s after its deletion (finalizers %v, deletionTimestamp %v); status:\n%s%s", ns, name, timeout,
				live.GetFinalizers(), live.GetDeletionTimestamp(), MustJSON(live.Object["status"]), c.Diagnostics(t, ns, name))
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s/%s to be gone", ns, name)
		case <-time.After(200 * time.Millisecond):
		}
	}
	c.checkAccepted(t, parent, append(expected, FinalizerOfGoneParent(ns, name))...)
}

// checkAccepted fails the test when Metacontroller raised a SyncError event for
// parent (it does when a hook call, a child write or the status write fails: the API
// server refused what the hook answered) or logged an error naming its namespace;
// an event message or log line that holds only conflicts (see conflict), or for
// which one of expected reports true, is left out.
func (c *Cluster) checkAccepted(t *testing.T, parent *unstructured.Unstructured, expected ...func(string) bool) {
	t.Helper()
	expected = append(expected, onlyConflicts)
	unexpected := func(list []string) []string {
		return slices.DeleteFunc(list, func(s string) bool {
			return slices.ContainsFunc(expected, func(ok func(string) bool) bool { return ok(s) })
		})
	}
	if events := unexpected(c.SyncErrors(t, parent)); len(events) > 0 {
		t.Errorf("Metacontroller raised SyncError events for %s:\n  %s", ObjKey(parent), abbreviated(events))
	}
	if lines := unexpected(c.mc.errorLines(parent.GetNamespace())); len(lines) > 0 {
		t.Errorf("Metacontroller logged errors for namespace %s:\n  %s", parent.GetNamespace(), abbreviated(lines))
	}
}

var eventsGVR = schema.GroupVersionResource{Version: "v1", Resource: "events"}

// SyncErrors lists the SyncError events (core/v1) of parent, by its uid, as
// "count× message".
func (c *Cluster) SyncErrors(t *testing.T, parent *unstructured.Unstructured) []string {
	t.Helper()
	list, err := c.API.Dyn.Resource(eventsGVR).Namespace(parent.GetNamespace()).List(Ctx(t), metav1.ListOptions{
		FieldSelector: "involvedObject.uid=" + string(parent.GetUID()) + ",reason=SyncError",
	})
	if err != nil {
		t.Fatalf("list the events of %s: %v", ObjKey(parent), err)
	}
	var out []string
	for _, ev := range list.Items {
		count, _, _ := unstructured.NestedInt64(ev.Object, "count")
		msg, _, _ := unstructured.NestedString(ev.Object, "message")
		out = append(out, fmt.Sprintf("%d× %s", max(count, 1), msg))
	}
	slices.Sort(out)
	return out
}

// Diagnostics says what Metacontroller reported about the parent, for a failure
// message: its SyncError events and the error lines of its log.
func (c *Cluster) Diagnostics(t *testing.T, ns, name string) string {
	t.Helper()
	var b strings.Builder
	if live, err := c.API.Dyn.Resource(SappGVR).Namespace(ns).Get(Ctx(t), name, metav1.GetOptions{}); err == nil {
		if events := c.SyncErrors(t, live); len(events) > 0 {
			fmt.Fprintf(&b, "\nSyncError events:\n  %s", abbreviated(events))
		} else {
			b.WriteString("\nno SyncError event")
		}
	}
	if lines := c.mc.errorLines(ns); len(lines) > 0 {
		fmt.Fprintf(&b, "\nMetacontroller's log, errors for namespace %s:\n  %s", ns, abbreviated(lines))
	} else {
		fmt.Fprintf(&b, "\nno error for namespace %s in Metacontroller's log (%s)", ns, c.mc.proc.log)
	}
	return b.String()
}

// Unsettled returns the live parent and why Metacontroller is not done with it yet
// ("" when it is): see WaitSettled. An error is a failure no wait can cure (the
// hook refused the request).
func (f *StandIn) Unsettled(t *testing.T, ns, name string) (*unstructured.Unstructured, string, error) {
	t.Helper()
	live, err := f.c.API.Dyn.Resource(SappGVR).Namespace(ns).Get(Ctx(t), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("the application is gone")
	}
	if err != nil {
		return nil, "", err
	}
	if live.GetDeletionTimestamp() != nil {
		return live, "the application is being deleted", nil
	}
	if f.hasFinalizeHook() && !slices.Contains(live.GetFinalizers(), f.finalizer()) {
		return live, fmt.Sprintf("no finalizer %s yet (finalizers %v)", f.finalizer(), live.GetFinalizers()), nil
	}
	if got, _, _ := unstructured.NestedInt64(live.Object, "status", "observedGeneration"); got != live.GetGeneration() {
		return live, fmt.Sprintf("status.observedGeneration is %d, generation %d", got, live.GetGeneration()), nil
	}
	related, err := f.related(t, live)
	if err != nil {
		return live, fmt.Sprintf("customize hook: %v", err), nil
	}
	observed := f.Observe(t, live)
	ans, err := f.Call(f.Request(live, observed, related))
	if err != nil {
		return nil, "", fmt.Errorf("the sync hook refused the request built from the live objects: %w", err)
	}
	if reasons := f.differences(live, observed, ans); len(reasons) > 0 {
		return live, strings.Join(reasons, "\n"), nil
	}
	return live, "", nil
}

// differences lists what Metacontroller would still write for the answer ans:
// a status that differs from the stored one (observedGeneration aside, which it
// adds), children to create, to update (its three-way merge of the answered child
// into the live one changes something) or to delete.
func (f *StandIn) differences(parent *unstructured.Unstructured, observed map[string]map[string]*unstructured.Unstructured, ans *SyncAnswer) []string {
	var out []string
	var status map[string]any
	if len(ans.Status) > 0 && string(ans.Status) != "null" {
		if err := k8sjson.Unmarshal(ans.Status, &status); err != nil {
			return []string{fmt.Sprintf("the answered status does not decode: %v", err)}
		}
	}
	if d := StatusDiff(parent, status); d != "" {
		out = append(out, "the stored status is not the answered one (-answered +stored):\n"+d)
	}
	desired, err := f.DecodeChildren(ans, parent)
	if err != nil {
		return append(out, fmt.Sprintf("the answer: %v", err))
	}
	answered := map[string]bool{}
	for _, child := range desired {
		key := ChildKey(child.GroupVersionKind())
		nsName := child.GetNamespace() + "/" + child.GetName()
		answered[key+" "+nsName] = true
		live := observed[key][nsName]
		switch {
		case live == nil:
			out = append(out, fmt.Sprintf("%s is answered but does not exist", ObjKey(child)))
		case live.GetDeletionTimestamp() != nil:
			out = append(out, fmt.Sprintf("%s is answered but pending deletion", ObjKey(child)))
		case f.strategy[key] == "" || f.strategy[key] == "OnDelete":
			// Metacontroller never updates such a child in place.
		default:
			if d := MergeDiff(live, child); d != "" {
				out = append(out, fmt.Sprintf("Metacontroller would still update %s (-live +merged answer):\n%s", ObjKey(live), d))
			}
		}
	}
	for _, key := range SortedKeys(observed) {
		for _, nsName := range SortedKeys(observed[key]) {
			if !answered[key+" "+nsName] {
				out = append(out, fmt.Sprintf("%s %s is left out of the answer but still exists", key, nsName))
			}
		}
	}
	return out
}

// StatusDiff compares the parent's stored status with the answered one plus the
// observedGeneration Metacontroller adds; "" when they are equal. The answer is
// computed from a request that carries the stored status, so every
// lastTransitionTime the hook carries over is the stored one.
func StatusDiff(parent *unstructured.Unstructured, answered map[string]any) string {
	want := runtime.DeepCopyJSON(answered)
	if want == nil {
		want = map[string]any{}
	}
	want["observedGeneration"] = parent.GetGeneration()
	stored, _, _ := unstructured.NestedMap(parent.Object, "status")
	if EqualJSON(want, stored) {
		return ""
	}
	return cmp.Diff(jsonValue(want), jsonValue(stored))
}

// MergeDiff returns how Metacontroller's update of live for the answered child would
// differ from live ("" when it would write nothing), last-applied configurations
// compared decoded.
func MergeDiff(live, answered *unstructured.Unstructured) string {
	merged, err := applyUpdate(live, answered)
	if err != nil {
		return err.Error()
	}
	a, b := withDecodedLastApplied(live), withDecodedLastApplied(merged)
	if EqualJSON(a, b) {
		return ""
	}
	return cmp.Diff(a, b)
}

// withDecodedLastApplied returns obj's content as JSON values with its last-applied
// annotation decoded (two encodings of one configuration are the same).
func withDecodedLastApplied(obj *unstructured.Unstructured) any {
	out := runtime.DeepCopyJSON(obj.Object)
	annotations, _, _ := unstructured.NestedMap(out, "metadata", "annotations")
	if s, ok := annotations[LastAppliedKey].(string); ok {
		var v any
		if err := k8sjson.Unmarshal([]byte(s), &v); err == nil {
			annotations[LastAppliedKey] = v
			_ = unstructured.SetNestedMap(out, annotations, "metadata", "annotations")
		}
	}
	return jsonValue(out)
}

// jsonValue normalizes v through a JSON round trip (int64 and float64 alike), for
// comparisons and diffs.
func jsonValue(v any) any {
	b, err := k8sjson.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := k8sjson.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}
