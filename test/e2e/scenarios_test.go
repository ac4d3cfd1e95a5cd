package e2e

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// checksumKey is the annotation of a workload holding the checksum of its
// streamlet's configuration (a versioned contract, see DESIGN.md "Rules that shape
// the child set").
const checksumKey = "sluice.dev/config-checksum"

// TestScaleChangesOnlyThatWorkload scales the merge streamlet: only its Deployment
// may change.
func TestScaleChangesOnlyThatWorkload(t *testing.T) {
	c := setup(t)
	app := c.DeployReference(t, "scale")
	before := c.Snapshot(t, app)
	replicas := int64(0)
	app = c.UpdateSpec(t, app, func(t *testing.T, spec map[string]any) {
		merge := harness.Streamlet(t, spec, "merge")
		old, _ := merge["replicas"].(int64)
		replicas = max(old, 1) + 1
		merge["replicas"] = replicas
	})
	c.WaitSettled(t, app)
	after := c.Snapshot(t, app)

	want := []string{"Deployment " + harness.WorkloadName("merge")}
	if diff := cmp.Diff(want, harness.ChangedKeys(before, after)); diff != "" {
		t.Errorf("children changed by scaling merge (-want +got):\n%s", diff)
	}
	dep := after["Deployment "+harness.WorkloadName("merge")]
	if dep == nil {
		t.Fatalf("no Deployment %s", harness.WorkloadName("merge"))
	}
	if got, _, _ := unstructured.NestedInt64(dep.Object, "spec", "replicas"); got != replicas {
		t.Errorf("Deployment %s spec.replicas = %d, want %d", dep.GetName(), got, replicas)
	}
}

// TestConfigChangeRollsOnlyThatStreamlet changes one configuration value: only that
// streamlet's ConfigMap and the config checksum of its workload may change.
func TestConfigChangeRollsOnlyThatStreamlet(t *testing.T) {
	c := setup(t)
	app := c.DeployReference(t, "config")
	before := c.Snapshot(t, app)

	spec, _ := app.Object["spec"].(map[string]any)
	name, key, value := pickConfigChange(t, spec)
	t.Logf("setting %s.%s = %v", name, key, value)
	app = c.UpdateSpec(t, app, func(t *testing.T, spec map[string]any) {
		s := harness.Streamlet(t, spec, name)
		cfg, _ := s["config"].(map[string]any)
		if cfg == nil {
			cfg = map[string]any{}
		}
		cfg[key] = value
		s["config"] = cfg
	})
	c.WaitSettled(t, app)
	after := c.Snapshot(t, app)

	var workload string
	for k, child := range before {
		switch child.GetKind() {
		case "Deployment", "SparkApplication", "FlinkDeployment":
			if child.GetName() == harness.WorkloadName(name) {
				workload = k
			}
		}
	}
	if workload == "" {
		t.Fatalf("no workload named %s among the children", harness.WorkloadName(name))
	}
	want := []string{"ConfigMap " + harness.ConfigName(name), workload}
	slices.Sort(want)
	if diff := cmp.Diff(want, harness.ChangedKeys(before, after)); diff != "" {
		t.Errorf("children changed by a config edit of %s (-want +got):\n%s", name, diff)
	}
	b, a := before[workload], after[workload]
	if a == nil {
		t.Fatalf("%s is gone", workload)
	}
	oldSums, newSums := checksums(b.Object), checksums(a.Object)
	if len(newSums) == 0 {
		t.Fatalf("%s carries no %s annotation", workload, checksumKey)
	}
	for i := range min(len(oldSums), len(newSums)) {
		if oldSums[i] == newSums[i] {
			t.Errorf("%s: %s did not change (%s)", workload, checksumKey, newSums[i])
		}
	}
	if diff := cmp.Diff(withoutChecksums(b.Object["spec"]), withoutChecksums(a.Object["spec"])); diff != "" {
		t.Errorf("%s changed beyond its config checksum (-before +after):\n%s", workload, diff)
	}
	if diff := cmp.Diff(comparableMetadata(t, b), comparableMetadata(t, a)); diff != "" {
		t.Errorf("%s metadata changed beyond its config checksum (-before +after):\n%s", workload, diff)
	}

	// The ConfigMap holds the new value, where it held another before.
	param := func(obj *unstructured.Unstructured) any {
		if obj == nil {
			t.Fatalf("no ConfigMap %s", harness.ConfigName(name))
		}
		data, _, _ := unstructured.NestedString(obj.Object, "data", "streamlet.json")
		var cfg struct {
			Parameters map[string]any `json:"parameters"`
		}
		if err := k8sjson.Unmarshal([]byte(data), &cfg); err != nil {
			t.Fatalf("ConfigMap %s: streamlet.json: %v", obj.GetName(), err)
		}
		return cfg.Parameters[key]
	}
	cm := "ConfigMap " + harness.ConfigName(name)
	if got := param(after[cm]); !harness.EqualJSON(got, value) {
		t.Errorf("%s: parameters[%q] = %v, want the new value %v", cm, key, got, value)
	}
	if old := param(before[cm]); harness.EqualJSON(old, value) {
		t.Errorf("%s: parameters[%q] was %v already before the change", cm, key, old)
	}
}

// comparableMetadata returns the metadata of a live child without what every write
// changes (resourceVersion, generation, managedFields), with its last-applied
// configuration decoded, and with every config checksum blanked.
func comparableMetadata(t *testing.T, obj *unstructured.Unstructured) any {
	t.Helper()
	meta, _, _ := unstructured.NestedMap(obj.Object, "metadata")
	for _, k := range []string{"resourceVersion", "generation", "managedFields"} {
		delete(meta, k)
	}
	if annotations, ok := meta["annotations"].(map[string]any); ok {
		if s, ok := annotations[harness.LastAppliedKey].(string); ok {
			var last map[string]any
			if err := k8sjson.Unmarshal([]byte(s), &last); err != nil {
				t.Fatalf("%s: last-applied: %v", harness.ObjKey(obj), err)
			}
			annotations[harness.LastAppliedKey] = last
		}
	}
	return withoutChecksums(meta)
}

// pickConfigChange chooses a declared parameter (preferring an akka streamlet) and a
// new valid value for it.
func pickConfigChange(t *testing.T, spec map[string]any) (streamletName, key string, value any) {
	t.Helper()
	list, _ := spec["streamlets"].([]any)
	type candidate struct {
		streamlet, key string
		value          any
		akka           bool
	}
	var cands []candidate
	for _, s := range list {
		m, _ := s.(map[string]any)
		params, _ := m["configParameters"].([]any)
		for _, p := range params {
			pm, _ := p.(map[string]any)
			k, _ := pm["key"].(string)
			def := fmt.Sprint(pm["default"])
			var v any
			switch pm["type"] {
			case "int32", "int64":
				n, err := strconv.ParseInt(def, 10, 64)
				if err != nil {
					n = 0
				}
				v = n + 7
			case "duration":
				v = "2 minutes"
			case "string":
				if pm["pattern"] == nil {
					v = "changed-by-e2e"
				}
			case "bool":
				v = def != "true"
			}
			if v != nil {
				cands = append(cands, candidate{m["name"].(string), k, v, m["runtime"] == "akka"})
			}
		}
	}
	if len(cands) == 0 {
		t.Fatal("the reference application declares no configuration parameter to change")
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.akka != b.akka {
			if a.akka {
				return -1
			}
			return 1
		}
		return strings.Compare(a.streamlet+"."+a.key, b.streamlet+"."+b.key)
	})
	return cands[0].streamlet, cands[0].key, cands[0].value
}

// checksums collects, in a stable order, every value of the config checksum
// annotation anywhere in obj.
func checksums(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range harness.SortedKeys(x) {
				if s, ok := x[k].(string); ok && k == checksumKey {
					out = append(out, s)
					continue
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// withoutChecksums returns a copy of v with every config checksum annotation blanked.
func withoutChecksums(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k == checksumKey {
				out[k] = "…"
				continue
			}
			out[k] = withoutChecksums(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutChecksums(e)
		}
		return out
	default:
		return v
	}
}

// TestBrokenSpecKeepsEverything breaks the blueprint (a connection to a port that
// does not exist): no child is deleted or rewritten, and the status says why.
func TestBrokenSpecKeepsEverything(t *testing.T) {
	c := setup(t)
	app := c.DeployReference(t, "broken")
	before := c.Snapshot(t, app)
	const missing = "no-such-port"
	app = c.UpdateSpec(t, app, func(t *testing.T, spec map[string]any) {
		conns, _ := spec["connections"].([]any)
		for _, conn := range conns {
			m, _ := conn.(map[string]any)
			if m["from"] == "merge.out" {
				m["from"] = "merge." + missing
				return
			}
		}
		t.Fatal("spec.connections has no connection from merge.out")
	})
	live := c.WaitSettled(t, app)
	after := c.Snapshot(t, app)

	if diff := cmp.Diff([]string(nil), harness.ChangedKeys(before, after)); diff != "" {
		t.Errorf("children changed by an invalid spec (-want +got):\n%s", diff)
	}
	cond := harness.Condition(live, "BlueprintValid")
	if cond == nil {
		t.Fatalf("status has no BlueprintValid condition:\n%s", harness.MustJSON(live.Object["status"]))
	}
	if cond["status"] != "False" {
		t.Errorf("BlueprintValid status = %v, want False", cond["status"])
	}
	if msg, _ := cond["message"].(string); !harness.ContainsAll(msg, missing) {
		t.Errorf("BlueprintValid message %q does not name the missing port %q", msg, missing)
	}
}

// TestDeleteReleasesTopicsFirst deletes the application with `kubectl delete` (the
// default propagation): the real Metacontroller calls the finalize hook, which marks
// every topic — unmanaged under Retain (the Kafka topics and their data stay),
// deletable under Delete — and removes its finalizer once every topic carries the
// mark; then the garbage collector deletes the children. Every topic is deleted only
// after it carried the mark, and Metacontroller reported no error.
func TestDeleteReleasesTopicsFirst(t *testing.T) {
	for _, tc := range []struct {
		policy, key, value string
	}{
		{"Retain", "strimzi.io/managed", "false"},
		{"Delete", "sluice.dev/deletion", "allowed"},
	} {
		t.Run(tc.policy, func(t *testing.T) { deleteAndWatchTopics(t, tc.policy, tc.key, tc.value) })
	}
}

// deleteAndWatchTopics deploys the reference application under a topic deletion
// policy, deletes it, and checks that every topic carried key=value when deleted.
func deleteAndWatchTopics(t *testing.T, policy, key, value string) {
	c := setup(t)
	app := c.DeployReference(t, "delete-"+strings.ToLower(policy))
	if policy != "Retain" {
		patch := []byte(`{"spec":{"topicDeletionPolicy":"` + policy + `"}}`)
		patched, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(app.GetNamespace()).Patch(harness.Ctx(t), app.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("set topicDeletionPolicy %s: %v", policy, err)
		}
		app = c.WaitSettled(t, patched)
	}
	children := c.Snapshot(t, app)
	var topics []string
	for k := range children {
		if strings.HasPrefix(k, "KafkaTopic ") {
			topics = append(topics, strings.TrimPrefix(k, "KafkaTopic "))
		}
	}
	if len(topics) == 0 {
		t.Fatal("the reference application has no KafkaTopic children")
	}

	// Watch the topics from before the deletion, to see the last state of each.
	w, err := c.API.Dyn.Resource(harness.KafkaTopicsGVR).Namespace(app.GetNamespace()).Watch(harness.Ctx(t), metav1.ListOptions{
		LabelSelector:   harness.LabelApp + "=" + harness.RefApp,
		ResourceVersion: app.GetResourceVersion(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// As the admission policy tells users to: kubectl delete, default propagation.
	c.KubectlOK(t, "-n", app.GetNamespace(), "delete", "sapp", app.GetName(), "--wait=false")
	c.WaitGone(t, app, harness.DeleteTimeout)

	deleted := map[string]bool{}
	timeout := time.After(90 * time.Second)
	for len(deleted) < len(topics) {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("the watch ended; deleted so far: %v", harness.SortedKeys(deleted))
			}
			obj, isObj := ev.Object.(*unstructured.Unstructured)
			if !isObj {
				t.Fatalf("watch error: %v", ev.Object)
			}
			if ev.Type == watch.Deleted {
				deleted[obj.GetName()] = true
				if obj.GetAnnotations()[key] != value {
					t.Errorf("KafkaTopic %s was deleted without the annotation %s: %q (annotations %v)",
						obj.GetName(), key, value, obj.GetAnnotations())
				}
			}
		case <-timeout:
			t.Fatalf("timed out after 90s waiting for the garbage collector to delete the topics; deleted %v of %v",
				harness.SortedKeys(deleted), topics)
		}
	}
	// Every other child goes too.
	harness.Poll(t, 60*time.Second, "every child to be garbage collected", func() (bool, string) {
		var left []string
		for k, child := range children {
			if _, err := c.API.Get(harness.Ctx(t), child.GroupVersionKind(), child.GetNamespace(), child.GetName()); err == nil {
				left = append(left, k)
			}
		}
		return len(left) == 0, fmt.Sprintf("left: %v", left)
	})
}
