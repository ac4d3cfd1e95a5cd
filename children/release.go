package children

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// The two rules that let an observed KafkaTopic go, each in two syncs: the
// first answers it with a mark, the second (once the mark is observed)
// leaves it out. The admission policy sluice-keep-topics refuses the
// deletion of a KafkaTopic without one of the marks.

// release lets go of a topic whose port turned managed: false: first
// strimzi.io/managed: "false", so that Strimzi leaves the Kafka topic and its
// data alone when the KafkaTopic goes; then it is left out.
func release(observed, kept *unstructured.Unstructured) step {
	if hasAnnotation(observed, AnnotationStrimziManaged, "false") {
		return step{} // released: Strimzi lets go of it, the Kafka topic stays
	}
	return step{withAnnotation(kept, AnnotationStrimziManaged, "false"),
		"port turned managed: false; releasing the topic from Strimzi before dropping its KafkaTopic"}
}

// markForDeletion deletes a topic whose outlet left the blueprint under
// topicDeletionPolicy Delete: first sluice.dev/deletion: allowed, then it is
// left out and Strimzi deletes the topic with its data.
func markForDeletion(observed, kept *unstructured.Unstructured) step {
	if hasAnnotation(observed, AnnotationDeletion, "allowed") {
		return step{} // marked last time: now Metacontroller deletes it
	}
	return step{withAnnotation(kept, AnnotationDeletion, "allowed"),
		"outlet left the blueprint; topic deletion allowed (topicDeletionPolicy Delete), deleting next"}
}
