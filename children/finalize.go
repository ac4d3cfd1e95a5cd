package children

import (
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/graph"
)

// finalizeResync is how soon Metacontroller calls finalize again while a
// topic still lacks its mark.
const finalizeResync = 5

// Finalize computes the answer to a finalize call: the application is being
// deleted, and its KafkaTopics go with it through the garbage collector. It
// works from the observed topics alone, so it works with any spec; policy is
// the parent's spec.topicDeletionPolicy as written. Under Retain (and
// whenever the policy is anything but Delete) every topic is first marked
// strimzi.io/managed: "false", so that Strimzi leaves the Kafka topic and its
// data alone; under Delete it is marked sluice.dev/deletion: allowed. Every
// observed child is answered as last applied until then, and Finalized is
// true only once every observed topic carries its mark. An error means no
// answer (see frozen).
func Finalize(in Input, policy string) (Result, error) {
	key, value := AnnotationStrimziManaged, "false"
	if graph.TopicDeletionPolicy(policy) == graph.Delete {
		key, value = AnnotationDeletion, "allowed"
	}
	answered, err := frozen(in.Observed, in.Unread, in.Kinds)
	if err != nil {
		return Result{}, err
	}
	waiting := 0
	for i, c := range answered {
		if c.Kind() != KafkaTopicKind {
			continue
		}
		answered[i] = MapChild(withAnnotation(c.Object(), key, value))
		if observed, _ := in.Observed.Get(KafkaTopicKind, c.Name()); !hasAnnotation(observed, key, value) {
			waiting++
		}
	}
	st := graph.Status{}
	if in.Previous != nil {
		st = *in.Previous
	}
	st.Conditions = slices.Clone(st.Conditions)
	topics := len(in.Observed[KafkaTopicKind])
	reason, msg := "Finalized", fmt.Sprintf("%d topics marked %s: %q; children are deleted next", topics, key, value)
	if waiting > 0 {
		reason, msg = "Finalizing", fmt.Sprintf("marking %d of %d topics %s: %q before the children are deleted", waiting, topics, key, value)
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: graph.ConditionReady, Status: metav1.ConditionFalse, Reason: reason, Message: msg,
		ObservedGeneration: in.Generation, LastTransitionTime: metav1.NewTime(in.Now.UTC().Truncate(time.Second)),
	})
	r := Result{Children: answered, Status: st, Finalized: waiting == 0}
	if waiting > 0 {
		r.ResyncAfterSeconds = finalizeResync
	}
	return r, nil
}
