package graph

import (
	"cmp"
	"slices"
)

// build resolves a merged application that the rules found valid into its
// Blueprint. It reports nothing: every reference it follows was checked.
func build(m *merged) *Blueprint {
	bp := &Blueprint{
		Name: m.name, Namespace: m.namespace, Generation: m.generation,
		Kafka:            kafkaConnection(m.spec.Kafka),
		KafkaClusters:    kafkaClusterConnections(m.spec.KafkaClusters),
		Policy:           cmp.Or(m.spec.TopicDeletionPolicy, Retain),
		ImagePullSecrets: m.spec.ImagePullSecrets,
		Metrics:          m.spec.Metrics,
		Topics:           resolveTopics(m),
	}
	w := newWiring(m, bp.Topics)
	for _, s := range m.streamlets {
		bp.Streamlets = append(bp.Streamlets, resolveStreamlet(m, &s, w))
	}
	for i := range bp.Topics {
		slices.Sort(bp.Topics[i].Readers)
	}
	return bp
}

// resolveStreamlet is one streamlet of the blueprint; its inlets are added
// to their topics' readers.
func resolveStreamlet(m *merged, s *mergedStreamlet, w *wiring) ResolvedStreamlet {
	rs := ResolvedStreamlet{
		Name: s.Name, Runtime: s.Runtime, ClassName: s.ClassName,
		Image: s.run.image, Replicas: s.run.replicas, ServiceAccountName: s.run.serviceAccount,
		Parameters: resolveParameters(s.Streamlet), Endpoint: s.Endpoint,
		Resources: s.Resources, Env: s.Env, Labels: s.Labels, Annotations: s.Annotations, VolumeMounts: s.VolumeMounts,
		Spark: s.run.spark, Flink: s.run.flink,
	}
	resolveState(&rs, m.spec.State)
	resolveAutoscaling(&rs, s.Streamlet)
	rs.Suspended = isSuspended(&m.spec, s.Streamlet)
	for _, in := range s.Inlets {
		ref := s.Name + "." + in.Name
		t := w.source(ref, in)
		rs.Inlets = append(rs.Inlets, Wire{Port: in.Name, Schema: in.Schema, Topic: t.Name, Cluster: t.Cluster,
			ConsumerGroup: m.spec.Kafka.TopicPrefix + ConsumerGroup(m.name, s.Name, in.Name)})
		t.Readers = append(t.Readers, ref)
	}
	for _, o := range s.Outlets {
		t := w.written[s.Name+"."+o.Name]
		rs.Outlets = append(rs.Outlets, Wire{Port: o.Name, Schema: o.Schema, Topic: t.Name, Cluster: t.Cluster})
	}
	return rs
}

// wiring finds the topic of each port of a valid application.
type wiring struct {
	named map[string]*Topic // by Kafka name
	// written is the topic of each outlet, "streamlet.outlet".
	written map[string]*Topic
	// connected is the outlet connected to each inlet, "streamlet.inlet".
	connected map[string]string
}

func newWiring(m *merged, topics []Topic) *wiring {
	w := &wiring{named: map[string]*Topic{}, written: map[string]*Topic{}, connected: map[string]string{}}
	for i := range topics {
		t := &topics[i]
		w.named[t.Name] = t
		if t.Streamlet != "" {
			w.written[t.Streamlet+"."+t.Outlet] = t
		}
	}
	for _, c := range m.spec.Connections {
		for _, to := range c.To {
			w.connected[to] = c.From
		}
	}
	return w
}

// source is the topic an inlet reads: the existing topic it names, or the
// topic of the outlet connected to it.
func (w *wiring) source(ref string, in Port) *Topic {
	if in.Topic != nil && in.Topic.Name != "" {
		return w.named[in.Topic.Name]
	}
	return w.written[w.connected[ref]]
}
