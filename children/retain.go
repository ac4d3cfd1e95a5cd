package children

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// retain keeps a KafkaTopic whose outlet left the blueprint, as last
// applied (topicDeletionPolicy Retain, the default): an observed topic is
// never left out, so Metacontroller never deletes it. A deletion mark left
// from a policy of Delete is withdrawn. The status lists it as retained.
func retain(kept *unstructured.Unstructured) step {
	unstructured.RemoveNestedField(kept.Object, "metadata", "annotations", AnnotationDeletion)
	return step{answer: kept}
}
