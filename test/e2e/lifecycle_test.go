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

// TestRemovedStreamletKeepsItsTopic removes a streamlet whose outlet has a topic
// (cdr-generator2, with its connection and the inlet of merge it fed). Under Retain
// its workload and ConfigMap are deleted, its KafkaTopic stays untouched and the
// status lists it as retained with no reader; under Delete the KafkaTopic is first
// marked sluice.dev/deletion: allowed and then deleted. The real Metacontroller
// applies each step and accepts every status.
func TestRemovedStreamletKeepsItsTopic(t *testing.T) {
	workload := "SparkApplication " + harness.WorkloadName("cdr-generator2")
	config := "ConfigMap " + harness.ConfigName("cdr-generator2")
	topic := harness.TopicName("cdr-generator2", "out")

	t.Run("Retain", func(t *testing.T) {
		c := setup(t)
		app := c.DeployReference(t, "removed-retain")
		before := c.Snapshot(t, app)
		for _, k := range []string{workload, config, "KafkaTopic " + topic} {
			if before[k] == nil {
				t.Fatalf("the reference application has no %s", k)
			}
		}
		app = c.WaitSettled(t, c.UpdateSpec(t, app, harness.RemoveGenerator2))
		after := c.Snapshot(t, app)

		var gone []string
		for _, k := range harness.ChangedKeys(before, after) {
			if strings.HasSuffix(k, "(deleted)") || strings.HasSuffix(k, "(recreated)") || strings.HasSuffix(k, "(created)") {
				gone = append(gone, k)
			}
		}
		want := []string{config + " (deleted)", workload + " (deleted)"}
		if alerts := "PrometheusRule " + harness.WorkloadName("cdr-generator2"); before[alerts] != nil {
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
		ts := harness.TopicStatus(t, app, topic)
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
		app := c.DeployReference(t, "removed-delete")
		app = c.WaitSettled(t, c.UpdateSpec(t, app, func(t *testing.T, spec map[string]any) {
			spec["topicDeletionPolicy"] = "Delete"
		}))
		events := c.WatchTopics(t, app.GetNamespace(), app.GetResourceVersion())
		app = c.WaitSettled(t, c.UpdateSpec(t, app, harness.RemoveGenerator2))
		seen := harness.WaitTopicDeleted(t, events, topic, time.Minute)
		if last := seen[len(seen)-1]; last.Annotations["sluice.dev/deletion"] != "allowed" {
			t.Errorf("KafkaTopic %s was deleted without sluice.dev/deletion: allowed (annotations %v)", topic, last.Annotations)
		}
		app = c.WaitSettled(t, app)
		if ts := harness.TopicStatus(t, app, topic); ts != nil {
			t.Errorf("status.topics still lists the deleted %s: %s", topic, harness.MustJSON(ts))
		}
		if _, ok := c.Snapshot(t, app)[workload]; ok {
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
	app := c.DeployReference(t, "release")
	topic := harness.TopicName("cdr-aggregator", "out")
	before := c.Snapshot(t, app)
	if before["KafkaTopic "+topic] == nil {
		t.Fatalf("the reference application has no KafkaTopic %s", topic)
	}
	events := c.WatchTopics(t, app.GetNamespace(), app.GetResourceVersion())
	app = c.UpdateSpec(t, app, func(t *testing.T, spec map[string]any) {
		s := harness.Streamlet(t, spec, "cdr-aggregator")
		outlets, _ := s["outlets"].([]any)
		for _, o := range outlets {
			if m := o.(map[string]any); m["name"] == "out" {
				m["topic"] = map[string]any{"managed": false}
				return
			}
		}
		t.Fatal("cdr-aggregator has no outlet out")
	})
	seen := harness.WaitTopicDeleted(t, events, topic, time.Minute)
	marked := slices.IndexFunc(seen, func(e harness.TopicEvent) bool {
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

	after := c.Snapshot(t, live)
	var changed []string
	for _, k := range harness.ChangedKeys(before, after) {
		if strings.Contains(k, "(") {
			changed = append(changed, k)
		}
	}
	if diff := cmp.Diff([]string{"KafkaTopic " + topic + " (deleted)"}, changed); diff != "" {
		t.Errorf("children deleted, recreated or created by releasing %s (-want +got):\n%s", topic, diff)
	}
	ts := harness.TopicStatus(t, live, topic)
	if ts == nil {
		t.Fatalf("status.topics does not list the released %s:\n%s", topic, harness.MustJSON(live.Object["status"]))
	}
	if ts["managed"] == true || ts["retained"] == true {
		t.Errorf("status.topics[%s] = %s, want managed false and not retained", topic, harness.MustJSON(ts))
	}
	cm := after["ConfigMap "+harness.ConfigName("console-egress")]
	if cm == nil {
		t.Fatalf("no ConfigMap %s", harness.ConfigName("console-egress"))
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
// application (see harness.CreateRefusedInTerminatingNamespace).
func TestNamespaceDeletionFinalizesApp(t *testing.T) {
	c := setup(t)
	app := c.DeployReference(t, "nsdelete")
	ns := app.GetNamespace()
	var topics []string
	for k := range c.Snapshot(t, app) {
		if name, ok := strings.CutPrefix(k, "KafkaTopic "); ok {
			topics = append(topics, name)
		}
	}
	if len(topics) == 0 {
		t.Fatal("the reference application has no KafkaTopic children")
	}
	events := c.WatchTopics(t, ns, app.GetResourceVersion())
	c.KubectlOK(t, "delete", "namespace", ns, "--wait=false")

	deleted := map[string]bool{}
	deadline := time.After(harness.DeleteTimeout)
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
			t.Fatalf("timed out after %s waiting for the topics to be deleted; deleted %v of %v%s", harness.DeleteTimeout, harness.SortedKeys(deleted), topics, c.Diagnostics(t, ns, app.GetName()))
		}
	}
	c.WaitGone(t, app, harness.DeleteTimeout, harness.CreateRefusedInTerminatingNamespace(ns))
	harness.Poll(t, 3*time.Minute, "namespace "+ns+" to be deleted", func() (bool, string) {
		_, err := c.API.Dyn.Resource(harness.NamespacesGVR).Get(harness.Ctx(t), ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
}
