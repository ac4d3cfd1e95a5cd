package children

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

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
	d, err := typedChildren(bp, kinds)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*unstructured.Unstructured, 0, len(d.objs))
	for _, obj := range d.objs {
		u, err := ToUnstructured(obj)
		if err != nil {
			return nil, nil, err
		}
		u.SetAPIVersion(kinds[u.GetKind()])
		out = append(out, u)
	}
	SortObjects(out)
	return out, d.problems, nil
}

// typedChildren builds the typed children of a valid application.
func typedChildren(bp *graph.Blueprint, kinds Kinds) (*childSet, error) {
	d := &childSet{kinds: kinds}
	for i := range bp.Topics {
		if t := &bp.Topics[i]; t.Managed {
			d.add(KafkaTopicKind, "topic "+t.Name, func() any { return NewKafkaTopic(bp, t, kinds[KafkaTopicKind]) })
		}
	}
	for i := range bp.Streamlets {
		if err := d.addStreamlet(bp, &bp.Streamlets[i]); err != nil {
			return nil, err
		}
	}
	if bp.Metrics != nil {
		d.add(PodMonitorKind, "spec.metrics (scraping the streamlets)", func() any { return NewPodMonitor(bp) })
	}
	return d, nil
}

// childSet gathers the typed children of an application, and a problem for
// each child whose kind the CompositeController does not list.
type childSet struct {
	kinds    Kinds
	objs     []any
	problems []string
}

// add builds a child of kind if the controller lists the kind.
func (d *childSet) add(kind, what string, build func() any) {
	if _, ok := d.kinds[kind]; !ok {
		d.problems = append(d.problems, fmt.Sprintf("%s needs a %s, but the CompositeController does not list that kind: install its operator and enable the Sluice component that adds it", what, kind))
		return
	}
	d.objs = append(d.objs, build())
}

// addStreamlet adds a streamlet's ConfigMap, workload and Service.
func (d *childSet) addStreamlet(bp *graph.Blueprint, s *graph.ResolvedStreamlet) error {
	what := fmt.Sprintf("streamlet %s (%s)", s.Name, s.Runtime)
	cm, checksum, err := NewConfigMap(bp, s)
	if err != nil {
		return err
	}
	d.add(ConfigMapKind, what, func() any { return cm })
	switch s.Runtime {
	case graph.Akka:
		d.add(DeploymentKind, what, func() any { return NewDeployment(bp, s, checksum) })
	case graph.Spark:
		d.add(SparkApplicationKind, what, func() any { return NewSparkApplication(bp, s, checksum) })
	case graph.Flink:
		d.add(FlinkDeploymentKind, what, func() any { return NewFlinkDeployment(bp, s, checksum) })
	}
	if s.Endpoint != nil {
		d.add(ServiceKind, what+" endpoint", func() any { return NewService(bp, s) })
	}
	if s.Runtime == graph.Akka && s.Autoscaling != nil {
		d.add(ScaledObjectKind, what+" autoscaling", func() any { return NewScaledObject(bp, s) })
		for _, cluster := range triggerAuthClusters(bp, s) {
			d.add(TriggerAuthenticationKind, what+" autoscaling", func() any { return NewTriggerAuthentication(bp, s, cluster) })
		}
		if _, listed := d.kinds[TriggerAuthenticationKind]; listed && needsAutoscalerConfigMap(bp, s) {
			d.add(ConfigMapKind, what+" autoscaling", func() any { return NewAutoscalerConfigMap(bp, s) })
		}
	}
	for _, cluster := range managedUsers(bp, s) {
		d.add(KafkaUserKind, what+" Kafka user", func() any { return NewKafkaUser(bp, s, cluster, d.kinds[KafkaUserKind]) })
	}
	// No application asks for alerts: a streamlet gets them where the
	// monitoring component lists the kind, and nothing is amiss elsewhere.
	if _, listed := d.kinds[PrometheusRuleKind]; listed {
		d.add(PrometheusRuleKind, what+" alerts", func() any { return NewPrometheusRule(bp, s, d.kinds[PrometheusRuleKind]) })
	}
	return nil
}

// ToUnstructured turns a typed child, a pointer to a struct, into the map
// Metacontroller receives, as its JSON decodes (apimachinery's converter,
// BenchmarkToUnstructured) without the nulls, empty objects and status that
// typed objects marshal: to Metacontroller a null means "delete this field",
// which would make it update the child on every sync.
func ToUnstructured(obj any) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("encode child: %w", err)
	}
	u := &unstructured.Unstructured{Object: m}
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
		case float64:
			m[k] = asDecoded(v)
		case map[string]any:
			prune(v)
			if len(v) == 0 && !meaningfulEmpty[k] {
				delete(m, k)
			}
		case []any:
			for i, e := range v {
				switch e := e.(type) {
				case map[string]any:
					prune(e)
				case float64:
					v[i] = asDecoded(e)
				}
			}
		}
	}
}

// asDecoded is a float as decoding its JSON would give it back: an integral
// value that fits is written without a fraction and read as an int64.
func asDecoded(f float64) any {
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f)
	}
	return f
}

// meaningfulEmpty are the fields where an empty object is a value.
var meaningfulEmpty = map[string]bool{"emptyDir": true}

// SortObjects orders children by group, kind, namespace and name. The keys
// are read once: each read parses the child's apiVersion.
func SortObjects(objs []*unstructured.Unstructured) {
	type keyed struct {
		group, kind, namespace, name string
		u                            *unstructured.Unstructured
	}
	keys := make([]keyed, len(objs))
	for i, u := range objs {
		gvk := u.GroupVersionKind()
		keys[i] = keyed{gvk.Group, gvk.Kind, u.GetNamespace(), u.GetName(), u}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.kind, b.kind),
			cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
	for i, k := range keys {
		objs[i] = k.u
	}
}
