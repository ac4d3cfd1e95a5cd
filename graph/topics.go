package graph

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// checkTopicSettings checks the topic deletion policy and the settings of
// every topic: the defaults and each port's.
func checkTopicSettings(m *merged) Problems {
	var ps Problems
	switch m.spec.TopicDeletionPolicy {
	case "", Retain, Delete:
	default:
		ps.add("spec.topicDeletionPolicy", ErrBadValue, "%q is not Retain or Delete", m.spec.TopicDeletionPolicy)
	}
	checkTopicSettingsAt(&ps, "spec.kafka.topicDefaults", m.spec.Kafka.TopicDefaults)
	for _, s := range m.streamlets {
		for _, group := range []struct {
			kind  string
			ports []Port
		}{{"inlets", s.Inlets}, {"outlets", s.Outlets}} {
			for _, p := range group.ports {
				if p.Topic != nil {
					checkTopicSettingsAt(&ps, fmt.Sprintf("%s.%s[%s].topic", s.path, group.kind, p.Name), p.Topic.TopicSettings)
				}
			}
		}
	}
	return ps
}

func checkTopicSettingsAt(ps *Problems, path string, ts TopicSettings) {
	if ts.Partitions != nil && *ts.Partitions < 1 {
		ps.add(path+".partitions", ErrBadValue, "%d partitions: a topic has at least 1", *ts.Partitions)
	}
	if ts.Replicas != nil && (*ts.Replicas < 1 || *ts.Replicas > maxTopicReplicas) {
		ps.add(path+".replicas", ErrBadValue, "%d replicas: a topic has 1 to %d", *ts.Replicas, maxTopicReplicas)
	}
}

// checkOutletTopics checks the topic each outlet writes: a Kafka topic
// name, written by no other outlet, and a KafkaTopic name no other topic
// turns into.
func checkOutletTopics(m *merged) Problems {
	var ps Problems
	byName := map[string]string{}   // topic name -> path of its first outlet
	byObject := map[string]string{} // KafkaTopic name -> path of its first outlet
	for _, s := range m.streamlets {
		for _, o := range s.Outlets {
			path := fmt.Sprintf("%s.outlets[%s]", s.path, o.Name)
			t := outletTopic(m, s.Streamlet, o)
			if err := checkTopicName(t.Name); err != nil {
				ps.addErr(path+".topic.name", err)
			}
			if first, dup := byName[t.Name]; dup {
				ps.add(path, ErrDuplicate, "topic %q is also written by %s", t.Name, first)
				continue
			}
			if first, dup := byObject[t.ObjectName]; dup {
				ps.add(path, ErrDuplicate, "topic %q would be KafkaTopic %q, and so would the topic of %s; choose another topic name",
					t.Name, t.ObjectName, first)
				continue
			}
			byName[t.Name], byObject[t.ObjectName] = path, path
		}
	}
	return ps
}

// checkInletTopics checks the existing topics inlets name: a name, a Kafka
// topic name, and never owned by the inlet.
func checkInletTopics(m *merged) Problems {
	var ps Problems
	for _, s := range m.streamlets {
		for _, in := range s.Inlets {
			if in.Topic == nil {
				continue
			}
			path := fmt.Sprintf("%s.inlets[%s].topic", s.path, in.Name)
			if in.Topic.Name == "" {
				ps.add(path+".name", ErrRequired, "missing: an inlet's topic names an existing topic")
				continue
			}
			if in.Topic.Managed != nil && *in.Topic.Managed {
				ps.add(path+".managed", ErrNotAllowed, "an inlet cannot own a topic; declare it on the outlet that writes it, or set managed: false")
			}
			if err := checkTopicName(in.Topic.Name); err != nil {
				ps.addErr(path+".name", err)
			}
		}
	}
	return ps
}

// outletTopic is the topic an outlet writes: <app>.<streamlet>.<outlet>
// unless it names another, managed unless it says not, with the topic
// defaults under its own settings.
func outletTopic(m *merged, s *Streamlet, o Port) Topic {
	defaults := m.spec.Kafka.TopicDefaults
	var cluster string
	if o.Topic != nil && o.Topic.Cluster != "" {
		cluster = o.Topic.Cluster
		if c, ok := m.kafkaCluster(cluster); ok {
			defaults = c.TopicDefaults
		}
	}
	t := Topic{
		Cluster: cluster,
		Name:    m.spec.Kafka.TopicPrefix + TopicName(m.name, s.Name, o.Name), Streamlet: s.Name, Outlet: o.Name,
		Managed: true, Schema: o.Schema,
		Partitions: defaults.Partitions, Replicas: defaults.Replicas,
		// The defaults' map, shared by every topic that sets none of its
		// own: a topic's config is never written once resolved.
		Config: defaults.Config,
	}
	if o.Topic != nil {
		t.Name = cmp.Or(o.Topic.Name, t.Name)
		t.Managed = o.Topic.Managed == nil || *o.Topic.Managed
		t.Partitions = cmp.Or(o.Topic.Partitions, t.Partitions)
		t.Replicas = cmp.Or(o.Topic.Replicas, t.Replicas)
		if len(o.Topic.Config) > 0 {
			t.Config = maps.Clone(defaults.Config)
			if t.Config == nil {
				t.Config = map[string]Scalar{}
			}
			maps.Copy(t.Config, o.Topic.Config)
		}
	}
	t.ObjectName = TopicObjectName(t.Name)
	return t
}

// resolveTopics lists every topic of a valid application by name: one per
// outlet, and each existing topic an inlet names that no outlet writes.
// Readers are left for build to add.
func resolveTopics(m *merged) []Topic {
	var topics []Topic
	known := map[string]bool{}
	for _, s := range m.streamlets {
		for _, o := range s.Outlets {
			t := outletTopic(m, s.Streamlet, o)
			known[t.Name] = true
			topics = append(topics, t)
		}
	}
	for _, s := range m.streamlets {
		for _, in := range s.Inlets {
			if in.Topic == nil || known[in.Topic.Name] {
				continue
			}
			known[in.Topic.Name] = true
			topics = append(topics, Topic{Name: in.Topic.Name, ObjectName: TopicObjectName(in.Topic.Name), Schema: in.Schema, Cluster: in.Topic.Cluster})
		}
	}
	slices.SortFunc(topics, func(a, b Topic) int { return cmp.Compare(a.Name, b.Name) })
	return topics
}
