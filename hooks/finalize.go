package hooks

import (
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
)

// Finalize computes the answer to a finalize request: the application is
// being deleted, and its KafkaTopics go with it through the garbage
// collector. It works from the observed topics alone, so it works with any
// spec: under Retain (and whenever the policy cannot be read) every topic is
// first marked strimzi.io/managed: "false", so that Strimzi leaves the Kafka
// topic and its data alone; under Delete it is marked sluice.dev/deletion:
// allowed. Every observed child is answered as last applied until then, and
// finalized is true only once every observed topic carries its mark.
func Finalize(req *Request, now time.Time) (*Response, error) {
	obs, err := read(req)
	if err != nil {
		return nil, err
	}
	key, value := children.AnnotationStrimziManaged, "false"
	if policyOf(req.Parent) == graph.Delete {
		key, value = children.AnnotationDeletion, "allowed"
	}
	answered := frozen(obs)
	waiting := 0
	for i, u := range answered {
		if u.GetKind() != children.KafkaTopicKind {
			continue
		}
		answered[i] = withAnnotation(u, key, value)
		if observed, _ := obs.observed.Get(children.KafkaTopicKind, u.GetName()); !hasAnnotation(observed, key, value) {
			waiting++
		}
	}
	st := previousStatus(req.Parent)
	if st == nil {
		st = &graph.Status{}
	}
	st.Conditions = slices.Clone(st.Conditions)
	topics := len(obs.observed[children.KafkaTopicKind])
	reason, msg := "Finalized", fmt.Sprintf("%d topics marked %s: %q; children are deleted next", topics, key, value)
	if waiting > 0 {
		reason, msg = "Finalizing", fmt.Sprintf("marking %d of %d topics %s: %q before the children are deleted", waiting, topics, key, value)
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: graph.ConditionReady, Status: metav1.ConditionFalse, Reason: reason, Message: msg,
		ObservedGeneration: req.Parent.GetGeneration(), LastTransitionTime: metav1.NewTime(now.UTC().Truncate(time.Second)),
	})
	resp := &Response{Status: st, Children: answered, Finalized: waiting == 0}
	if waiting > 0 {
		resp.ResyncAfterSeconds = 5
	}
	return resp, nil
}

// policyOf reads spec.topicDeletionPolicy; anything unreadable is Retain.
func policyOf(parent *unstructured.Unstructured) graph.TopicDeletionPolicy {
	p, _, err := unstructured.NestedString(parent.Object, "spec", "topicDeletionPolicy")
	if err == nil && graph.TopicDeletionPolicy(p) == graph.Delete {
		return graph.Delete
	}
	return graph.Retain
}
