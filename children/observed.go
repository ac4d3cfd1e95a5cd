package children

import (
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Observed holds the children Metacontroller observed, by kind and then by
// name (children live in the parent's namespace).
type Observed map[string]map[string]*unstructured.Unstructured

// Get returns the observed child of a kind and name.
func (o Observed) Get(kind, name string) (*unstructured.Unstructured, bool) {
	u, ok := o[kind][name]
	return u, ok
}

// All returns the observed children of a kind, sorted by name.
func (o Observed) All(kind string) []*unstructured.Unstructured {
	names := slices.Sorted(maps.Keys(o[kind]))
	out := make([]*unstructured.Unstructured, len(names))
	for i, n := range names {
		out[i] = o[kind][n]
	}
	return out
}

// LastApplied holds, by kind and name, the last-applied configuration of
// observed children that were read without it (hooks reads each child's
// annotation as it came on the wire, a JSON string still quoted, and leaves
// it out of the child's annotations): the answer decodes one only when it
// keeps that child as last applied, a frozen, retained or released child.
// A child not in it carries its configuration in its annotation, if at all.
type LastApplied map[string]map[string][]byte

// Count is the number of observed children of every kind.
func (o Observed) Count() int {
	n := 0
	for _, byName := range o {
		n += len(byName)
	}
	return n
}

// Kinds returns the observed kinds, sorted.
func (o Observed) Kinds() []string {
	return slices.Sorted(maps.Keys(o))
}
