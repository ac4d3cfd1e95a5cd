package graph

// Blueprint is a valid application resolved into what its children need:
// every streamlet with its merged runtime settings, wired ports and final
// parameter values, and every topic with its settings and readers. All lists
// are sorted by name.
type Blueprint struct {
	Name       string
	Namespace  string
	Generation int64
	Spec       Spec
	Policy     TopicDeletionPolicy
	Streamlets []ResolvedStreamlet
	Topics     []Topic
}

// ResolvedStreamlet is one streamlet as its children see it.
type ResolvedStreamlet struct {
	Streamlet
	Image    string
	Replicas int32
	// ServiceAccountName is the service account of the streamlet's pods: for
	// akka the streamlet's, else spec.serviceAccountName; for spark and flink
	// the streamlet's, else the runtime's (the same as Spark or Flink's
	// ServiceAccountName, which children read).
	ServiceAccountName string
	Inlets             []Wire
	Outlets            []Wire
	Parameters         []Parameter
	Spark              *SparkSettings
	Flink              *FlinkSettings
	// State is where the streamlet keeps its state ("" when stateless).
	State string
}

// Wire is a port bound to its topic.
type Wire struct {
	Port   string
	Schema Schema
	// Topic is the Kafka topic name.
	Topic string
	// ConsumerGroup is set on inlets: <app>.<streamlet>.<inlet>.
	ConsumerGroup string
}

// Topic is one Kafka topic the application writes or reads.
type Topic struct {
	// Name is the Kafka topic name.
	Name string
	// ObjectName is the KafkaTopic's metadata.name, TopicObjectName(Name):
	// the topic name when it is a valid object name, else derived from it.
	ObjectName string
	// Streamlet and Outlet are the writer; empty for an existing topic that
	// only inlets read.
	Streamlet string
	Outlet    string
	// Managed topics get a KafkaTopic; unmanaged ones are only wired.
	Managed    bool
	Partitions *int32
	Replicas   *int32
	Config     map[string]Scalar
	Schema     Schema
	// Readers are the inlets that read the topic, as "streamlet.inlet".
	Readers []string
}

// Parameter is a configuration parameter with its final value.
type Parameter struct {
	Key       string
	Type      ParameterType
	Value     Scalar
	Defaulted bool
}

// DefaultedParameters lists, per streamlet, the parameters that fell back to
// their defaults.
func (b *Blueprint) DefaultedParameters() []DefaultedParameter {
	var out []DefaultedParameter
	for _, s := range b.Streamlets {
		for _, p := range s.Parameters {
			if p.Defaulted {
				out = append(out, DefaultedParameter{Streamlet: s.Name, Key: p.Key, Value: p.Value.String()})
			}
		}
	}
	return out
}
