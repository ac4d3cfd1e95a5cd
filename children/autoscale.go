package children

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// Replicas belong to the scaler. KEDA's HorizontalPodAutoscaler writes an
// autoscaled Deployment's spec.replicas; Metacontroller writes every field
// the hook answers on every sync. Answering the spec's count would undo the
// scaler's decision each time, and leaving the field out would let the API
// server default it to 1 (a streamlet running 8 pods would drop to 1 when
// autoscaling is turned on). So keepScalerReplicas answers an autoscaled
// Deployment with the replicas observed, the scaler's last decision, held
// within the streamlet's range (as the scaler would: a Deployment running
// more or fewer pods than the range allows when autoscaling is turned on,
// or 0 after a resume); with no Deployment observed yet, with the
// builder's starting size. A suspended streamlet is answered with 0, and
// its ScaledObject is paused there. Once autoscaling is off, the spec's
// count is answered again.
//
// For a rejected spec every child is answered as last applied (frozen.go);
// a Deployment that KEDA scales (an observed ScaledObject of its name that
// is not paused) keeps its observed replicas there too: a rejected edit
// changes nothing.
//
// Without the keda component (no ScaledObject kind listed) nothing scales
// the Deployment, so the spec's count is answered.
func keepScalerReplicas(bp *graph.Blueprint, answer []*Child, observed Observed, kinds Kinds) {
	if _, listed := kinds[ScaledObjectKind]; !listed && bp != nil {
		return
	}
	for _, c := range answer {
		if c.Kind() != DeploymentKind {
			continue
		}
		obs, ok := observed.Get(DeploymentKind, c.Name())
		if !ok {
			continue
		}
		current, found, err := unstructured.NestedInt64(obs.Object, "spec", "replicas")
		if err != nil || !found {
			continue // the API server defaults it; nothing to keep
		}
		replicas, keep := scalerReplicas(bp, c.Name(), current, observed)
		if keep {
			_ = unstructured.SetNestedField(c.Object().Object, replicas, "spec", "replicas")
		}
	}
}

// scalerReplicas is what an autoscaled Deployment of the given name is
// answered with when current replicas are observed; keep is false when the
// Deployment's replicas are not the scaler's.
func scalerReplicas(bp *graph.Blueprint, name string, current int64, observed Observed) (replicas int64, keep bool) {
	if bp == nil {
		so, ok := observed.Get(ScaledObjectKind, name)
		if !ok {
			return 0, false
		}
		_, paused := metadataEntry(so, "annotations", AnnotationPausedReplicas)
		return current, !paused
	}
	i := slices.IndexFunc(bp.Streamlets, func(s graph.ResolvedStreamlet) bool {
		return s.Runtime == graph.Akka && WorkloadName(bp.Name, s.Name) == name
	})
	if i < 0 {
		return 0, false
	}
	s := &bp.Streamlets[i]
	if s.Autoscaling == nil || s.Suspended {
		return 0, false
	}
	return min(max(current, int64(s.Autoscaling.MinReplicas)), int64(s.Autoscaling.MaxReplicas)), true
}

// autoscalingStatus is what the status says of an autoscaled streamlet's
// autoscaler: its range, and for an akka streamlet the ScaledObject's
// conditions, a missing keda component, and a range above the partitions
// its inlets read (KEDA runs no more pods than a topic has partitions: more
// consumers would sit idle). problem is what the streamlet's message should
// also say.
func autoscalingStatus(in statusInput, s *graph.ResolvedStreamlet) (st *graph.AutoscalingStatus, problem string) {
	a := s.Autoscaling
	if a == nil {
		return nil, ""
	}
	st = &graph.AutoscalingStatus{MinReplicas: a.MinReplicas, MaxReplicas: a.MaxReplicas}
	switch s.Runtime {
	case graph.Flink:
		st.Message = "parallelism scaled by the Flink operator's autoscaler"
		return st, ""
	case graph.Spark:
		st.Message = "executors scaled by Spark's dynamic allocation"
		return st, ""
	}
	if _, listed := in.kinds[ScaledObjectKind]; !listed {
		st.Message = "not autoscaled: the CompositeController does not list " + ScaledObjectKind + ": install KEDA and enable Sluice's keda component"
		return st, st.Message
	}
	name := ScaledObjectName(in.blueprint.Name, s.Name)
	var msgs []string
	if u, ok := in.observed.Get(ScaledObjectKind, name); ok {
		var msg string
		st.Ready, st.Active, msg = ScaledObjectHealth(u)
		msgs = append(msgs, msg)
		problem = msg
	} else {
		st.Ready, st.Active = "Unknown", "Unknown"
		msgs = append(msgs, "ScaledObject "+name+" not created yet")
	}
	if s.Suspended {
		msgs = append(msgs, "paused at 0 replicas while suspended")
	} else {
		msgs = append(msgs, "pods scaled by KEDA on the consumer lag of its inlets")
	}
	if n, known := inletPartitions(in, s); known && a.MaxReplicas > n {
		over := fmt.Sprintf("maxReplicas %d is above the %d partitions of its inlets' topics: KEDA runs at most %d pods (more would sit idle)", a.MaxReplicas, n, n)
		msgs = append(msgs, over)
		problem = joinMessages(problem, over)
	}
	for _, m := range msgs {
		st.Message = joinMessages(st.Message, m)
	}
	return st, problem
}

// inletPartitions is the most partitions of the topics an akka streamlet's
// inlets read (KEDA scales to at most that many pods): a managed topic's
// observed partitions, else its resolved ones. known is false when a topic's
// count is not known to Sluice (an existing topic, a cluster default).
func inletPartitions(in statusInput, s *graph.ResolvedStreamlet) (n int32, known bool) {
	bp := in.blueprint
	for _, w := range s.Inlets {
		i := slices.IndexFunc(bp.Topics, func(t graph.Topic) bool { return t.Name == w.Topic && t.Cluster == w.Cluster })
		if i < 0 || !bp.Topics[i].Managed {
			return 0, false
		}
		t := &bp.Topics[i]
		p := int64(-1)
		if u, ok := in.observed.Get(KafkaTopicKind, t.ObjectName); ok {
			if v, found, err := unstructured.NestedInt64(u.Object, "spec", "partitions"); err == nil && found {
				p = v
			}
		}
		if p < 0 && t.Partitions != nil {
			p = int64(*t.Partitions)
		}
		if p < 0 {
			return 0, false
		}
		n = max(n, int32(p))
	}
	return n, len(s.Inlets) > 0
}
