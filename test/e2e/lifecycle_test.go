package e2e

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
	"k8s.io/apimachinery/pkg/watch"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// topicName is the derived name of the reference application's topic of an outlet.
func topicName(streamlet, outlet string) string { return refApp + "." + streamlet + "." + outlet }

// topicStatus returns status.topics[name=name] of the parent, nil when it is not
// listed, and fails the test when it is listed more than once.
func topicStatus(t *testing.T, parent *unstructured.Unstructured, name string) map[string]any {
	t.Helper()
	list, _, _ := unstructured.NestedSlice(parent.Object, "status", "topics")
	var found []map[string]any
	for _, s := range list {
		if m, ok := s.(map[string]any); ok && m["name"] == name {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
		return found[0]
	}
	t.Fatalf("status.topics lists %s %d times:\n%s", name, len(found), harness.MustJSON(found))
	return nil
}

// watchTopics watches the KafkaTopics of namespace from resourceVersion on and
// returns the channel of their events; the watch ends with the test.
func (c *cluster) watchTopics(t *testing.T, namespace, resourceVersion string) <-chan watch.Event {
	t.Helper()
	w, err := c.API.Dyn.Resource(harness.KafkaTopicsGVR).Namespace(namespace).Watch(harness.Ctx(t), metav1.ListOptions{ResourceVersion: resourceVersion})
	if err != nil {
		t.Fatalf("watch the KafkaTopics of %s: %v", namespace, err)
	}
	t.Cleanup(w.Stop)
	return w.ResultChan()
}

// topicEvent is one watch event of one KafkaTopic: its type and annotations.
type topicEvent struct {
	Type        watch.EventType
	Annotations map[string]string
}

// waitTopicDeleted reads events until the KafkaTopic name is deleted and returns its
// events so far.
func waitTopicDeleted(t *testing.T, events <-chan watch.Event, name string, timeout time.Duration) []topicEvent {
	t.Helper()
	var seen []topicEvent
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the watch of KafkaTopic %s ended; its events so far: %v", name, seen)
			}
			obj, isObj := ev.Object.(*unstructured.Unstructured)
			if !isObj {
				t.Fatalf("watch error: %v", ev.Object)
			}
			if obj.GetName() != name {
				continue
			}
			seen = append(seen, topicEvent{ev.Type, obj.GetAnnotations()})
			if ev.Type == watch.Deleted {
				return seen
			}
		case <-deadline:
			t.Fatalf("KafkaTopic %s not deleted within %s; its events: %v", name, timeout, seen)
		}
	}
}

// removeGenerator2 removes the streamlet cdr-generator2 from the reference
// application's spec, with its connection and the inlet of merge it fed: its outlet
// leaves the blueprint.
func removeGenerator2(t *testing.T, spec map[string]any) {
	t.Helper()
	list, _ := spec["streamlets"].([]any)
	spec["streamlets"] = slices.DeleteFunc(list, func(s any) bool { return s.(map[string]any)["name"] == "cdr-generator2" })
	conns, _ := spec["connections"].([]any)
	spec["connections"] = slices.DeleteFunc(conns, func(c any) bool { return c.(map[string]any)["from"] == "cdr-generator2.out" })
	merge := streamlet(t, spec, "merge")
	inlets, _ := merge["inlets"].([]any)
	merge["inlets"] = slices.DeleteFunc(inlets, func(i any) bool { return i.(map[string]any)["name"] == "in-1" })
}

// TestRemovedStreamletKeepsItsTopic removes a streamlet whose outlet has a topic
// (cdr-generator2, with its connection and the inlet of merge it fed). Under Retain
// its workload and ConfigMap are deleted, its KafkaTopic stays untouched and the
// status lists it as retained with no reader; under Delete the KafkaTopic is first
// marked sluice.dev/deletion: allowed and then deleted. The real Metacontroller
// applies each step and accepts every status.
func TestRemovedStreamletKeepsItsTopic(t *testing.T) {
	workload := "SparkApplication " + workloadName("cdr-generator2")
	config := "ConfigMap " + configName("cdr-generator2")
	topic := topicName("cdr-generator2", "out")

	t.Run("Retain", func(t *testing.T) {
		c := setup(t)
		app := c.deployReference(t, "removed-retain")
		before := c.snapshot(t, app)
		for _, k := range []string{workload, config, "KafkaTopic " + topic} {
			if before[k] == nil {
				t.Fatalf("the reference application has no %s", k)
			}
		}
		app = c.WaitSettled(t, c.updateSpec(t, app, removeGenerator2))
		after := c.snapshot(t, app)

		var gone []string
		for _, k := range changedKeys(before, after) {
			if strings.HasSuffix(k, "(deleted)") || strings.HasSuffix(k, "(recreated)") || strings.HasSuffix(k, "(created)") {
				gone = append(gone, k)
			}
		}
		want := []string{config + " (deleted)", workload + " (deleted)"}
		if alerts := "PrometheusRule " + workloadName("cdr-generator2"); before[alerts] != nil {
			want = append(want, alerts+" (deleted)") // its alerts go with it (the monitoring component)
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, gone); diff != "" {
			t.Errorf("children deleted, recreated or created by removing cdr-generator2 (-want +got):\n%s", diff)
		}
		kt := after["KafkaTopic "+topic]
		if kt == nil {
			t.Fatalf("KafkaTopic %s was deleted under Retain", topic)
		}
		if kt.GetResourceVersion() != before["KafkaTopic "+topic].GetResourceVersion() {
			t.Errorf("KafkaTopic %s was rewritten; it must stay as last applied", topic)
		}
		ts := topicStatus(t, app, topic)
		if ts == nil {
			t.Fatalf("status.topics does not list the retained %s:\n%s", topic, harness.MustJSON(app.Object["status"]))
		}
		if ts["retained"] != true || ts["reader"] != false {
			t.Errorf("status.topics[%s] = %s, want retained true and reader false", topic, harness.MustJSON(ts))
		}
		if msg, _ := ts["message"].(string); !harness.ContainsAll(msg, "retained", "no reader") {
			t.Errorf("status.topics[%s].message = %q, want it to say retained and no reader", topic, msg)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		c := setup(t)
		app := c.deployReference(t, "removed-delete")
		app = c.WaitSettled(t, c.updateSpec(t, app, func(t *testing.T, spec map[string]any) {
			spec["topicDeletionPolicy"] = "Delete"
		}))
		events := c.watchTopics(t, app.GetNamespace(), app.GetResourceVersion())
		app = c.WaitSettled(t, c.updateSpec(t, app, removeGenerator2))
		seen := waitTopicDeleted(t, events, topic, time.Minute)
		if last := seen[len(seen)-1]; last.Annotations["sluice.dev/deletion"] != "allowed" {
			t.Errorf("KafkaTopic %s was deleted without sluice.dev/deletion: allowed (annotations %v)", topic, last.Annotations)
		}
		app = c.WaitSettled(t, app)
		if ts := topicStatus(t, app, topic); ts != nil {
			t.Errorf("status.topics still lists the deleted %s: %s", topic, harness.MustJSON(ts))
		}
		if _, ok := c.snapshot(t, app)[workload]; ok {
			t.Errorf("%s is still there", workload)
		}
	})
}

// TestReleasedTopicIsDroppedAfterTheMark turns the port cdr-aggregator.out to
// `topic: {managed: false}`: the real Metacontroller first applies its KafkaTopic
// with strimzi.io/managed: "false" (Strimzi lets go of the topic, which stays in
// Kafka with its data), then, once that is observed, deletes the KafkaTopic, which
// carries the mark when deleted (so the admission policy lets it go). No other child
// is deleted or recreated; the reader's configuration still names the topic; the
// status lists the topic once, as not managed; and the API server accepted every
// status on the way (no SyncError event, no error logged).
func TestReleasedTopicIsDroppedAfterTheMark(t *testing.T) {
	c := setup(t)
	app := c.deployReference(t, "release")
	topic := topicName("cdr-aggregator", "out")
	before := c.snapshot(t, app)
	if before["KafkaTopic "+topic] == nil {
		t.Fatalf("the reference application has no KafkaTopic %s", topic)
	}
	events := c.watchTopics(t, app.GetNamespace(), app.GetResourceVersion())
	app = c.updateSpec(t, app, func(t *testing.T, spec map[string]any) {
		s := streamlet(t, spec, "cdr-aggregator")
		outlets, _ := s["outlets"].([]any)
		for _, o := range outlets {
			if m := o.(map[string]any); m["name"] == "out" {
				m["topic"] = map[string]any{"managed": false}
				return
			}
		}
		t.Fatal("cdr-aggregator has no outlet out")
	})
	seen := waitTopicDeleted(t, events, topic, time.Minute)
	marked := slices.IndexFunc(seen, func(e topicEvent) bool {
		return e.Type == watch.Modified && e.Annotations["strimzi.io/managed"] == "false"
	})
	if marked < 0 {
		t.Errorf("KafkaTopic %s was never updated with strimzi.io/managed: \"false\" before its deletion; events: %v", topic, seen)
	}
	if last := seen[len(seen)-1]; last.Annotations["strimzi.io/managed"] != "false" {
		t.Errorf("KafkaTopic %s was deleted without strimzi.io/managed: \"false\" (annotations %v)", topic, last.Annotations)
	}
	live := c.WaitSettled(t, app)
	// Every step's status, the one that lists the topic being released included,
	// was accepted: WaitSettled checked there is no SyncError event for the parent.

	after := c.snapshot(t, live)
	var changed []string
	for _, k := range changedKeys(before, after) {
		if strings.Contains(k, "(") {
			changed = append(changed, k)
		}
	}
	if diff := cmp.Diff([]string{"KafkaTopic " + topic + " (deleted)"}, changed); diff != "" {
		t.Errorf("children deleted, recreated or created by releasing %s (-want +got):\n%s", topic, diff)
	}
	ts := topicStatus(t, live, topic)
	if ts == nil {
		t.Fatalf("status.topics does not list the released %s:\n%s", topic, harness.MustJSON(live.Object["status"]))
	}
	if ts["managed"] == true || ts["retained"] == true {
		t.Errorf("status.topics[%s] = %s, want managed false and not retained", topic, harness.MustJSON(ts))
	}
	cm := after["ConfigMap "+configName("console-egress")]
	if cm == nil {
		t.Fatalf("no ConfigMap %s", configName("console-egress"))
	}
	if data, _, _ := unstructured.NestedString(cm.Object, "data", "streamlet.json"); !strings.Contains(data, `"`+topic+`"`) {
		t.Errorf("ConfigMap %s no longer names the released topic %s:\n%s", cm.GetName(), topic, data)
	}
}

// TestNamespaceDeletionFinalizesApp deletes the namespace of a deployed application:
// the namespace controller deletes the application, the real Metacontroller calls
// the finalize hook, which marks every topic strimzi.io/managed: "false" (Retain),
// and only then are the topics deleted (the admission policy holds them until
// marked); the namespace goes away. Metacontroller reports no error but its
// refused re-creates of children the namespace controller deleted before the
// application (see createRefusedInTerminatingNamespace).
func TestNamespaceDeletionFinalizesApp(t *testing.T) {
	c := setup(t)
	app := c.deployReference(t, "nsdelete")
	ns := app.GetNamespace()
	var topics []string
	for k := range c.snapshot(t, app) {
		if name, ok := strings.CutPrefix(k, "KafkaTopic "); ok {
			topics = append(topics, name)
		}
	}
	if len(topics) == 0 {
		t.Fatal("the reference application has no KafkaTopic children")
	}
	events := c.watchTopics(t, ns, app.GetResourceVersion())
	c.KubectlOK(t, "delete", "namespace", ns, "--wait=false")

	deleted := map[string]bool{}
	deadline := time.After(deleteTimeout)
	for len(deleted) < len(topics) {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the watch ended; deleted so far: %v", harness.SortedKeys(deleted))
			}
			obj, isObj := ev.Object.(*unstructured.Unstructured)
			if !isObj {
				t.Fatalf("watch error: %v", ev.Object)
			}
			if ev.Type == watch.Deleted {
				deleted[obj.GetName()] = true
				if obj.GetAnnotations()["strimzi.io/managed"] != "false" {
					t.Errorf("KafkaTopic %s was deleted without strimzi.io/managed: \"false\" (annotations %v)", obj.GetName(), obj.GetAnnotations())
				}
			}
		case <-deadline:
			t.Fatalf("timed out after %s waiting for the topics to be deleted; deleted %v of %v%s", deleteTimeout, harness.SortedKeys(deleted), topics, c.Diagnostics(t, ns, app.GetName()))
		}
	}
	c.WaitGone(t, app, deleteTimeout, harness.CreateRefusedInTerminatingNamespace(ns))
	harness.Poll(t, 3*time.Minute, "namespace "+ns+" to be deleted", func() (bool, string) {
		_, err := c.API.Dyn.Resource(namespacesGVR).Get(harness.Ctx(t), ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}
