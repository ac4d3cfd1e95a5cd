package graph

import "slices"

// Blueprint is a valid application resolved into what its children need:
// the Kafka connection, every streamlet with its merged runtime settings,
// wired ports, final parameter values and state, and every topic with its
// settings and readers. All lists are sorted by name. It holds no part of
// the spec as written: every value here is final.
type Blueprint struct {
	Name       string
	Namespace  string
	Generation int64
	// Kafka is how every streamlet reaches the default cluster, spec.kafka.
	Kafka KafkaConnection
	// KafkaClusters are the other clusters, by the name ports use.
	KafkaClusters map[string]KafkaConnection
	// Policy says whether topics may be deleted (Retain when unset).
	Policy TopicDeletionPolicy
	// ImagePullSecrets name the Secrets put onto every pod, sorted.
	ImagePullSecrets []string
	// Metrics is the port (and path) every streamlet pod serves metrics on,
	// scraped by a PodMonitor; nil when spec.metrics is unset.
	Metrics    *Metrics
	Streamlets []ResolvedStreamlet
	Topics     []Topic
}

// KafkaConnection is how streamlets reach the Kafka cluster.
type KafkaConnection struct {
	// Cluster is the Strimzi Kafka cluster (label strimzi.io/cluster on
	// every topic).
	Cluster          string
	BootstrapServers string
	// CASecret is the Secret with the cluster CA certificate (key ca.crt);
	// empty when Kafka is reached without TLS.
	CASecret string
	// Authentication is the Kafka user's Secret; nil without authentication.
	Authentication *KafkaAuthentication
}

// Connection is how to reach the cluster named name ("" the default).
func (b *Blueprint) Connection(name string) KafkaConnection {
	if name == "" {
		return b.Kafka
	}
	return b.KafkaClusters[name]
}

// Clusters are the clusters a streamlet's ports use besides the default,
// sorted.
func (s *ResolvedStreamlet) Clusters() []string {
	var out []string
	for _, w := range append(slices.Clone(s.Inlets), s.Outlets...) {
		if w.Cluster != "" && !slices.Contains(out, w.Cluster) {
			out = append(out, w.Cluster)
		}
	}
	slices.Sort(out)
	return out
}

// ResolvedStreamlet is one streamlet as its children see it.
type ResolvedStreamlet struct {
	Name    string
	Runtime Runtime
	// ClassName is the entry point (see Streamlet.ClassName).
	ClassName string
	Image     string
	// Replicas is pods (akka), executors (spark) or parallelism (flink).
	Replicas int32
	// ServiceAccountName is the service account of the streamlet's pods: for
	// akka the streamlet's, else spec.serviceAccountName; for spark and flink
	// the streamlet's, else the runtime's (the same as Spark or Flink's
	// ServiceAccountName, which children read).
	ServiceAccountName string
	Inlets             []Wire
	Outlets            []Wire
	Parameters         []Parameter
	// Endpoint is the HTTP port a Service exposes; nil when none.
	Endpoint *Endpoint

	// The user's additions to the streamlet's pods.
	Resources    *Resources
	Env          []EnvVar
	Labels       map[string]string
	Annotations  map[string]string
	VolumeMounts []VolumeMount

	// Spark and Flink are the runtime settings, merged with the runtime's
	// defaults and with the state directories and upgrade mode resolved
	// (see state.go); nil for other runtimes.
	Spark *SparkSettings
	Flink *FlinkSettings
	// State is where the streamlet keeps its state ("" when stateless).
	State string
	// StateClaim is the PersistentVolumeClaim mounted at StateMountPath
	// that holds State; empty when the state is elsewhere or there is none.
	StateClaim string

	// Suspended stops the streamlet's workload (spec.suspend or its own).
	Suspended bool
	// Autoscaling is the range its autoscaler scales it in; nil when the
	// streamlet runs Replicas. With autoscaling, Replicas is the starting
	// size.
	Autoscaling *Autoscaler
}

// Wire is a port bound to its topic.
type Wire struct {
	Port   string
	Schema Schema
	// Topic is the Kafka topic name.
	Topic string
	// ConsumerGroup is set on inlets: <app>.<streamlet>.<inlet>.
	ConsumerGroup string
	// Cluster is the spec.kafkaClusters entry of the topic; "" for the
	// default cluster.
	Cluster string
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
	Managed bool
	// Cluster is the spec.kafkaClusters entry the topic lives on; "" for
	// the default cluster.
	Cluster    string
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
