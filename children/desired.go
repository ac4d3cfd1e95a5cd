package children

import (
	"fmt"
	"math"

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
func Desired(bp *graph.Blueprint, kinds Kinds) ([]*Child, []string, error) {
	d, err := typedChildren(bp, kinds)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*Child, len(d.objs))
	for i, obj := range d.objs {
		out[i] = typedChild(obj, kinds[obj.GetObjectKind().GroupVersionKind().Kind])
	}
	SortChildren(out)
	return out, d.problems, nil
}

// typedChildren builds the typed children of a valid application.
func typedChildren(bp *graph.Blueprint, kinds Kinds) (*childSet, error) {
	d := &childSet{kinds: kinds}
	for i := range bp.Topics {
		if t := &bp.Topics[i]; t.Managed {
			d.add(KafkaTopicKind, "topic "+t.Name, func() typedObject { return NewKafkaTopic(bp, t, kinds[KafkaTopicKind]) })
		}
	}
	for i := range bp.Streamlets {
		if err := d.addStreamlet(bp, &bp.Streamlets[i]); err != nil {
			return nil, err
		}
	}
	if bp.Metrics != nil {
		d.add(PodMonitorKind, "spec.metrics (scraping the streamlets)", func() typedObject { return NewPodMonitor(bp) })
	}
	return d, nil
}

// childSet gathers the typed children of an application, and a problem for
// each child whose kind the CompositeController does not list.
type childSet struct {
	kinds    Kinds
	objs     []typedObject
	problems []string
}

// add builds a child of kind if the controller lists the kind.
func (d *childSet) add(kind, what string, build func() typedObject) {
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
	d.add(ConfigMapKind, what, func() typedObject { return cm })
	switch s.Runtime {
	case graph.Akka:
		d.add(DeploymentKind, what, func() typedObject { return NewDeployment(bp, s, checksum) })
	case graph.Spark:
		d.add(SparkApplicationKind, what, func() typedObject { return NewSparkApplication(bp, s, checksum) })
	case graph.Flink:
		d.add(FlinkDeploymentKind, what, func() typedObject { return NewFlinkDeployment(bp, s, checksum) })
	}
	if s.Endpoint != nil {
		d.add(ServiceKind, what+" endpoint", func() typedObject { return NewService(bp, s) })
	}
	if s.Runtime == graph.Akka && s.Autoscaling != nil {
		d.add(ScaledObjectKind, what+" autoscaling", func() typedObject { return NewScaledObject(bp, s) })
		for _, cluster := range triggerAuthClusters(bp, s) {
			d.add(TriggerAuthenticationKind, what+" autoscaling", func() typedObject { return NewTriggerAuthentication(bp, s, cluster) })
		}
		if _, listed := d.kinds[TriggerAuthenticationKind]; listed && needsAutoscalerConfigMap(bp, s) {
			d.add(ConfigMapKind, what+" autoscaling", func() typedObject { return NewAutoscalerConfigMap(bp, s) })
		}
	}
	for _, cluster := range managedUsers(bp, s) {
		d.add(KafkaUserKind, what+" Kafka user", func() typedObject { return NewKafkaUser(bp, s, cluster, d.kinds[KafkaUserKind]) })
	}
	// No application asks for alerts: a streamlet gets them where the
	// monitoring component lists the kind, and nothing is amiss elsewhere.
	if _, listed := d.kinds[PrometheusRuleKind]; listed {
		d.add(PrometheusRuleKind, what+" alerts", func() typedObject { return NewPrometheusRule(bp, s, d.kinds[PrometheusRuleKind]) })
	}
	return nil
}

// ToUnstructured turns a typed child, a pointer to a struct, into the map
// Metacontroller receives, as its JSON decodes (apimachinery's converter,
// BenchmarkToUnstructured) without the nulls, empty objects and status that
// typed objects marshal: to Metacontroller a null means "delete this field",
// which would make it update the child on every sync. The server's answer
// encodes the same without the map (Child.AppendJSON, appendPruned).
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
