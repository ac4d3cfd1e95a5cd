package children

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// Kinds maps each child kind the CompositeController lists to the exact
// apiVersion it lists it under. Metacontroller groups children by apiVersion
// and kind: a child answered under another apiVersion than the one listed
// makes it delete every observed child of that kind.
type Kinds map[string]string

// Desired builds every child of a valid application, sorted by group, kind
// and name, each under the apiVersion kinds lists for its kind. A child whose
// kind the controller does not list is not built; it becomes a problem for
// the status instead.
func Desired(bp *graph.Blueprint, kinds Kinds) ([]*unstructured.Unstructured, []string, error) {
	var (
		objs     []any
		problems []string
	)
	want := func(kind, what string) bool {
		if _, ok := kinds[kind]; ok {
			return true
		}
		problems = append(problems, fmt.Sprintf("%s needs a %s, but the CompositeController does not list that kind: install its operator and enable the Sluice component that adds it", what, kind))
		return false
	}
	for i := range bp.Topics {
		t := &bp.Topics[i]
		if t.Managed && want(KafkaTopicKind, "topic "+t.Name) {
			objs = append(objs, KafkaTopicFor(bp, t, kinds[KafkaTopicKind]))
		}
	}
	for i := range bp.Streamlets {
		s := &bp.Streamlets[i]
		what := fmt.Sprintf("streamlet %s (%s)", s.Name, s.Runtime)
		cm, checksum, err := ConfigMap(bp, s)
		if err != nil {
			return nil, nil, err
		}
		if want("ConfigMap", what) {
			objs = append(objs, cm)
		}
		switch s.Runtime {
		case graph.Akka:
			if want("Deployment", what) {
				objs = append(objs, Deployment(bp, s, checksum))
			}
		case graph.Spark:
			if want(SparkApplicationKind, what) {
				objs = append(objs, SparkApplicationFor(bp, s, checksum))
			}
		case graph.Flink:
			if want(FlinkDeploymentKind, what) {
				objs = append(objs, FlinkDeploymentFor(bp, s, checksum))
			}
		}
		if s.Endpoint != nil && want("Service", what+" endpoint") {
			objs = append(objs, Service(bp, s))
		}
	}
	if bp.Spec.Metrics != nil && want(PodMonitorKind, "spec.metrics (scraping the streamlets)") {
		objs = append(objs, PodMonitorFor(bp))
	}
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		u, err := ToUnstructured(obj)
		if err != nil {
			return nil, nil, err
		}
		u.SetAPIVersion(kinds[u.GetKind()])
		out = append(out, u)
	}
	SortObjects(out)
	return out, problems, nil
}

// ToUnstructured turns a typed child into the map Metacontroller receives,
// without the nulls, empty objects and status that typed objects marshal: to
// Metacontroller a null means "delete this field", which would make it
// update the child on every sync.
func ToUnstructured(obj any) (*unstructured.Unstructured, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode child: %w", err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("decode child: %w", err)
	}
	delete(u.Object, "status")
	prune(u.Object)
	return u, nil
}

// prune removes from m, recursively, null values and the empty objects
// typed structs marshal (strategy: {}, resources: {}), but for the few whose
// emptiness means something.
func prune(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(v)
			if len(v) == 0 && !meaningfulEmpty[k] {
				delete(m, k)
			}
		case []any:
			for _, e := range v {
				if em, ok := e.(map[string]any); ok {
					prune(em)
				}
			}
		}
	}
}

// meaningfulEmpty are the fields where an empty object is a value.
var meaningfulEmpty = map[string]bool{"emptyDir": true}

// SortObjects orders children by group, kind, namespace and name.
func SortObjects(objs []*unstructured.Unstructured) {
	slices.SortFunc(objs, func(a, b *unstructured.Unstructured) int {
		ga, gb := a.GroupVersionKind(), b.GroupVersionKind()
		return cmp.Or(cmp.Compare(ga.Group, gb.Group), cmp.Compare(ga.Kind, gb.Kind),
			cmp.Compare(a.GetNamespace(), b.GetNamespace()), cmp.Compare(a.GetName(), b.GetName()))
	})
}
