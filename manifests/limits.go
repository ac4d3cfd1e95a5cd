package manifests

import "github.com/sluice-dev/sluice/graph"

// Caps of the StreamingApplication CRD. The API server refuses a CRD whose
// CEL rules could cost without bound, so the CRD caps every list, map and
// string that a rule can reach; the hook sizes its request limit from the
// same numbers. The list caps are graph's, which checks them too. A test
// keeps these constants and crd/sluice.dev_streamingapplications.yaml equal.
const (
	// MaxStreamlets caps spec.streamlets.
	MaxStreamlets = graph.MaxStreamlets
	// MaxPortsPerStreamlet caps a streamlet's inlets, and separately its outlets.
	MaxPortsPerStreamlet = graph.MaxPortsPerStreamlet
	// MaxConnections caps spec.connections.
	MaxConnections = graph.MaxConnections
	// MaxConnectionTargets caps the inlets one connection fans out to ("to").
	MaxConnectionTargets = graph.MaxConnectionTargets
	// MaxConfigParameters caps a streamlet's configParameters.
	MaxConfigParameters = graph.MaxConfigParameters
	// MaxConfigValues caps the entries of a streamlet's config.
	MaxConfigValues = graph.MaxConfigValues
	// MaxEnv caps a streamlet's env.
	MaxEnv = graph.MaxEnv
	// MaxVolumeMounts caps a streamlet's volumeMounts.
	MaxVolumeMounts = graph.MaxVolumeMounts
	// MaxImagePullSecrets caps spec.imagePullSecrets.
	MaxImagePullSecrets = graph.MaxImagePullSecrets
	// MaxTopicConfig caps the entries of a Kafka topic config (topicDefaults, or a
	// port's topic).
	MaxTopicConfig = graph.MaxTopicConfig
	// MaxStreamletLabels caps a streamlet's labels, and separately its annotations.
	MaxStreamletLabels = graph.MaxStreamletLabels
	// MaxRuntimeConf caps the entries of sparkConf and of flinkConfiguration.
	MaxRuntimeConf = graph.MaxRuntimeConf
)

// Length caps of the StreamingApplication CRD's strings.
const (
	// MaxNameLength caps application, streamlet, port and volume names: DNS-1035
	// (or, for volumes, DNS-1123) labels.
	MaxNameLength = 63
	// MaxObjectNameLength caps names of other objects (Secrets, ConfigMaps, PVCs,
	// service accounts), keys and environment variable names.
	MaxObjectNameLength = 253
	// MaxTopicNameLength caps an explicit Kafka topic name (Kafka's own limit).
	MaxTopicNameLength = 249
	// MaxTextLength caps images, URIs, paths, class names, schema names,
	// fingerprints, patterns and descriptions.
	MaxTextLength = 1024
	// MaxShortLength caps versions, memory sizes, core limits and schema formats.
	MaxShortLength = 64
	// MaxLabelValueLength caps the values of a streamlet's labels and the Kafka
	// cluster name (a label value on every topic).
	MaxLabelValueLength = 63
	// MaxPortRefLength caps "streamlet.port" in connections.
	MaxPortRefLength = 2*MaxNameLength + 1
)

// Caps on names derived from the application and streamlet names, enforced by
// the CRD's CEL rules on len(app) + 1 + len(streamlet).
const (
	// MaxWorkloadNameLength caps "<app>-<streamlet>": a label value and a
	// Service name.
	MaxWorkloadNameLength = 63
	// MaxSparkWorkloadNameLength caps "<app>-<streamlet>" of a spark streamlet:
	// the Spark operator appends "-ui-svc" to make a Service name.
	MaxSparkWorkloadNameLength = MaxWorkloadNameLength - len("-ui-svc")
	// MaxFlinkWorkloadNameLength caps "<app>-<streamlet>" of a flink streamlet:
	// the Flink operator's limit on FlinkDeployment names.
	MaxFlinkWorkloadNameLength = 45
)
