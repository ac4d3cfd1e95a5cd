package graph

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Group, Version and Kind identify the parent resource.
const (
	Group      = "sluice.dev"
	Version    = "v1alpha1"
	Kind       = "StreamingApplication"
	APIVersion = Group + "/" + Version
)

// StreamingApplication is the one resource a data team writes: a whole
// streaming application with its streamlets, ports, connections, configuration
// and scale.
type StreamingApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec    `json:"spec"`
	Status *Status `json:"status,omitempty"`
}

// Spec is the desired state of a StreamingApplication.
type Spec struct {
	// Image is the default container image of every streamlet.
	Image string `json:"image,omitempty"`
	// ImagePullSecrets name Secrets put onto every pod Sluice makes.
	ImagePullSecrets []string `json:"imagePullSecrets,omitempty"`
	// ServiceAccountName is the default service account of akka pods.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// Kafka says where the streams live.
	Kafka Kafka `json:"kafka"`
	// KafkaClusters are more Kafka clusters the application's ports may use
	// (topic.cluster names one), beside the default spec.kafka.
	KafkaClusters []KafkaCluster `json:"kafkaClusters,omitempty"`
	// TopicDeletionPolicy says whether topics may ever be deleted: Retain
	// (the default) or Delete.
	TopicDeletionPolicy TopicDeletionPolicy `json:"topicDeletionPolicy,omitempty"`
	// State is the root of checkpoints and savepoints of stateful streamlets.
	State *State `json:"state,omitempty"`
	// Metrics, when set, exposes a metrics port on every streamlet pod for a
	// PodMonitor to scrape.
	Metrics *Metrics `json:"metrics,omitempty"`
	// Runtimes holds defaults per runtime, overridable per streamlet.
	Runtimes Runtimes `json:"runtimes,omitzero"`
	// Streamlets are the processing steps.
	Streamlets []Streamlet `json:"streamlets"`
	// Connections wire outlets to inlets.
	Connections []Connection `json:"connections,omitempty"`
	// Suspend stops every streamlet; topics, configuration and Services
	// stay (see suspend.go).
	Suspend bool `json:"suspend,omitempty"`
}

// TopicDeletionPolicy says what happens to a topic whose outlet goes away.
type TopicDeletionPolicy string

// Topic deletion policies.
const (
	// Retain keeps every topic Sluice ever made until a person deletes it.
	Retain TopicDeletionPolicy = "Retain"
	// Delete lets Sluice delete the topics of outlets that left the blueprint.
	Delete TopicDeletionPolicy = "Delete"
)

// Kafka says which Kafka cluster carries the application's streams.
type Kafka struct {
	// Cluster is the Strimzi Kafka cluster name (label strimzi.io/cluster).
	Cluster string `json:"cluster"`
	// BootstrapServers is handed to every streamlet.
	BootstrapServers string `json:"bootstrapServers"`
	// TLS, when set, names the Secret holding the cluster CA certificate.
	TLS *KafkaTLS `json:"tls,omitempty"`
	// Authentication, when set, names the Secret of the Kafka user.
	Authentication *KafkaAuthentication `json:"authentication,omitempty"`
	// TopicDefaults apply to every topic Sluice makes.
	TopicDefaults TopicSettings `json:"topicDefaults,omitzero"`
	// TopicPrefix, when set, starts every derived topic and consumer group
	// name (e.g. the namespace, so that two applications of one name in two
	// namespaces on one Kafka cluster do not share topics). It can only be
	// set when the application is created: changing it would rename every
	// topic.
	TopicPrefix string `json:"topicPrefix,omitempty"`
}

// KafkaCluster is one more Kafka cluster, by the name ports give in
// topic.cluster: how streamlets reach it and the defaults of the topics made
// on it.
type KafkaCluster struct {
	Name             string               `json:"name"`
	Cluster          string               `json:"cluster"`
	BootstrapServers string               `json:"bootstrapServers"`
	TLS              *KafkaTLS            `json:"tls,omitempty"`
	Authentication   *KafkaAuthentication `json:"authentication,omitempty"`
	TopicDefaults    TopicSettings        `json:"topicDefaults,omitzero"`
}

// KafkaTLS names the Secret with the cluster CA certificate (key ca.crt).
type KafkaTLS struct {
	CASecret string `json:"caSecret"`
}

// KafkaAuthentication is how streamlets authenticate to Kafka: with one
// Strimzi KafkaUser's Secret that every streamlet shares (SecretName), or,
// with Managed, with a KafkaUser per streamlet that Sluice makes with ACLs
// for exactly what the streamlet reads and writes.
type KafkaAuthentication struct {
	// Type is scram-sha-512 (Secret key "password") or tls (keys user.crt
	// and user.key).
	Type string `json:"type"`
	// SecretName is the Secret of the shared Kafka user; not set when
	// Managed.
	SecretName string `json:"secretName,omitempty"`
	// Managed makes a KafkaUser per streamlet (the kafka-users component):
	// its name is the streamlet's workload name, and so is the Secret
	// Strimzi's User Operator writes for it.
	Managed bool `json:"managed,omitempty"`
}

// Kafka authentication types.
const (
	AuthSCRAMSHA512 = "scram-sha-512"
	AuthTLS         = "tls"
)

// TopicSettings are the Strimzi settings of a topic.
type TopicSettings struct {
	Partitions *int32 `json:"partitions,omitempty"`
	Replicas   *int32 `json:"replicas,omitempty"`
	// Config is Kafka topic configuration (retention.ms, cleanup.policy, …);
	// values are strings, numbers or booleans.
	Config map[string]Scalar `json:"config,omitempty"`
}

// State is where stateful streamlets keep checkpoints and savepoints: an
// object store URI or a PersistentVolumeClaim, exactly one of them.
type State struct {
	URI string `json:"uri,omitempty"`
	PVC string `json:"pvc,omitempty"`
}

// Metrics describes the metrics endpoint every streamlet pod serves.
type Metrics struct {
	Port int32  `json:"port"`
	Path string `json:"path,omitempty"`
}

// Runtimes holds the defaults of each runtime.
type Runtimes struct {
	Spark *SparkSettings `json:"spark,omitempty"`
	Flink *FlinkSettings `json:"flink,omitempty"`
}

// SparkSettings configure a Spark streamlet (a SparkApplication). Set at
// spec.runtimes.spark, every field can be overridden in a streamlet's spark
// block.
type SparkSettings struct {
	Version             string            `json:"version,omitempty"`
	Type                string            `json:"type,omitempty"`
	MainApplicationFile string            `json:"mainApplicationFile,omitempty"`
	ServiceAccountName  string            `json:"serviceAccountName,omitempty"`
	Driver              *SparkPod         `json:"driver,omitempty"`
	Executor            *SparkPod         `json:"executor,omitempty"`
	SparkConf           map[string]string `json:"sparkConf,omitempty"`
}

// SparkPod sizes a Spark driver or executor.
type SparkPod struct {
	Cores     *int32 `json:"cores,omitempty"`
	CoreLimit string `json:"coreLimit,omitempty"`
	Memory    string `json:"memory,omitempty"`
}

// FlinkSettings configure a Flink streamlet (a FlinkDeployment). Set at
// spec.runtimes.flink, every field can be overridden in a streamlet's flink
// block.
type FlinkSettings struct {
	Version            string            `json:"version,omitempty"`
	JarURI             string            `json:"jarURI,omitempty"`
	ServiceAccountName string            `json:"serviceAccountName,omitempty"`
	UpgradeMode        string            `json:"upgradeMode,omitempty"`
	JobManager         *FlinkResource    `json:"jobManager,omitempty"`
	TaskManager        *FlinkResource    `json:"taskManager,omitempty"`
	FlinkConfiguration map[string]string `json:"flinkConfiguration,omitempty"`
	// SavepointTriggerNonce asks the Flink operator for a savepoint each
	// time it changes.
	SavepointTriggerNonce *int64 `json:"savepointTriggerNonce,omitempty"`
}

// FlinkVersions are the values FlinkDeployment's spec.flinkVersion takes:
// exactly the enum of the Flink operator's CRD (1.16), which a test in
// manifests holds equal to this list and to the enum of the parent CRD.
var FlinkVersions = []string{
	"v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20",
	"v2_0", "v2_1", "v2_2", "v2_3", "v2_4",
}

// FlinkResource sizes a Flink job or task manager.
type FlinkResource struct {
	CPU    *float64 `json:"cpu,omitempty"`
	Memory string   `json:"memory,omitempty"`
}

// Runtime names what runs a streamlet.
type Runtime string

// Runtimes Sluice knows.
const (
	Akka  Runtime = "akka"
	Spark Runtime = "spark"
	Flink Runtime = "flink"
)

// Streamlet is one processing step.
type Streamlet struct {
	Name    string  `json:"name"`
	Runtime Runtime `json:"runtime"`
	// ClassName is the entry point: env SLUICE_STREAMLET_CLASS (akka), mainClass
	// (spark), entryClass (flink).
	ClassName string `json:"className,omitempty"`
	// Image overrides spec.image.
	Image string `json:"image,omitempty"`
	// Replicas is pods (akka), executors (spark) or parallelism (flink).
	Replicas *int32 `json:"replicas,omitempty"`

	Inlets  []Port `json:"inlets,omitempty"`
	Outlets []Port `json:"outlets,omitempty"`

	ConfigParameters []ConfigParameter `json:"configParameters,omitempty"`
	// Config holds the values the user sets, by parameter key.
	Config map[string]Scalar `json:"config,omitempty"`

	// Endpoint, when set, exposes the streamlet through a Service.
	Endpoint *Endpoint `json:"endpoint,omitempty"`

	ServiceAccountName string            `json:"serviceAccountName,omitempty"`
	Resources          *Resources        `json:"resources,omitempty"`
	Env                []EnvVar          `json:"env,omitempty"`
	Labels             map[string]string `json:"labels,omitempty"`
	Annotations        map[string]string `json:"annotations,omitempty"`
	VolumeMounts       []VolumeMount     `json:"volumeMounts,omitempty"`

	Spark *SparkSettings `json:"spark,omitempty"`
	Flink *FlinkSettings `json:"flink,omitempty"`

	// Suspend stops this streamlet (see suspend.go).
	Suspend bool `json:"suspend,omitempty"`
	// Autoscaling hands the streamlet's scale to its runtime's autoscaler
	// (see autoscaling.go).
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`
}

// Port is an inlet or an outlet.
type Port struct {
	Name   string `json:"name"`
	Schema Schema `json:"schema"`
	// Topic overrides the topic of an outlet, or names an existing topic an
	// inlet reads.
	Topic *TopicSpec `json:"topic,omitempty"`
}

// Schema identifies the records a port carries.
type Schema struct {
	Format      string `json:"format"`
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

// TopicSpec overrides a port's topic.
type TopicSpec struct {
	// Name is the Kafka topic name; by default <app>.<streamlet>.<outlet>.
	Name string `json:"name,omitempty"`
	// Managed false wires an existing topic without making a KafkaTopic.
	Managed *bool `json:"managed,omitempty"`
	// Cluster names the spec.kafkaClusters entry the topic lives on: an
	// outlet's topic is made there, an inlet's existing topic is read there;
	// empty for spec.kafka.
	Cluster string `json:"cluster,omitempty"`

	TopicSettings `json:",inline"`
}

// ConfigParameter declares one configuration key of a streamlet.
type ConfigParameter struct {
	Key         string        `json:"key"`
	Type        ParameterType `json:"type"`
	Default     *Scalar       `json:"default,omitempty"`
	Pattern     string        `json:"pattern,omitempty"`
	Description string        `json:"description,omitempty"`
}

// ParameterType is the type of a configuration parameter.
type ParameterType string

// Parameter types. Durations and memory sizes use HOCON's grammar.
const (
	TypeBool       ParameterType = "bool"
	TypeInt32      ParameterType = "int32"
	TypeInt64      ParameterType = "int64"
	TypeDouble     ParameterType = "double"
	TypeString     ParameterType = "string"
	TypeDuration   ParameterType = "duration"
	TypeMemorySize ParameterType = "memorysize"
)

// Endpoint is a streamlet's HTTP port, exposed through a Service.
type Endpoint struct {
	ContainerPort int32 `json:"containerPort"`
}

// Resources are a container's requests and limits.
type Resources struct {
	Requests corev1.ResourceList `json:"requests,omitempty"`
	Limits   corev1.ResourceList `json:"limits,omitempty"`
}

// EnvVar is one environment variable: a plain value, or a reference to a
// Secret or ConfigMap key (credentials belong in Secrets).
type EnvVar struct {
	Name      string     `json:"name"`
	Value     string     `json:"value,omitempty"`
	ValueFrom *EnvSource `json:"valueFrom,omitempty"`
}

// EnvSource references a key of a Secret or of a ConfigMap.
type EnvSource struct {
	SecretKeyRef    *KeyRef `json:"secretKeyRef,omitempty"`
	ConfigMapKeyRef *KeyRef `json:"configMapKeyRef,omitempty"`
}

// KeyRef names a key in a Secret or ConfigMap.
type KeyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional *bool  `json:"optional,omitempty"`
}

// VolumeMount mounts one volume into the streamlet's container; exactly one
// source is set.
type VolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	SubPath   string `json:"subPath,omitempty"`

	Secret                string    `json:"secret,omitempty"`
	ConfigMap             string    `json:"configMap,omitempty"`
	PersistentVolumeClaim string    `json:"persistentVolumeClaim,omitempty"`
	EmptyDir              *EmptyDir `json:"emptyDir,omitempty"`
}

// EmptyDir is a scratch volume.
type EmptyDir struct {
	SizeLimit string `json:"sizeLimit,omitempty"`
}

// Connection fans one outlet out to inlets, each written "streamlet.port".
type Connection struct {
	From string   `json:"from"`
	To   []string `json:"to"`
}
