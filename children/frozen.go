package children

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// AnnotationLastApplied is where Metacontroller keeps each child as the hook
// last answered it.
const AnnotationLastApplied = "metacontroller.k8s.io/last-applied-configuration"

// serverSetMetadata are the fields the API server sets; an answer carrying
// them would make Metacontroller rewrite the child on every sync.
var serverSetMetadata = []string{
	"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
	"ownerReferences", "finalizers", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
}

// frozen is every observed child as last applied: the answer that changes
// nothing, for a spec Sluice cannot use (and the base of finalize's answer).
func frozen(observed Observed, kinds Kinds) []*unstructured.Unstructured {
	out := []*unstructured.Unstructured{}
	for _, kind := range observed.Kinds() {
		for _, u := range observed.All(kind) {
			out = append(out, asLastApplied(u, kinds[kind]))
		}
	}
	SortObjects(out)
	return out
}

// asLastApplied returns an observed child as the hook last answered it, under
// the apiVersion of the request's key for its kind: a Strimzi upgrade from
// v1beta2 to v1 must not make an answered child a different kind. Where
// last-applied is missing or unreadable, it falls back to the observed
// object. Either way nothing the API server sets is answered (a last-applied
// written by an older hook or by hand may carry it too), and a KafkaTopic's
// partitions never fall below the observed count.
func asLastApplied(u *unstructured.Unstructured, apiVersion string) *unstructured.Unstructured {
	out := &unstructured.Unstructured{}
	if s, ok := u.GetAnnotations()[AnnotationLastApplied]; !ok || out.UnmarshalJSON([]byte(s)) != nil {
		out = u.DeepCopy()
	}
	stripServerFields(out)
	out.SetAPIVersion(apiVersion)
	out.SetKind(u.GetKind())
	out.SetName(u.GetName())
	out.SetNamespace(u.GetNamespace())
	if out.GetKind() == KafkaTopicKind {
		keepPartitions(out, u)
	}
	return out
}

// stripServerFields removes from out its status, the metadata the API
// server sets and the last-applied annotation.
func stripServerFields(out *unstructured.Unstructured) {
	delete(out.Object, "status")
	for _, f := range serverSetMetadata {
		unstructured.RemoveNestedField(out.Object, "metadata", f)
	}
	if ann := out.GetAnnotations(); ann != nil {
		delete(ann, AnnotationLastApplied)
		if len(ann) == 0 {
			ann = nil
		}
		out.SetAnnotations(ann)
	}
}

// withAnnotation returns a copy of u carrying the annotation.
func withAnnotation(u *unstructured.Unstructured, key, value string) *unstructured.Unstructured {
	out := u.DeepCopy()
	ann := out.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[key] = value
	out.SetAnnotations(ann)
	return out
}

// hasAnnotation reports whether an observed child carries key=value.
func hasAnnotation(u *unstructured.Unstructured, key, value string) bool {
	v, ok := u.GetAnnotations()[key]
	return ok && v == value
}
