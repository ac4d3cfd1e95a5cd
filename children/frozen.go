package children

import (
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children/tree"
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
func frozen(observed Observed, unread Unread, kinds Kinds) ([]*Child, error) {
	out := []*Child{}
	var l lastApplied
	for _, kind := range observed.Kinds() {
		for _, u := range observed.All(kind) {
			kept, err := l.answer(u, unread[kind][u.GetName()], kinds[kind])
			if err != nil {
				return nil, err
			}
			out = append(out, MapChild(kept))
		}
	}
	SortChildren(out)
	return out, nil
}

// lastApplied answers observed children as last applied, one after
// another, reusing from child to child its buffer and the strings of the
// names it has decoded (every last-applied configuration of a kind has the
// same ones). The zero lastApplied is ready.
type lastApplied struct {
	r    tree.Reader
	text []byte // the configuration being decoded, unquoted
}

// answer returns an observed child as the hook last answered it, under
// the apiVersion of the request's key for its kind: a Strimzi upgrade from
// v1beta2 to v1 must not make an answered child a different kind. Its
// last-applied configuration is raw, the annotation as it came on the wire,
// when the child was read without it (Unread), else its annotation.
// Where last-applied is missing or unreadable, it falls back to the observed
// object, decoded whole from the wire when it was read lean. Either way nothing the API server sets is answered (a last-applied
// written by an older hook or by hand may carry it too), and a KafkaTopic's
// partitions never fall below the observed count.
func (l *lastApplied) answer(u *unstructured.Unstructured, unread UnreadChild, apiVersion string) (*unstructured.Unstructured, error) {
	out := l.decode(u, unread.LastApplied)
	if out == nil {
		var err error
		if out, err = l.wholeObserved(u, unread.Object); err != nil {
			return nil, err
		}
	}
	stripServerFields(out)
	out.SetAPIVersion(apiVersion)
	out.SetKind(u.GetKind())
	out.SetName(u.GetName())
	out.SetNamespace(u.GetNamespace())
	if out.GetKind() == KafkaTopicKind {
		keepObservedPartitions(out, u)
	}
	return out, nil
}

// decode decodes a child's last-applied configuration; nil when it
// has none or it is not an object with a kind. The configuration is decoded
// as unstructured.Unstructured decodes it, by the fast decoder first and by
// apimachinery's own where that one refuses it.
func (l *lastApplied) decode(u *unstructured.Unstructured, raw []byte) *unstructured.Unstructured {
	var data []byte
	if raw != nil {
		var err error
		if l.text, err = jsontext.AppendUnquote(l.text[:0], raw); err != nil {
			return nil
		}
		data = l.text // the decoded strings are copies: the next child reuses it
	} else if s, ok := u.GetAnnotations()[AnnotationLastApplied]; ok {
		data = []byte(s)
	} else {
		return nil
	}
	if obj, err := l.r.DecodeObject(data); err == nil {
		if out := (&unstructured.Unstructured{Object: obj}); out.GroupVersionKind().Kind != "" {
			return out
		}
	}
	out := &unstructured.Unstructured{}
	if out.UnmarshalJSON(data) != nil {
		return nil
	}
	return out
}

// wholeObserved is a copy of the observed child with every field it came
// with: decoded from the wire when it was read lean. It never falls back to
// the lean child, which lacks the fields its readers skip: answering it
// would strip them (hooks read the child by tree.Skip, which accepts what
// tree.Decode accepts, so this fails only on a defect).
func (l *lastApplied) wholeObserved(u *unstructured.Unstructured, raw []byte) (*unstructured.Unstructured, error) {
	if raw == nil {
		return u.DeepCopy(), nil
	}
	obj, err := l.r.DecodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("observed %s %s, read without the fields no reader reads, does not decode whole: %w", u.GetKind(), u.GetName(), err)
	}
	return &unstructured.Unstructured{Object: obj}, nil
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
	v, ok := metadataEntry(u, "annotations", key)
	return ok && v == value
}

// label is a child's label key, "" without it.
func label(u *unstructured.Unstructured, key string) string {
	v, _ := metadataEntry(u, "labels", key)
	return v
}

// metadataEntry is the entry key of a child's labels or annotations (field)
// as GetLabels and GetAnnotations read it, without the copy of the map they
// make: a null value is "", and a value neither a string nor null hides
// every entry (TestMetadataEntry).
func metadataEntry(u *unstructured.Unstructured, field, key string) (string, bool) {
	m, _ := u.Object["metadata"].(map[string]any)
	entries, _ := m[field].(map[string]any)
	for _, v := range entries {
		if _, isString := v.(string); !isString && v != nil {
			return "", false
		}
	}
	v, ok := entries[key]
	s, _ := v.(string)
	return s, ok
}
