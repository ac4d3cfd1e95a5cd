package e2e

// The kubectl plugin, kubectl-sluice, against the test API server with the real
// Metacontroller: every test runs the built binary with the harness's kubeconfig and
// checks what it printed, its exit code, and what the cluster then holds.

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// referenceFile writes the reference application into namespace ns, with edits,
// and returns its path.
func (c *cluster) referenceFile(t *testing.T, ns string, edits ...func(t *testing.T, spec map[string]any)) string {
	t.Helper()
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	spec := app.Object["spec"].(map[string]any)
	for _, e := range edits {
		e(t, spec)
	}
	b, err := yaml.Marshal(app.Object)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%d.yaml", harness.RefApp, time.Now().UnixNano()))
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// pluginDeploy deploys the reference application with the plugin into a new
// namespace and waits until Metacontroller has settled it.
func (c *cluster) pluginDeploy(t *testing.T, prefix string, edits ...func(t *testing.T, spec map[string]any)) (string, *unstructured.Unstructured) {
	t.Helper()
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, prefix)
	r := c.SluicePlugin(t, "deploy", c.referenceFile(t, ns, edits...))
	harness.Expect(t, r, 0, "[Done] Deployment of application `call-record-aggregator` has started.")
	return ns, c.WaitSettled(t, c.LiveApp(t, ns))
}

// TestPluginDeploy: deploy validates offline (every problem, nothing sent, exit 1),
// merges --conf values, prints every default it uses in the seed platform's words,
// applies with server-side apply as kubectl-sluice, and the children appear.
func TestPluginDeploy(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, "plugin-deploy")

	bad := c.referenceFile(t, ns, func(t *testing.T, spec map[string]any) {
		harness.Streamlet(t, spec, "merge")["replicas"] = "four"
		harness.Streamlet(t, spec, "cdr-validator")["inlets"] = []any{}
	})
	r := c.SluicePlugin(t, "deploy", bad, "--conf", "cdr-generator1.records-per-second=fast", "--conf", "nosuch.k=v")
	harness.Expect(t, r, 1,
		`spec.streamlets[merge].replicas: must be an integer, not the string "four"`,
		`cdr-generator1.records-per-second=fast: "fast" is not a int32`,
		`nosuch.k=v: application call-record-aggregator has no streamlet "nosuch"`,
		"nothing was sent")
	if _, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns).Get(harness.Ctx(t), harness.RefApp, metav1.GetOptions{}); err == nil {
		t.Fatal("an invalid deploy created the application")
	}

	file := c.referenceFile(t, ns)
	// Before the application exists, its diff is every child to create: checked
	// below against what Metacontroller creates.
	d := c.pluginDiff(t, file, ns, 1)
	if got := d.fates()[harness.TopicName("merge", "out")]; got != "created" {
		t.Errorf("the diff of a new application says its topic is %q, want created", got)
	}
	r = c.SluicePlugin(t, "deploy", file, "--conf", "cdr-generator1.records-per-second=100", "--dry-run=server")
	harness.Expect(t, r, 0, "server dry run: nothing was stored")

	r = c.SluicePlugin(t, "deploy", file, "--conf", "cdr-generator1.records-per-second=100")
	harness.Expect(t, r, 0)
	want := []string{
		"Default value '1 minute' will be used for configuration parameter 'cdr-aggregator.group-by-window'",
		"Default value '1 minute' will be used for configuration parameter 'cdr-aggregator.watermark'",
		"Default value '50' will be used for configuration parameter 'cdr-generator2.records-per-second'",
		"[Done] Deployment of application `call-record-aggregator` has started.",
	}
	if diff := cmp.Diff(want, harness.Lines(r.Stdout)); diff != "" {
		t.Errorf("deploy's output mismatch (-want +got):\n%s", diff)
	}
	live := c.WaitSettled(t, c.LiveApp(t, ns))
	managers := map[string]bool{}
	for _, mf := range live.GetManagedFields() {
		managers[mf.Manager+"/"+string(mf.Operation)] = true
	}
	if !managers["kubectl-sluice/Apply"] {
		t.Errorf("the application has no server-side apply of field manager kubectl-sluice: %v", managers)
	}
	kids := c.Snapshot(t, live)
	if diff := cmp.Diff(d.predicted(), harness.ChangedKeys(nil, kids)); diff != "" {
		t.Errorf("the children Metacontroller made differ from the diff's creates (-predicted +made):\n%s", diff)
	}
	if len(kids) < 24 {
		t.Errorf("Metacontroller made %d children, want the reference application's 24 at least: %v", len(kids), harness.SortedKeys(kids))
	}
	cm := kids["ConfigMap "+harness.ConfigName("cdr-generator1")]
	if cm == nil {
		t.Fatalf("no ConfigMap %s", harness.ConfigName("cdr-generator1"))
	}
	data, _, _ := unstructured.NestedString(cm.Object, "data", "streamlet.json")
	var conf struct{ Parameters map[string]any }
	if err := json.Unmarshal([]byte(data), &conf); err != nil {
		t.Fatal(err)
	}
	if got := conf.Parameters["records-per-second"]; got != 100.0 {
		t.Errorf("cdr-generator1's records-per-second = %v, want 100 (from --conf)", got)
	}

	// Deploying the same file again changes nothing.
	before := c.Snapshot(t, live)
	harness.Expect(t, c.SluicePlugin(t, "deploy", file, "--conf", "cdr-generator1.records-per-second=100"), 0)
	after := c.Snapshot(t, c.WaitSettled(t, c.LiveApp(t, ns)))
	if changed := harness.ChangedKeys(before, after); len(changed) > 0 {
		t.Errorf("deploying the same file again changed children: %v", changed)
	}

	// Nothing runs the workloads here, so --wait times out, with progress per streamlet.
	r = c.SluicePlugin(t, "deploy", file, "--conf", "cdr-generator1.records-per-second=100", "--wait", "--timeout", "2s")
	harness.Expect(t, r, 1, "merge (akka): 0/4 Pending", "application call-record-aggregator is not Ready after 2s")
}

// TestPluginStatus: status prints the phase, conditions and the tables, -o json the
// status itself, and exits 0 only when the application is Ready; list shows it.
func TestPluginStatus(t *testing.T) {
	c := setup(t)
	ns, live := c.pluginDeploy(t, "plugin-status")

	r := c.SluicePlugin(t, "status", harness.RefApp, "-n", ns)
	harness.Expect(t, r, 1, "StreamingApplication "+ns+"/call-record-aggregator: Pending, 0/8 streamlets ready")
	expectRows(t, r, []string{"CONDITION", "STATUS", "REASON", "MESSAGE"}, []string{"BlueprintValid", "True", "Valid"},
		[]string{"Ready", "False"}, []string{"STREAMLET", "RUNTIME", "READY", "PHASE", "MESSAGE"}, []string{"merge", "akka", "0/4", "Pending"},
		[]string{"cdr-aggregator", "spark", "0/2", "Pending"}, []string{"TOPIC", "READY", "MANAGED", "RETAINED", "READER", "MESSAGE"},
		[]string{"call-record-aggregator.merge.out", "no", "yes", "no", "yes"}, []string{"ENDPOINT", "SERVICE", "URL"},
		[]string{"cdr-ingress", "call-record-aggregator-cdr-ingress", "http://call-record-aggregator-cdr-ingress." + ns + ".svc:3000"},
		[]string{"DEFAULTED", "PARAMETER", "VALUE"}, []string{"cdr-generator2.records-per-second", "50"})
	r = c.SluicePlugin(t, "status", harness.RefApp, "-n", ns, "-o", "json")
	harness.Expect(t, r, 1)
	var st struct {
		Phase      string
		Streamlets []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &st); err != nil || st.Phase != "Pending" || len(st.Streamlets) != 8 {
		t.Errorf("status -o json: phase %q, %d streamlets (%v); want Pending and 8", st.Phase, len(st.Streamlets), err)
	}
	harness.Expect(t, c.SluicePlugin(t, "status", harness.RefApp, "-n", ns, "--watch", "--timeout", "2s"), 1, "is not Ready after 2s")

	c.ReportWorkloads(t, live)
	var ready harness.PluginRun
	harness.Poll(t, time.Minute, "the application to be Ready", func() (bool, string) {
		ready = c.SluicePlugin(t, "status", harness.RefApp, "-n", ns)
		return ready.Code == 0, ready.String()
	})
	harness.Expect(t, ready, 0, "Running, 8/8 streamlets ready")
	expectRows(t, ready, []string{"Ready", "True"}, []string{"merge", "akka", "4/4", "Running"}, []string{"call-record-aggregator.merge.out", "yes", "yes", "no", "yes"})
	c.WaitSettled(t, c.LiveApp(t, ns))

	r = c.SluicePlugin(t, "list", "-n", ns)
	harness.Expect(t, r, 0)
	expectRows(t, r, []string{"NAME", "PHASE", "READY", "AGE"}, []string{harness.RefApp, "Running", "8/8"})
	r = c.SluicePlugin(t, "list", "-A")
	harness.Expect(t, r, 0)
	expectRows(t, r, []string{"NAMESPACE", "NAME", "PHASE", "READY", "AGE"}, []string{ns, harness.RefApp, "Running", "8/8"})
}

// specOf returns the parent's spec.
func specOf(t *testing.T, parent *unstructured.Unstructured) map[string]any {
	t.Helper()
	spec, _, _ := unstructured.NestedMap(parent.Object, "spec")
	return spec
}

// TestPluginScaleAndConfigure: scale and configure change only their field of the
// application, and Metacontroller then changes only that streamlet's children; an
// unknown streamlet and a bad value are refused before anything is sent; a field
// another manager owns is a conflict until --force-conflicts.
func TestPluginScaleAndConfigure(t *testing.T) {
	c := setup(t)
	ns, live := c.pluginDeploy(t, "plugin-scale")

	harness.Expect(t, c.SluicePlugin(t, "scale", harness.RefApp, "nosuch", "3", "-n", ns), 2,
		`application call-record-aggregator has no streamlet "nosuch"; its streamlets: cdr-aggregator, cdr-generator1, cdr-generator2, cdr-ingress, cdr-validator, console-egress, error-egress, merge`)
	harness.Expect(t, c.SluicePlugin(t, "scale", harness.RefApp, "cdr-aggregator", "0", "-n", ns), 1, "nothing was sent")

	before, spec := c.Snapshot(t, live), specOf(t, live)
	r := c.SluicePlugin(t, "scale", harness.RefApp, "cdr-aggregator", "5", "-n", ns)
	harness.Expect(t, r, 0, "[Done] Streamlet cdr-aggregator in application call-record-aggregator is being scaled to 5 replicas.")
	live = c.WaitSettled(t, c.LiveApp(t, ns))
	harness.Streamlet(t, spec, "cdr-aggregator")["replicas"] = int64(5)
	if diff := cmp.Diff(spec, specOf(t, live)); diff != "" {
		t.Errorf("scale changed more than the replicas of cdr-aggregator (-want +got):\n%s", diff)
	}
	after := c.Snapshot(t, live)
	if diff := cmp.Diff([]string{"SparkApplication " + harness.WorkloadName("cdr-aggregator")}, harness.ChangedKeys(before, after)); diff != "" {
		t.Errorf("children changed by scaling cdr-aggregator (-want +got):\n%s", diff)
	}
	if n, _, _ := unstructured.NestedInt64(after["SparkApplication "+harness.WorkloadName("cdr-aggregator")].Object, "spec", "executor", "instances"); n != 5 {
		t.Errorf("cdr-aggregator has %d executors, want 5", n)
	}

	harness.Expect(t, c.SluicePlugin(t, "configure", harness.RefApp, "cdr-generator1.records-per-second=fast", "merge.x=1", "-n", ns), 1,
		`cdr-generator1.records-per-second=fast: "fast" is not a int32`, `merge.x=1: streamlet merge declares no parameter "x"`, "nothing was sent")
	before, spec = after, specOf(t, live)
	r = c.SluicePlugin(t, "configure", harness.RefApp, "cdr-generator1.records-per-second=100", "-n", ns)
	harness.Expect(t, r, 0, "Configuration parameter 'cdr-generator1.records-per-second': '50' (default) → '100'",
		"1 streamlet restarts: cdr-generator1.")
	live = c.WaitSettled(t, c.LiveApp(t, ns))
	harness.Streamlet(t, spec, "cdr-generator1")["config"] = map[string]any{"records-per-second": int64(100)}
	if diff := cmp.Diff(spec, specOf(t, live)); diff != "" {
		t.Errorf("configure changed more than one value (-want +got):\n%s", diff)
	}
	after = c.Snapshot(t, live)
	want := []string{"ConfigMap " + harness.ConfigName("cdr-generator1"), "SparkApplication " + harness.WorkloadName("cdr-generator1")}
	if diff := cmp.Diff(want, harness.ChangedKeys(before, after)); diff != "" {
		t.Errorf("children changed by configuring cdr-generator1 (-want +got):\n%s", diff)
	}
	harness.Expect(t, c.SluicePlugin(t, "configure", harness.RefApp, "cdr-generator1.records-per-second=100", "-n", ns), 0, "Nothing to change")

	// The scale did not drop what deploy applied: the parent is as deploy, scale and
	// configure applied it, one field manager for all.
	for _, mf := range live.GetManagedFields() {
		if mf.Operation == metav1.ManagedFieldsOperationApply && mf.Manager != "kubectl-sluice" {
			t.Errorf("unexpected apply manager %s", mf.Manager)
		}
	}
}

// TestPluginScaleConflict: an application applied by another field manager (a GitOps
// tool: here kubectl apply --server-side) owns merge's replicas; scale reports the
// conflict and changes nothing, --force-conflicts takes the field over.
func TestPluginScaleConflict(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, "plugin-conflict")
	c.KubectlOK(t, "apply", "--server-side", "--field-manager", "gitops", "-f", c.referenceFile(t, ns))
	live := c.WaitSettled(t, c.LiveApp(t, ns))
	r := c.SluicePlugin(t, "scale", harness.RefApp, "merge", "6", "-n", ns)
	harness.Expect(t, r, 2, `conflict with "gitops"`, ".spec.streamlets[name=\"merge\"].replicas", "--force-conflicts")
	if got := c.LiveApp(t, ns).GetGeneration(); got != live.GetGeneration() {
		t.Errorf("a refused scale changed the application (generation %d → %d)", live.GetGeneration(), got)
	}
	harness.Expect(t, c.SluicePlugin(t, "scale", harness.RefApp, "merge", "6", "-n", ns, "--force-conflicts"), 0, "being scaled to 6 replicas")
	live = c.WaitSettled(t, c.LiveApp(t, ns))
	if n, _, _ := unstructured.NestedInt64(c.Snapshot(t, live)["Deployment "+harness.WorkloadName("merge")].Object, "spec", "replicas"); n != 6 {
		t.Errorf("merge's Deployment has %d replicas, want 6", n)
	}
}

// diffResult is `kubectl sluice diff -o json`.
type diffResult struct {
	Changed  bool
	Children []struct {
		Action, Kind, Name string
		Fields             []struct{ Path string }
	}
	Topics []struct{ Name, Fate string }
}

// predicted is a diff's children as harness.ChangedKeys names them.
func (d diffResult) predicted() []string {
	var out []string
	for _, ch := range d.Children {
		k := ch.Kind + " " + ch.Name
		switch ch.Action {
		case "create":
			k += " (created)"
		case "delete":
			k += " (deleted)"
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (d diffResult) fates() map[string]string {
	out := map[string]string{}
	for _, t := range d.Topics {
		out[t.Name] = t.Fate
	}
	return out
}

func (c *cluster) pluginDiff(t *testing.T, file, ns string, code int) diffResult {
	t.Helper()
	r := c.SluicePlugin(t, "diff", file, "-n", ns, "-o", "json")
	harness.Expect(t, r, code)
	var d diffResult
	if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
		t.Fatalf("diff -o json: %v\n%s", err, r.Stdout)
	}
	return d
}

// TestPluginDiff: after deploy the diff of the same file changes nothing (exit 0);
// after an edit (cdr-generator2 removed, merge scaled) it predicts the children
// Metacontroller then creates, changes and deletes, and the topic it retains
// (Retain) or deletes (Delete).
func TestPluginDiff(t *testing.T) {
	for _, policy := range []string{"Retain", "Delete"} {
		t.Run(policy, func(t *testing.T) {
			c := setup(t)
			setPolicy := func(t *testing.T, spec map[string]any) { spec["topicDeletionPolicy"] = policy }
			ns, live := c.pluginDeploy(t, "plugin-diff-"+strings.ToLower(policy), setPolicy)
			r := c.SluicePlugin(t, "diff", c.referenceFile(t, ns, setPolicy), "-n", ns)
			harness.Expect(t, r, 0, "StreamingApplication "+ns+"/call-record-aggregator: no child changes", "call-record-aggregator.merge.out")

			edited := c.referenceFile(t, ns, setPolicy, harness.RemoveGenerator2, func(t *testing.T, spec map[string]any) {
				harness.Streamlet(t, spec, "merge")["replicas"] = 2
			})
			harness.Expect(t, c.SluicePlugin(t, "diff", edited, "-n", ns), 1, "- SparkApplication call-record-aggregator-cdr-generator2", "spec.replicas: 4 → 2")
			d := c.pluginDiff(t, edited, ns, 1)
			topic := harness.TopicName("cdr-generator2", "out")
			want := []string{
				"ConfigMap " + harness.ConfigName("cdr-generator2") + " (deleted)",
				"ConfigMap " + harness.ConfigName("merge"),
				"Deployment " + harness.WorkloadName("merge"),
				"SparkApplication " + harness.WorkloadName("cdr-generator2") + " (deleted)",
			}
			wantFate := "retained"
			if policy == "Delete" {
				want = append(want, "KafkaTopic "+topic) // marked first, then deleted
				wantFate = "deleted"
			}
			// These at least; a component may add child kinds (monitoring's rules per
			// streamlet), which the check against what Metacontroller did covers.
			for _, w := range want {
				if !slices.Contains(d.predicted(), w) {
					t.Errorf("the diff's children lack %s: %v", w, d.predicted())
				}
			}
			if got := d.fates()[topic]; got != wantFate {
				t.Errorf("the diff says %s is %s, want %s", topic, got, wantFate)
			}

			before := c.Snapshot(t, live)
			events := c.WatchTopics(t, ns, live.GetResourceVersion())
			harness.Expect(t, c.SluicePlugin(t, "deploy", edited), 0)
			live = c.WaitSettled(t, c.LiveApp(t, ns))
			if policy == "Delete" {
				harness.WaitTopicDeleted(t, events, topic, time.Minute)
				live = c.WaitSettled(t, live)
			}
			got := harness.ChangedKeys(before, c.Snapshot(t, live))
			// What the diff predicts for one sync is what Metacontroller did, but for the
			// topic marked for deletion, which the next sync deleted.
			predicted := d.predicted()
			if policy == "Delete" {
				predicted[slices.Index(predicted, "KafkaTopic "+topic)] = "KafkaTopic " + topic + " (deleted)"
				slices.Sort(predicted)
			}
			if diff := cmp.Diff(predicted, got); diff != "" {
				t.Errorf("what Metacontroller did differs from the diff (-predicted +done):\n%s", diff)
			}
			ts := harness.TopicStatus(t, live, topic)
			switch {
			case policy == "Retain" && (ts == nil || ts["retained"] != true):
				t.Errorf("status.topics[%s] = %v, want retained", topic, ts)
			case policy == "Delete" && ts != nil:
				t.Errorf("status.topics still lists the deleted %s: %v", topic, ts)
			}
			harness.Expect(t, c.SluicePlugin(t, "diff", edited, "-n", ns), 0, "no child changes")
		})
	}
}

// TestPluginUndeploy: undeploy says what happens to every topic, deletes nothing
// without confirmation, and with it deletes the application; the finalize hook
// releases every topic before the garbage collector deletes it.
func TestPluginUndeploy(t *testing.T) {
	c := setup(t)
	ns, live := c.pluginDeploy(t, "plugin-undeploy")
	var topics []string
	for k := range c.Snapshot(t, live) {
		if name, ok := strings.CutPrefix(k, "KafkaTopic "); ok {
			topics = append(topics, name)
		}
	}
	slices.Sort(topics)

	r := c.SluiceIn(t, "n\n", "undeploy", harness.RefApp, "-n", ns)
	harness.Expect(t, r, 1, "topicDeletionPolicy Retain", "not confirmed: nothing was deleted")
	for _, name := range topics {
		if !strings.Contains(r.Stdout, "  "+name+"  ") || !strings.Contains(r.Stdout, "kept: released first") {
			t.Errorf("undeploy does not say what happens to %s:\n%s", name, r.Stdout)
		}
	}
	if c.LiveApp(t, ns).GetDeletionTimestamp() != nil {
		t.Fatal("undeploy deleted the application without confirmation")
	}

	events := c.WatchTopics(t, ns, live.GetResourceVersion())
	r = c.SluicePlugin(t, "undeploy", harness.RefApp, "-n", ns, "--yes", "--wait", "--timeout", "2m")
	harness.Expect(t, r, 0, "[Done] Application call-record-aggregator is being undeployed", "[Done] Application call-record-aggregator is deleted.")
	deleted := map[string]bool{}
	deadline := time.After(time.Minute)
	for len(deleted) < len(topics) {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the watch ended; deleted so far: %v", harness.SortedKeys(deleted))
			}
			obj, isObj := ev.Object.(*unstructured.Unstructured)
			if !isObj || ev.Type != watch.Deleted {
				continue
			}
			deleted[obj.GetName()] = true
			if obj.GetAnnotations()["strimzi.io/managed"] != "false" {
				t.Errorf("KafkaTopic %s was deleted without strimzi.io/managed: \"false\"", obj.GetName())
			}
		case <-deadline:
			t.Fatalf("topics deleted %v of %v", harness.SortedKeys(deleted), topics)
		}
	}
	c.WaitGone(t, live, time.Minute)
}

// TestPluginGraph: both formats of a live application, coloured by its status.
func TestPluginGraph(t *testing.T) {
	c := setup(t)
	ns, _ := c.pluginDeploy(t, "plugin-graph")
	harness.Expect(t, c.SluicePlugin(t, "graph", harness.RefApp, "-n", ns), 0, `digraph "call-record-aggregator"`, `"merge" -> "cdr-validator"`)
	harness.Expect(t, c.SluicePlugin(t, "graph", harness.RefApp, "-n", ns, "--format", "mermaid", "--status"), 0,
		"flowchart LR", "0/4 Pending", "class s0,s1,s2,s3,s4,s5,s6,s7 waiting")
}

// TestPluginErrors: the errors a user meets are one sentence each: the application
// does not exist, RBAC forbids the verb (named with the resource and namespace), the
// cluster is unreachable, the CRD is not installed.
func TestPluginErrors(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	ns := c.NewNamespace(t, "plugin-errors")

	harness.Expect(t, c.SluicePlugin(t, "status", "nosuch", "-n", ns), 2,
		"kubectl sluice status: application "+ns+"/nosuch does not exist (kubectl sluice list -n "+ns+" lists the applications there)")

	// alice may read applications in ns, nothing else.
	c.KubectlOK(t, "create", "role", "sapp-reader", "-n", ns, "--verb=get,list", "--resource=streamingapplications.sluice.dev")
	c.KubectlOK(t, "create", "rolebinding", "alice-reads", "-n", ns, "--role=sapp-reader", "--user=alice")
	harness.Expect(t, c.SluicePlugin(t, "list", "-A", "--as", "alice"), 2,
		"kubectl sluice list: RBAC forbids you to list streamingapplications.sluice.dev in any namespace")
	harness.Expect(t, c.SluicePlugin(t, "deploy", c.referenceFile(t, ns), "--as", "alice"), 2,
		"kubectl sluice deploy: RBAC forbids you to patch streamingapplications.sluice.dev in namespace "+ns)
	harness.Expect(t, c.SluicePlugin(t, "status", harness.RefApp, "-n", "default", "--as", "alice"), 2,
		"RBAC forbids you to get streamingapplications.sluice.dev in namespace default")

	harness.Expect(t, c.SluicePlugin(t, "list", "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify"), 2,
		"kubectl sluice list: the cluster at https://127.0.0.1:1 is unreachable (connect: connection refused): check --kubeconfig, --context and the network")

	proxy := c.withoutSluiceAPI(t)
	for _, args := range [][]string{{"list", "-n", ns}, {"status", harness.RefApp, "-n", ns}, {"deploy", c.referenceFile(t, ns)}} {
		r := c.SluicePlugin(t, append(args, "--kubeconfig", proxy)...)
		harness.Expect(t, r, 2, "the StreamingApplication API (streamingapplications.sluice.dev/v1alpha1) is not installed in the cluster at ",
			"install Sluice first")
	}
}

// withoutSluiceAPI serves the test API server as a cluster where Sluice is not
// installed: a proxy in front of it that leaves the sluice.dev group out of
// discovery and answers 404 for its paths (removing the CRD would delete every
// application of the run). It returns a kubeconfig for the proxy.
func (c *cluster) withoutSluiceAPI(t *testing.T) string {
	t.Helper()
	target, err := url.Parse(c.API.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // the test API server's own certificate
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/apis" || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var list metav1.APIGroupList
		if err := json.Unmarshal(body, &list); err != nil {
			return err
		}
		list.Groups = slices.DeleteFunc(list.Groups, func(g metav1.APIGroup) bool { return g.Name == harness.SappGVR.Group })
		body, err = json.Marshal(list)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
		resp.Header.Set("Content-Type", "application/json")
		return nil
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/apis/"+harness.SappGVR.Group+"/") || r.URL.Path == "/apis/"+harness.SappGVR.Group {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/apis" || r.URL.Path == "/api" {
			r.Header.Set("Accept", "application/json") // the legacy discovery document, which is filtered
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := harness.WriteKubeconfig(kubeconfig, "proxy", srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	return kubeconfig
}

// hasRow reports whether a line of out holds the fields, in order, from its start.
func hasRow(out string, fields ...string) bool {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= len(fields) && slices.Equal(f[:len(fields)], fields) {
			return true
		}
	}
	return false
}

// expectRows fails the test unless out has every row.
func expectRows(t *testing.T, r harness.PluginRun, rows ...[]string) {
	t.Helper()
	for _, row := range rows {
		if !hasRow(r.Stdout, row...) {
			t.Errorf("the output has no row %q; %s", strings.Join(row, " "), r)
		}
	}
}
