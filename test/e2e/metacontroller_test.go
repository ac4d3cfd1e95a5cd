package e2e

// This file runs the REAL Metacontroller (v4.17.2, the binary in
// <shared>/metacontroller/bin) against the test API server, and waits for it:
// every scenario that drives a StreamingApplication goes through it. The stand-in
// of fakemetacontroller_test.go only builds the hook request from what the API
// server holds (to compute the answer Metacontroller must have applied) and serves
// the self-tests of faults the real Metacontroller cannot be made to produce.

import (
	"github.com/sluice-dev/sluice/test/e2e/harness"

	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
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

// metacontrollerVersion is the release of the binary the harness runs.
const metacontrollerVersion = "v4.17.2"

// metacontrollerBinary returns where the real Metacontroller binary is expected:
// <shared>/metacontroller/bin/metacontroller.
func metacontrollerBinary(shared string) string {
	return filepath.Join(shared, "metacontroller", "bin", "metacontroller")
}

// checkMetacontrollerBinary fails with a message naming the file the harness
// needs and where it comes from.
func checkMetacontrollerBinary(shared string) error {
	bin := metacontrollerBinary(shared)
	info, err := os.Stat(bin)
	if err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("%s is not an executable file", bin)
	}
	return fmt.Errorf("the end-to-end tests run the real Metacontroller %s and need its binary at %s: "+
		"a static linux/amd64 build of github.com/metacontroller/metacontroller at its release commit "+
		"(CGO_ENABLED=0 go build ./pkg/cmd/metacontroller), kept in the shared folder beside crds/ "+
		"(its README.md, %s, says how it was built); set %s to the folder holding metacontroller/bin/metacontroller: %w",
		metacontrollerVersion, bin, filepath.Join(shared, "metacontroller", "README.md"), envShared, err)
}

// finalizerName is the finalizer Metacontroller puts on every parent of the
// CompositeController name when it has a finalize hook.
func finalizerName(controller string) string {
	return "metacontroller.io/compositecontroller-" + controller
}

// metacontrollerProcess is the running Metacontroller.
type metacontrollerProcess struct {
	proc        *process
	controllers []string // the CompositeControllers it started, by name
}

// sluiceControllers returns the CompositeControllers whose parent resource is
// StreamingApplications.
func (c *Cluster) sluiceControllers() ([]*unstructured.Unstructured, error) {
	list, err := c.API.Dyn.Resource(compositeControllersGVR).List(context.Background(), harness.ListAll)
	if err != nil {
		return nil, fmt.Errorf("list CompositeControllers: %w", err)
	}
	var out []*unstructured.Unstructured
	for i := range list.Items {
		cc := &list.Items[i]
		apiVersion, _, _ := unstructured.NestedString(cc.Object, "spec", "parentResource", "apiVersion")
		res, _, _ := unstructured.NestedString(cc.Object, "spec", "parentResource", "resource")
		if apiVersion == harness.SappGVR.GroupVersion().String() && res == harness.SappGVR.Resource {
			out = append(out, cc)
		}
	}
	return out, nil
}

// pointHooksAtSluice rewrites the scheme and host of every hook URL of the installed
// CompositeController to the `sluice serve` on loopback, keeping each path: the
// manifests name the in-cluster Service, which does not exist out of cluster.
func (c *Cluster) pointHooksAtSluice() ([]string, error) {
	controllers, err := c.sluiceControllers()
	if err != nil {
		return nil, err
	}
	if len(controllers) != 1 {
		return nil, fmt.Errorf("want exactly one CompositeController for %s, found %d", harness.SappGVR, len(controllers))
	}
	base, err := url.Parse(c.sluiceURL)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, cc := range controllers {
		hooks, _, _ := unstructured.NestedMap(cc.Object, "spec", "hooks")
		for _, name := range harness.SortedKeys(hooks) {
			raw, _, _ := unstructured.NestedString(hooks, name, "webhook", "url")
			u, err := url.Parse(raw)
			if err != nil || u.Path == "" {
				return nil, fmt.Errorf("CompositeController %s: spec.hooks.%s.webhook.url %q has no path (%v)", cc.GetName(), name, raw, err)
			}
			u.Scheme, u.Host = base.Scheme, base.Host
			if err := unstructured.SetNestedField(cc.Object, u.String(), "spec", "hooks", name, "webhook", "url"); err != nil {
				return nil, err
			}
		}
		if _, err := c.API.Dyn.Resource(compositeControllersGVR).Update(context.Background(), cc, harness.StrictUpdate); err != nil {
			return nil, fmt.Errorf("point the hooks of CompositeController %s at %s: %w", cc.GetName(), c.sluiceURL, err)
		}
		names = append(names, cc.GetName())
	}
	return names, nil
}

// startMetacontroller points the hooks at `sluice serve` and runs the real
// Metacontroller out of cluster with the flags of <shared>/metacontroller/README.md,
// then waits until it is ready and has started every CompositeController of
// StreamingApplications: a parent created before that would wait for the next
// discovery refresh.
func (c *Cluster) startMetacontroller(bin string, metricsPort, healthPort int, r *reaper) error {
	start := time.Now()
	names, err := c.pointHooksAtSluice()
	if err != nil {
		return err
	}
	health := fmt.Sprintf("127.0.0.1:%d", healthPort)
	p, err := startProcess(c.Dir, "metacontroller", bin,
		"-kubeconfig", c.Kubeconfig,
		"-client-go-qps", "100", "-client-go-burst", "200",
		"-discovery-interval", "5s",
		"-metrics-address", fmt.Sprintf("127.0.0.1:%d", metricsPort),
		"-health-probe-bind-address", health,
		"-zap-encoder", "console", "-zap-log-level", "4",
	)
	if err != nil {
		return err
	}
	r.track(p)
	c.mc = &metacontrollerProcess{proc: p, controllers: names}
	if err := waitHTTP(p, "http://"+health+"/readyz", "", 60*time.Second); err != nil {
		return fmt.Errorf("metacontroller: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, name := range names {
		for !c.mc.started(name) {
			if done, err := p.exited(); done {
				return fmt.Errorf("metacontroller exited (%v) before it started CompositeController %s; log tail:\n%s", err, name, p.tail())
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("metacontroller logged no %q for %s within 60s; log tail:\n%s", "Starting CompositeController", name, p.tail())
			}
			time.Sleep(100 * time.Millisecond) // polling its log
		}
	}
	harness.Logf("metacontroller %s ready, CompositeController %s started, in %s", metacontrollerVersion, strings.Join(names, ", "), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// started reports whether the log holds the line `Starting CompositeController`
// for the controller name: zap's console encoder writes it as
// `…	INFO	composite.NAME	Starting CompositeController	{"controller": {…, "name": "NAME"}}`.
func (m *metacontrollerProcess) started(name string) bool {
	for _, line := range m.logLines() {
		if strings.Contains(line, "	Starting CompositeController	") && strings.Contains(line, `"name": "`+name+`"`) {
			return true
		}
	}
	return false
}

// logLines returns the lines of Metacontroller's log so far.
func (m *metacontrollerProcess) logLines() []string {
	f, err := os.Open(m.proc.log)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024) // a line can hold a whole object
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// errorLines returns the lines of Metacontroller's log at error level that mention
// namespace (every test has a namespace of its own): zap's console encoder writes
// the level as a tab-separated "ERROR", client-go's klog lines start with "E" and
// the date.
func (m *metacontrollerProcess) errorLines(namespace string) []string {
	var out []string
	for _, line := range m.logLines() {
		if !strings.Contains(line, namespace) {
			continue
		}
		if strings.Contains(line, "\tERROR\t") || klogError(line) {
			out = append(out, line)
		}
	}
	return out
}

// klogError reports whether line is a klog line at error level ("E1201 23:37:00.000000 …").
func klogError(line string) bool {
	return len(line) > 5 && line[0] == 'E' && strings.IndexFunc(line[1:5], func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// abbreviated joins lines for a failure message, each shortened.
func abbreviated(lines []string) string {
	const max = 2000
	out := make([]string, len(lines))
	for i, line := range lines {
		if len(line) > max {
			line = line[:max] + "…"
		}
		out[i] = line
	}
	return strings.Join(out, "\n  ")
}

// needMetacontroller fails the test when the real Metacontroller is not running.
func (c *Cluster) NeedMetacontroller(t *testing.T) {
	t.Helper()
	c.NeedManifests(t)
	c.NeedSluice(t)
	if c.mcErr != nil {
		t.Fatalf("the real Metacontroller is not running: %v", c.mcErr)
	}
	if done, err := c.mc.proc.exited(); done {
		t.Fatalf("the real Metacontroller exited (%v); log tail:\n%s", err, c.mc.proc.tail())
	}
}

// settleTimeout bounds waitSettled. Metacontroller settles a new application in a
// second or two; the bound also covers its resync of a time-based status change
// (the hook asks to be called again every 60 s while an application is not Ready).
const settleTimeout = 2 * time.Minute

// waitSettled waits until the real Metacontroller has done everything it will do
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

// waitGone waits until the real Metacontroller has finalized parent and the API
// server no longer holds it, then checks that Metacontroller raised no SyncError
// event for it and logged no error for its namespace but those expected says are
// expected.
func (c *Cluster) WaitGone(t *testing.T, parent *unstructured.Unstructured, timeout time.Duration, expected ...func(string) bool) {
	t.Helper()
	c.NeedMetacontroller(t)
	ns, name := parent.GetNamespace(), parent.GetName()
	parents := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns)
	deadline := time.Now().Add(timeout)
	for {
		live, err := parents.Get(harness.Ctx(t), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		if err != nil {
			t.Fatalf("get %s/%s: %v", ns, name, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s still exists %s after its deletion (finalizers %v, deletionTimestamp %v); status:\n%s%s", ns, name, timeout,
				live.GetFinalizers(), live.GetDeletionTimestamp(), harness.MustJSON(live.Object["status"]), c.Diagnostics(t, ns, name))
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
	expected = append(expected, OnlyConflicts)
	unexpected := func(list []string) []string {
		return slices.DeleteFunc(list, func(s string) bool {
			return slices.ContainsFunc(expected, func(ok func(string) bool) bool { return ok(s) })
		})
	}
	if events := unexpected(c.SyncErrors(t, parent)); len(events) > 0 {
		t.Errorf("Metacontroller raised SyncError events for %s:\n  %s", harness.ObjKey(parent), abbreviated(events))
	}
	if lines := unexpected(c.mc.errorLines(parent.GetNamespace())); len(lines) > 0 {
		t.Errorf("Metacontroller logged errors for namespace %s:\n  %s", parent.GetNamespace(), abbreviated(lines))
	}
}

// finalizerOfGoneParent reports whether an error of Metacontroller is only that it
// could not remove its finalizer from the parent ns/name because the parent is gone
// already: a sync queued before the parent's deletion finds it in Metacontroller's
// cache and removes the finalizer a second time (Metacontroller v4.17.2 raises a
// SyncError for that). The finalize that mattered was done.
func FinalizerOfGoneParent(ns, name string) func(string) bool {
	removal := "can't remove finalizer for StreamingApplication " + ns + "/" + name + ": "
	return func(s string) bool {
		_, rest, ok := strings.Cut(s, removal)
		return ok && !strings.Contains(s, "can't reconcile children") && !strings.Contains(s, "can't update status") &&
			strings.Contains(rest, "not found")
	}
}

// createRefusedInTerminatingNamespace reports whether an error of Metacontroller
// is only that it could not re-create children in namespace while it terminates:
// the namespace controller deletes the children and the application in no
// particular order, and until the application is deleted too, Metacontroller
// re-creates the children it misses, which the API server refuses. Nothing is
// lost: the application's next sync is its finalize. Any other refusal in the same
// message (the status, an update, a topic's deletion) is not this.
func CreateRefusedInTerminatingNamespace(namespace string) func(string) bool {
	refusal := "is forbidden: unable to create new content in namespace " + namespace + " because it is being terminated"
	return func(s string) bool {
		return strings.Contains(s, "can't reconcile children") && OnlyErrors(s, refusal)
	}
}

// conflict is the API server's refusal of a write made from a stale read
// (optimistic concurrency): Metacontroller read a child from its cache before the
// watch delivered its own last write of it, and retries. Never the hook's doing.
const Conflict = "the object has been modified; please apply your changes to the latest version and try again"

// onlyConflicts reports whether an error of Metacontroller holds conflicts and no
// other error.
func OnlyConflicts(s string) bool { return OnlyErrors(s, Conflict) }

// errorMarkers are words of every refusal of the API server and error of
// Metacontroller that onlyErrors must not let through.
var errorMarkers = []string{"forbidden", "Forbidden", "invalid", "Invalid", "denied", "Duplicate", "can't update status",
	"not found", "timeout", "refused", "modified", "exceeded", "error:", "EOF"}

// onlyErrors reports whether s holds at least one of the errors and, once they
// are cut out, no other refusal.
func OnlyErrors(s string, errs ...string) bool {
	found := false
	for _, e := range errs {
		if strings.Contains(s, e) {
			found = true
			s = strings.ReplaceAll(s, e, "")
		}
	}
	if !found {
		return false
	}
	for _, marker := range errorMarkers {
		if strings.Contains(s, marker) {
			return false
		}
	}
	return true
}

var eventsGVR = schema.GroupVersionResource{Version: "v1", Resource: "events"}

// syncErrors lists the SyncError events (core/v1) of parent, by its uid, as
// "count× message".
func (c *Cluster) SyncErrors(t *testing.T, parent *unstructured.Unstructured) []string {
	t.Helper()
	list, err := c.API.Dyn.Resource(eventsGVR).Namespace(parent.GetNamespace()).List(harness.Ctx(t), metav1.ListOptions{
		FieldSelector: "involvedObject.uid=" + string(parent.GetUID()) + ",reason=SyncError",
	})
	if err != nil {
		t.Fatalf("list the events of %s: %v", harness.ObjKey(parent), err)
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

// diagnostics says what Metacontroller reported about the parent, for a failure
// message: its SyncError events and the error lines of its log.
func (c *Cluster) Diagnostics(t *testing.T, ns, name string) string {
	t.Helper()
	var b strings.Builder
	if live, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns).Get(harness.Ctx(t), name, metav1.GetOptions{}); err == nil {
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

// unsettled returns the live parent and why Metacontroller is not done with it yet
// ("" when it is): see waitSettled. An error is a failure no wait can cure (the
// hook refused the request).
func (f *StandIn) Unsettled(t *testing.T, ns, name string) (*unstructured.Unstructured, string, error) {
	t.Helper()
	live, err := f.c.API.Dyn.Resource(harness.SappGVR).Namespace(ns).Get(harness.Ctx(t), name, metav1.GetOptions{})
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
		key := harness.ChildKey(child.GroupVersionKind())
		nsName := child.GetNamespace() + "/" + child.GetName()
		answered[key+" "+nsName] = true
		live := observed[key][nsName]
		switch {
		case live == nil:
			out = append(out, fmt.Sprintf("%s is answered but does not exist", harness.ObjKey(child)))
		case live.GetDeletionTimestamp() != nil:
			out = append(out, fmt.Sprintf("%s is answered but pending deletion", harness.ObjKey(child)))
		case f.strategy[key] == "" || f.strategy[key] == "OnDelete":
			// Metacontroller never updates such a child in place.
		default:
			if d := MergeDiff(live, child); d != "" {
				out = append(out, fmt.Sprintf("Metacontroller would still update %s (-live +merged answer):\n%s", harness.ObjKey(live), d))
			}
		}
	}
	for _, key := range harness.SortedKeys(observed) {
		for _, nsName := range harness.SortedKeys(observed[key]) {
			if !answered[key+" "+nsName] {
				out = append(out, fmt.Sprintf("%s %s is left out of the answer but still exists", key, nsName))
			}
		}
	}
	return out
}

// statusDiff compares the parent's stored status with the answered one plus the
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
	if harness.EqualJSON(want, stored) {
		return ""
	}
	return cmp.Diff(jsonValue(want), jsonValue(stored))
}

// mergeDiff returns how Metacontroller's update of live for the answered child would
// differ from live ("" when it would write nothing), last-applied configurations
// compared decoded.
func MergeDiff(live, answered *unstructured.Unstructured) string {
	merged, err := applyUpdate(live, answered)
	if err != nil {
		return err.Error()
	}
	a, b := withDecodedLastApplied(live), withDecodedLastApplied(merged)
	if harness.EqualJSON(a, b) {
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
