package harness

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
)

// KafkaTopic returns a valid Strimzi v1 KafkaTopic with the fields of spec added to
// its spec.
func KafkaTopic(namespace, name string, spec map[string]any) *unstructured.Unstructured {
	s := map[string]any{"partitions": int64(3), "replicas": int64(1)}
	for k, v := range spec {
		s[k] = v
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kafka.strimzi.io/v1",
		"kind":       "KafkaTopic",
		"metadata": map[string]any{
			"name":      name,
			"namespace": namespace,
			"labels":    map[string]any{"strimzi.io/cluster": "e2e"},
		},
		"spec": s,
	}}
}

// TopicStatus returns status.topics[name=name] of the parent, nil when it is not
// listed, and fails the test when it is listed more than once.
func TopicStatus(t *testing.T, parent *unstructured.Unstructured, name string) map[string]any {
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
	t.Fatalf("status.topics lists %s %d times:\n%s", name, len(found), MustJSON(found))
	return nil
}

// WatchTopics watches the KafkaTopics of namespace from resourceVersion on and
// returns the channel of their events; the watch ends with the test.
func (c *Cluster) WatchTopics(t *testing.T, namespace, resourceVersion string) <-chan watch.Event {
	t.Helper()
	w, err := c.API.Dyn.Resource(KafkaTopicsGVR).Namespace(namespace).Watch(Ctx(t), metav1.ListOptions{ResourceVersion: resourceVersion})
	if err != nil {
		t.Fatalf("watch the KafkaTopics of %s: %v", namespace, err)
	}
	t.Cleanup(w.Stop)
	return w.ResultChan()
}

// TopicEvent is one watch event of one KafkaTopic: its type and annotations.
type TopicEvent struct {
	Type        watch.EventType
	Annotations map[string]string
}

// WaitTopicDeleted reads events until the KafkaTopic name is deleted and returns its
// events so far.
func WaitTopicDeleted(t *testing.T, events <-chan watch.Event, name string, timeout time.Duration) []TopicEvent {
	t.Helper()
	var seen []TopicEvent
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
			seen = append(seen, TopicEvent{ev.Type, obj.GetAnnotations()})
			if ev.Type == watch.Deleted {
				return seen
			}
		case <-deadline:
			t.Fatalf("KafkaTopic %s not deleted within %s; its events: %v", name, timeout, seen)
		}
	}
}
