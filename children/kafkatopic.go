package children

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// KafkaTopicKind is the Strimzi topic kind; its apiVersion (v1, or v1beta2
// before Strimzi 0.49) comes from the CompositeController, never from here.
const KafkaTopicKind = "KafkaTopic"

// KafkaTopic is the part of Strimzi's KafkaTopic that Sluice writes.
type KafkaTopic struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              KafkaTopicSpec `json:"spec"`
}

// KafkaTopicSpec is Strimzi's topic spec.
type KafkaTopicSpec struct {
	TopicName string `json:"topicName,omitempty"`
	// Partitions is an int64, as the observed count the topic rules keep
	// (partitions.go) may be: Strimzi's schema does not bound it.
	Partitions *int64                  `json:"partitions,omitempty"`
	Replicas   *int32                  `json:"replicas,omitempty"`
	Config     map[string]graph.Scalar `json:"config,omitempty"`
}

// NewKafkaTopic builds the KafkaTopic of a managed topic. spec.topicName is always
// set: Strimzi refuses to change it later, and metadata.name may differ when
// the topic's name is not a valid object name.
func NewKafkaTopic(bp *graph.Blueprint, t *graph.Topic, apiVersion string) *KafkaTopic {
	labels := Labels(bp.Name, t.Streamlet, ComponentTopic)
	labels[LabelOutlet] = t.Outlet
	labels[LabelStrimziCluster] = bp.Connection(t.Cluster).Cluster
	var annotations map[string]string
	if t.Schema.Fingerprint != "" {
		annotations = map[string]string{AnnotationSchemaFingerprint: t.Schema.Fingerprint}
	}
	return &KafkaTopic{
		TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: KafkaTopicKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:        t.ObjectName,
			Namespace:   bp.Namespace,
			Labels:      labels,
			Annotations: annotations,
		},
		Spec: KafkaTopicSpec{
			TopicName:  t.Name,
			Partitions: widen(t.Partitions),
			Replicas:   t.Replicas,
			Config:     t.Config,
		},
	}
}

// widen is an optional count as an int64.
func widen(n *int32) *int64 {
	if n == nil {
		return nil
	}
	w := int64(*n)
	return &w
}

// topicName is a KafkaTopic's Kafka name: spec.topicName, else its name.
func (t *KafkaTopic) topicName() string { return cmp.Or(t.Spec.TopicName, t.Name) }

// KafkaTopicStatus is the part of Strimzi's KafkaTopic status that Sluice
// reads.
type KafkaTopicStatus struct {
	ObservedGeneration int64       `json:"observedGeneration"`
	Conditions         []Condition `json:"conditions"`
	// ReplicasChange is set while Cruise Control changes the replication
	// factor.
	ReplicasChange *struct {
		TargetReplicas int32  `json:"targetReplicas"`
		State          string `json:"state"`
	} `json:"replicasChange"`
}

// observedKafkaTopic is what KafkaTopicHealth reads of an observed
// KafkaTopic; Status is nil until the topic operator writes one.
type observedKafkaTopic struct {
	observedMeta `json:"metadata"`
	Status       *KafkaTopicStatus `json:"status"`
}

// TopicHealth is what a KafkaTopic's status says.
type TopicHealth struct {
	Ready   bool
	Message string
}

// topicOperatorGrace is how long a topic may go without any status before
// the status suggests the topic operator does not watch its namespace.
const topicOperatorGrace = 2 * time.Minute

// KafkaTopicHealth reads a topic's readiness from its Strimzi status. now is
// the sync's time, passed in.
func KafkaTopicHealth(u *unstructured.Unstructured, now time.Time) TopicHealth {
	kt, ok := decode[observedKafkaTopic](u)
	if !ok {
		return TopicHealth{Message: KafkaTopicKind + " status unreadable"}
	}
	st := kt.Status
	if st == nil {
		if created := kt.CreationTimestamp; !created.IsZero() && now.Sub(created.Time) > topicOperatorGrace {
			return TopicHealth{Message: fmt.Sprintf("no status from the Strimzi topic operator after %s: does it watch namespace %s?",
				topicOperatorGrace, u.GetNamespace())}
		}
		return TopicHealth{Message: "waiting for the Strimzi topic operator"}
	}
	if ok, msg := caughtUp(kt.Generation, st.ObservedGeneration); !ok {
		return TopicHealth{Message: msg}
	}
	ready := condition(st.Conditions, "Ready")
	if ready.Status == "True" {
		h := TopicHealth{Ready: true}
		if rc := st.ReplicasChange; rc != nil {
			h.Message = fmt.Sprintf("replication factor change to %d %s (needs Cruise Control)", rc.TargetReplicas, rc.State)
		}
		return h
	}
	msg := strings.TrimPrefix(ready.Reason+": "+ready.Message, ": ")
	if ready.Reason == reasonResourceConflict {
		msg += "; another KafkaTopic already manages this Kafka topic (another application, or one in another namespace on the same Kafka cluster): give this outlet a topic name of its own (topic.name), or remove the other KafkaTopic"
	}
	return TopicHealth{Message: msg}
}

// reasonResourceConflict is the reason of Strimzi's Ready condition on a
// KafkaTopic whose Kafka topic another KafkaTopic manages.
const reasonResourceConflict = "ResourceConflict"
