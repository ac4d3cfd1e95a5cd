package hooks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
)

// TestChildListNeverNull: the answer type itself cannot say "no children".
func TestChildListNeverNull(t *testing.T) {
	for name, resp := range map[string]*Response{
		"zero answer":  {},
		"nil list":     {Children: nil},
		"empty answer": {Children: ChildList{}},
	} {
		b, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"children":[]`) {
			t.Errorf("%s marshals as %s, want an empty children array", name, b)
		}
	}
	// The server's own encoding of an answer (encode.go).
	for name, s := range map[string]*served{
		"zero answer":  {},
		"empty answer": {children.Result{Children: []*children.Child{}}},
	} {
		b, err := s.encode(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"children":[]`) || !json.Valid(b) {
			t.Errorf("the server writes the %s as %s, want an empty children array", name, b)
		}
	}
}

// raisePartitions simulates a KafkaTopic whose partitions were raised outside
// Sluice: the observed spec says 100 while last-applied still says 53.
func (c *cluster) raisePartitions(name string, n int64) {
	c.t.Helper()
	if err := unstructured.SetNestedField(c.topic(name).Object, n, "spec", "partitions"); err != nil {
		c.t.Fatal(err)
	}
}

// TestKeptTopicsNeverShrink: frozen, retained and finalize answers rebuild
// topics from last-applied, and still never answer fewer partitions than
// observed (Strimzi would refuse and the topic turn NotReady).
func TestKeptTopicsNeverShrink(t *testing.T) {
	const topic = cra + ".cdr-validator.invalid"
	for _, tc := range []struct {
		name string
		run  func(c *cluster) *Response
	}{
		{"frozen", func(c *cluster) *Response {
			c.setParent(craWithPolicy(t, "Sometimes"))
			return c.sync()
		}},
		{"retained", func(c *cluster) *Response {
			c.setParent(edit(t, example(t, cra), removeInvalidOutlet))
			return c.sync()
		}},
		{"finalize", func(c *cluster) *Response {
			resp := c.finalize()
			return resp
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, example(t, cra), allComponents()...)
			c.syncUntilStable(5)
			c.raisePartitions(topic, 100)
			resp := tc.run(c)
			i := slices.IndexFunc(resp.Children, func(u *unstructured.Unstructured) bool {
				return u.GetKind() == children.KafkaTopicKind && u.GetName() == topic
			})
			if i < 0 {
				t.Fatalf("topic %s not answered", topic)
			}
			if p, _, _ := unstructured.NestedInt64(resp.Children[i].Object, "spec", "partitions"); p != 100 {
				t.Errorf("topic %s answered with %d partitions, observed 100", topic, p)
			}
		})
	}
}

// TestReleaseUnderBothPolicies: a port turned managed: false is released,
// never marked for deletion, whatever the policy: the Kafka topic stays.
func TestReleaseUnderBothPolicies(t *testing.T) {
	for _, policy := range []string{"Retain", "Delete"} {
		t.Run(policy, func(t *testing.T) {
			parent := craWithPolicy(t, policy)
			c := newCluster(t, parent, allComponents()...)
			c.syncUntilStable(5)
			c.setParent(edit(t, parent, func(spec map[string]any) { setOutletTopic(spec, "merge", "out", map[string]any{"managed": false}) }))
			c.syncTwoSteps(cra+".merge.out", children.AnnotationStrimziManaged, "false")
		})
	}
}

// TestDeleteMarkWithdrawn: a topic marked for deletion under Delete, whose
// application turns to Retain before the next sync, is kept and loses the mark.
func TestDeleteMarkWithdrawn(t *testing.T) {
	withDelete := craWithPolicy(t, "Delete")
	c := newCluster(t, withDelete, allComponents()...)
	c.syncUntilStable(5)
	c.setParent(edit(t, withDelete, removeInvalidOutlet))
	c.sync()
	name := cra + ".cdr-validator.invalid"
	if c.topic(name).GetAnnotations()[children.AnnotationDeletion] != "allowed" {
		t.Fatalf("fixture: %s not marked for deletion", name)
	}
	c.setParent(edit(t, example(t, cra), removeInvalidOutlet))
	resp := c.syncUntilStable(5)
	if _, marked := c.topic(name).GetAnnotations()[children.AnnotationDeletion]; marked {
		t.Errorf("topic %s still marked for deletion under Retain", name)
	}
	if len(c.deletedTopics) != 0 {
		t.Errorf("topics deleted: %v", c.deletedTopics)
	}
	if i := slices.IndexFunc(resp.Status.Topics, func(ts graph.TopicStatus) bool { return ts.Name == name }); i < 0 || !resp.Status.Topics[i].Retained {
		t.Errorf("topic %s not listed as retained in %+v", name, resp.Status.Topics)
	}
}

// TestFinalizeWaitsForEveryTopic: finalized stays false while any observed
// topic lacks the mark.
func TestFinalizeWaitsForEveryTopic(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	c.syncUntilStable(5)
	for _, name := range craTopics[1:] {
		u := c.topic(name)
		u.SetAnnotations(map[string]string{children.AnnotationStrimziManaged: "false"})
	}
	resp := c.finalize()
	if resp.Finalized {
		t.Errorf("finalized while %s is not marked", craTopics[0])
	}
	if _, _, msg := condition(t, resp.Status, graph.ConditionReady); !strings.Contains(msg, "marking 1 of 7 topics") {
		t.Errorf("Ready message %q does not count the topic still to mark", msg)
	}
}

// TestHeldTopicKeepsItsKafkaTopic: a Kafka topic that an observed KafkaTopic
// of another name already holds (made under an older naming contract) is
// answered under that name — under either policy nothing is deleted and no
// second KafkaTopic is made for the topic.
func TestHeldTopicKeepsItsKafkaTopic(t *testing.T) {
	const topic, oldName = cra + ".merge.out", "merge-out-made-earlier"
	for _, policy := range []string{"Retain", "Delete"} {
		t.Run(policy, func(t *testing.T) {
			c := newCluster(t, craWithPolicy(t, policy), allComponents()...)
			c.syncUntilStable(5)
			c.renameTopicObject(topic, oldName)
			c.syncUntilStable(5)
			want := slices.Sorted(slices.Values(append(slices.DeleteFunc(slices.Clone(craTopics), func(n string) bool { return n == topic }), oldName)))
			if diff := cmp.Diff(want, c.topics()); diff != "" {
				t.Errorf("topics mismatch (-want +got):\n%s", diff)
			}
			if got, _, _ := unstructured.NestedString(c.topic(oldName).Object, "spec", "topicName"); got != topic {
				t.Errorf("KafkaTopic %s holds topic %q, want %s", oldName, got, topic)
			}
			if len(c.deletedTopics) != 0 {
				t.Errorf("topics deleted: %v", c.deletedTopics)
			}
		})
	}
	t.Run("two objects for one topic", func(t *testing.T) {
		c := newCluster(t, craWithPolicy(t, "Delete"), allComponents()...)
		c.syncUntilStable(5)
		c.copyTopicObject(topic, oldName)
		resp := c.syncUntilStable(5)
		if !slices.Contains(c.topics(), topic) || !slices.Contains(c.topics(), oldName) || len(c.deletedTopics) != 0 {
			t.Errorf("topics %v (deleted %v), want both KafkaTopics of %s kept", c.topics(), c.deletedTopics, topic)
		}
		// The desired KafkaTopic keeps its own name; the other is the one
		// reported as the second name of the topic.
		var notes []string
		for _, ts := range resp.Status.Topics {
			if strings.Contains(ts.Message, "also names topic") {
				notes = append(notes, ts.Message)
			}
		}
		if len(notes) != 1 || !strings.Contains(notes[0], "KafkaTopic "+topic+" also names topic "+topic) || strings.Contains(notes[0], "retained") {
			t.Errorf("topic notes %q, want one saying KafkaTopic %s also names the topic", notes, topic)
		}
	})
}

// renameTopicObject moves an observed KafkaTopic to another object name that
// holds the same Kafka topic through spec.topicName, last-applied included.
func (c *cluster) renameTopicObject(from, to string) {
	c.t.Helper()
	c.copyTopicObject(from, to)
	delete(c.children[children.KafkaTopicKind+"."+c.kinds[children.KafkaTopicKind]], c.parent.GetNamespace()+"/"+from)
}

// copyTopicObject adds a second observed KafkaTopic, named to, for the Kafka
// topic of from.
func (c *cluster) copyTopicObject(from, to string) {
	c.t.Helper()
	u := c.topic(from).DeepCopy()
	la := &unstructured.Unstructured{}
	if err := la.UnmarshalJSON([]byte(u.GetAnnotations()[children.AnnotationLastApplied])); err != nil {
		c.t.Fatal(err)
	}
	for _, obj := range []*unstructured.Unstructured{u, la} {
		obj.SetName(to)
		_ = unstructured.SetNestedField(obj.Object, from, "spec", "topicName")
	}
	b, _ := la.MarshalJSON()
	ann := u.GetAnnotations()
	ann[children.AnnotationLastApplied] = string(b)
	u.SetAnnotations(ann)
	c.children[children.KafkaTopicKind+"."+c.kinds[children.KafkaTopicKind]][c.parent.GetNamespace()+"/"+to] = u
}
