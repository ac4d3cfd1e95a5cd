package children

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// keepPartitions raises a desired topic's partitions to the observed count
// (Kafka cannot shrink a topic) and notes a replication factor change, which
// Strimzi applies only with Cruise Control.
func keepPartitions(desired *KafkaTopic, observed *unstructured.Unstructured) string {
	var note string
	obsP, obsFound := specCount(observed, "partitions")
	if des := desired.Spec.Partitions; obsFound && (des == nil || obsP > *des) {
		desired.Spec.Partitions = &obsP
		if des != nil {
			note = fmt.Sprintf("partitions stay at %d: Kafka cannot shrink a topic (spec asks %d)", obsP, *des)
		}
	}
	obsR, obsRFound := specCount(observed, "replicas")
	if des := desired.Spec.Replicas; obsRFound && des != nil && obsR != int64(*des) {
		change := fmt.Sprintf("replication factor change from %d to %d: Strimzi applies it only with Cruise Control", obsR, *des)
		if note != "" {
			note += "; "
		}
		note += change
	}
	return note
}

// keepObservedPartitions raises a topic answered as last applied to the
// observed count, as keepPartitions raises a desired one.
func keepObservedPartitions(kept, observed *unstructured.Unstructured) {
	obsP, obsFound := specCount(observed, "partitions")
	keptP, keptFound := specCount(kept, "partitions")
	if obsFound && (!keptFound || obsP > keptP) {
		_ = unstructured.SetNestedField(kept.Object, obsP, "spec", "partitions")
	}
}

// specCount is an integer field of a topic's spec.
func specCount(u *unstructured.Unstructured, field string) (int64, bool) {
	n, found, _ := unstructured.NestedInt64(u.Object, "spec", field)
	return n, found
}

// keepCluster keeps an observed topic on the Kafka cluster it lives on
// (label strimzi.io/cluster): relabelled, the other cluster's topic operator
// would make it anew, empty, and writes would move there silently. It notes
// the change the spec asks for.
func keepCluster(desired *KafkaTopic, observed *unstructured.Unstructured) string {
	was, wants := label(observed, LabelStrimziCluster), desired.Labels[LabelStrimziCluster]
	if was == "" || was == wants {
		return ""
	}
	desired.Labels[LabelStrimziCluster] = was
	return fmt.Sprintf("stays on Kafka cluster %s (spec asks %s): a KafkaTopic does not move between clusters; to write on %s, give the outlet a new topic name", was, wants, wants)
}
