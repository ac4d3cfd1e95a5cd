package children

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// keepPartitions raises a desired topic's partitions to the observed count
// (Kafka cannot shrink a topic) and notes a replication factor change, which
// Strimzi applies only with Cruise Control.
func keepPartitions(desired, observed *unstructured.Unstructured) string {
	var note string
	obsP, obsFound, _ := unstructured.NestedInt64(observed.Object, "spec", "partitions")
	desP, desFound, _ := unstructured.NestedInt64(desired.Object, "spec", "partitions")
	if obsFound && (!desFound || obsP > desP) {
		_ = unstructured.SetNestedField(desired.Object, obsP, "spec", "partitions")
		if desFound {
			note = fmt.Sprintf("partitions stay at %d: Kafka cannot shrink a topic (spec asks %d)", obsP, desP)
		}
	}
	obsR, obsRFound, _ := unstructured.NestedInt64(observed.Object, "spec", "replicas")
	desR, desRFound, _ := unstructured.NestedInt64(desired.Object, "spec", "replicas")
	if obsRFound && desRFound && obsR != desR {
		change := fmt.Sprintf("replication factor change from %d to %d: Strimzi applies it only with Cruise Control", obsR, desR)
		if note != "" {
			note += "; "
		}
		note += change
	}
	return note
}

// keepCluster keeps an observed topic on the Kafka cluster it lives on
// (label strimzi.io/cluster): relabelled, the other cluster's topic operator
// would make it anew, empty, and writes would move there silently. It notes
// the change the spec asks for.
func keepCluster(desired, observed *unstructured.Unstructured) string {
	was, wants := label(observed, LabelStrimziCluster), label(desired, LabelStrimziCluster)
	if was == "" || was == wants {
		return ""
	}
	labels := desired.GetLabels()
	labels[LabelStrimziCluster] = was
	desired.SetLabels(labels)
	return fmt.Sprintf("stays on Kafka cluster %s (spec asks %s): a KafkaTopic does not move between clusters; to write on %s, give the outlet a new topic name", was, wants, wants)
}
