package graph

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// checkKafkaClusters checks each more cluster like spec.kafka, and that
// ports can tell them apart by name.
func checkKafkaClusters(m *merged) Problems {
	var ps Problems
	seen := map[string]bool{}
	for i, c := range m.spec.KafkaClusters {
		path := fmt.Sprintf("spec.kafkaClusters[%s]", c.Name)
		if c.Name == "" {
			path = fmt.Sprintf("spec.kafkaClusters[%d]", i)
		}
		switch errs := validation.IsDNS1123Label(c.Name); {
		case c.Name == "":
			ps.add(path+".name", ErrRequired, "missing: ports name a cluster in topic.cluster")
		case len(errs) > 0:
			ps.add(path+".name", ErrInvalidName, "%q is not a DNS-1123 label: %s", c.Name, strings.Join(errs, "; "))
		case len(c.Name) > MaxKafkaClusterNameLength:
			ps.add(path+".name", ErrNameTooLong, "%d characters, at most %d (it names volumes and Kafka users)", len(c.Name), MaxKafkaClusterNameLength)
		case seen[c.Name]:
			ps.add(path, ErrDuplicate, "cluster %q named twice", c.Name)
		}
		seen[c.Name] = true
		ps = append(ps, checkKafkaAt(path, c.kafka())...)
		checkTopicSettingsAt(&ps, path+".topicDefaults", c.TopicDefaults)
	}
	if n := len(m.spec.KafkaClusters); n > MaxKafkaClusters {
		ps.add("spec.kafkaClusters", ErrBadValue, "%d entries, at most %d", n, MaxKafkaClusters)
	}
	return ps
}

// checkPortClusters checks the clusters ports name: each one of
// spec.kafkaClusters, and an inlet on the cluster of the topic it reads —
// Sluice does not mirror topics between clusters.
func checkPortClusters(m *merged) Problems {
	var ps Problems
	written := map[string]string{} // "streamlet.outlet" -> cluster
	byTopic := map[string]string{} // topic name -> cluster of its outlet
	for _, s := range m.streamlets {
		for _, o := range s.Outlets {
			t := outletTopic(m, s.Streamlet, o)
			written[s.Name+"."+o.Name], byTopic[t.Name] = t.Cluster, t.Cluster
			checkClusterRef(m, &ps, fmt.Sprintf("%s.outlets[%s].topic.cluster", s.path, o.Name), t.Cluster)
		}
	}
	from := map[string]string{} // "streamlet.inlet" -> "streamlet.outlet"
	for _, c := range m.spec.Connections {
		for _, to := range c.To {
			from[to] = c.From
		}
	}
	for _, s := range m.streamlets {
		for _, in := range s.Inlets {
			if in.Topic == nil {
				continue // follows its outlet's cluster
			}
			path := fmt.Sprintf("%s.inlets[%s].topic.cluster", s.path, in.Name)
			cluster := in.Topic.Cluster
			checkClusterRef(m, &ps, path, cluster)
			source, sourceCluster, known := "", "", false
			switch {
			case in.Topic.Name != "":
				source = "topic " + in.Topic.Name
				if sourceCluster, known = byTopic[in.Topic.Name]; !known {
					byTopic[in.Topic.Name] = cluster // an existing topic: the first inlet says where
				}
			case cluster != "":
				source = from[s.Name+"."+in.Name]
				sourceCluster, known = written[source]
			}
			if known && sourceCluster != cluster {
				ps.add(path, ErrBadValue, "reads %s, on %s, from %s: Sluice does not mirror topics between clusters; put both on one cluster",
					source, clusterName(sourceCluster), clusterName(cluster))
			}
		}
	}
	return ps
}

func checkClusterRef(m *merged, ps *Problems, path, name string) {
	if _, ok := m.kafkaCluster(name); name != "" && !ok {
		ps.add(path, ErrNoSuchCluster, "no cluster %q in spec.kafkaClusters", name)
	}
}

func clusterName(name string) string {
	if name == "" {
		return "spec.kafka"
	}
	return name
}

// kafkaCluster returns the spec.kafkaClusters entry of a name.
func (m *merged) kafkaCluster(name string) (KafkaCluster, bool) {
	for _, c := range m.spec.KafkaClusters {
		if c.Name == name {
			return c, true
		}
	}
	return KafkaCluster{}, false
}

// kafkaClusterConnections are the other clusters' connections by name.
func kafkaClusterConnections(clusters []KafkaCluster) map[string]KafkaConnection {
	if len(clusters) == 0 {
		return nil
	}
	out := make(map[string]KafkaConnection, len(clusters))
	for _, c := range clusters {
		out[c.Name] = kafkaConnection(c.kafka())
	}
	return out
}

// kafka is the cluster's connection settings in the shape of spec.kafka.
func (c KafkaCluster) kafka() Kafka {
	return Kafka{Cluster: c.Cluster, BootstrapServers: c.BootstrapServers, TLS: c.TLS, Authentication: c.Authentication}
}
