package graph

// Every cap of a StreamingApplication has its one home here. The CRD
// (manifests/crd) carries the same numbers, because the API server refuses
// a CRD whose CEL rules could cost without bound; the tests of manifests hold
// the CRD to these constants, graph checks them too (so that `sluice
// validate` refuses what the API server would), and the hook sizes its
// request limit from them.

// Caps on the lists and maps of an application.
const (
	MaxStreamlets        = 100
	MaxPortsPerStreamlet = 32 // inlets, and separately outlets
	MaxConnections       = 500
	MaxConnectionTargets = 32
	MaxConfigParameters  = 64
	MaxConfigValues      = 64
	MaxEnv               = 64
	MaxVolumeMounts      = 32
	MaxImagePullSecrets  = 16
	MaxTopicConfig       = 64
	MaxStreamletLabels   = 64 // labels, and separately annotations
	MaxRuntimeConf       = 128
	MaxKafkaClusters     = 8 // spec.kafkaClusters
)

// Caps on the strings of an application.
const (
	// MaxObjectNameLength caps names of other objects (Secrets, ConfigMaps, PVCs,
	// service accounts), keys and environment variable names.
	MaxObjectNameLength = 253 // validation.DNS1123SubdomainMaxLength
	// MaxTextLength caps images, URIs, paths, class names, schema names,
	// fingerprints, patterns and descriptions.
	MaxTextLength = 1024
	// MaxShortLength caps versions, memory sizes, core limits and schema formats.
	MaxShortLength = 64
	// MaxLabelValueLength caps the values of a streamlet's labels and the Kafka
	// cluster name (a label value on every topic).
	MaxLabelValueLength = 63 // validation.LabelValueMaxLength
	// MaxPortRefLength caps "streamlet.port" in connections.
	MaxPortRefLength = 2*MaxNameLength + 1
)

// Caps on names, and on the names derived from them (enforced in the CRD by
// CEL rules on len(app) + 1 + len(streamlet)).
const (
	// MaxNameLength caps application, streamlet and port names: each is a
	// label value (sluice.dev/app, sluice.dev/streamlet, sluice.dev/outlet).
	MaxNameLength = 63 // validation.DNS1035LabelMaxLength
	// MaxWorkloadName caps "<app>-<streamlet>", a Service name and the value
	// of app.kubernetes.io/instance.
	MaxWorkloadName = 63 // validation.DNS1035LabelMaxLength
	// MaxFlinkName caps a FlinkDeployment's name: the Flink operator refuses
	// longer ones because it derives further names from it.
	MaxFlinkName = 45
	// MaxSparkName caps a SparkApplication's name: the Spark operator appends
	// "-ui-svc" to make the UI Service's DNS-1035 name.
	MaxSparkName = MaxWorkloadName - len("-ui-svc")
	// MaxKafkaClusterNameLength caps a spec.kafkaClusters name (and a
	// port's topic.cluster): it becomes part of volume names
	// (sluice-kafka-user-<name>) and KafkaUser names.
	MaxKafkaClusterNameLength = 40
	// MaxTopicPrefixLength caps spec.kafka.topicPrefix: with it, the longest
	// derived topic name (<app>.<streamlet>.<outlet>) stays within Kafka's
	// limit.
	MaxTopicPrefixLength = MaxTopicName - (3*MaxNameLength + 2)
	// MaxTopicName is Kafka's limit on topic names, explicit or derived.
	MaxTopicName = 249
)

// maxTopicReplicas is Kafka's largest replication factor (a short).
const maxTopicReplicas = 32767

// checkCaps refuses lists and maps longer than the CRD allows.
func checkCaps(m *merged) Problems {
	var ps Problems
	spec := &m.spec
	capped(&ps, "spec.streamlets", len(spec.Streamlets), MaxStreamlets)
	capped(&ps, "spec.connections", len(spec.Connections), MaxConnections)
	capped(&ps, "spec.imagePullSecrets", len(spec.ImagePullSecrets), MaxImagePullSecrets)
	capped(&ps, "spec.kafka.topicDefaults.config", len(spec.Kafka.TopicDefaults.Config), MaxTopicConfig)
	for _, c := range spec.Connections {
		capped(&ps, "spec.connections["+c.From+"].to", len(c.To), MaxConnectionTargets)
	}
	capped(&ps, "spec.runtimes.spark.sparkConf", sparkConfLen(spec.Runtimes.Spark), MaxRuntimeConf)
	capped(&ps, "spec.runtimes.flink.flinkConfiguration", flinkConfLen(spec.Runtimes.Flink), MaxRuntimeConf)
	for _, s := range m.streamlets {
		checkStreamletCaps(&ps, s.path, s.Streamlet)
	}
	return ps
}

// checkStreamletCaps refuses a streamlet's lists and maps longer than the
// CRD allows.
func checkStreamletCaps(ps *Problems, path string, s *Streamlet) {
	capped(ps, path+".inlets", len(s.Inlets), MaxPortsPerStreamlet)
	capped(ps, path+".outlets", len(s.Outlets), MaxPortsPerStreamlet)
	capped(ps, path+".configParameters", len(s.ConfigParameters), MaxConfigParameters)
	capped(ps, path+".config", len(s.Config), MaxConfigValues)
	capped(ps, path+".env", len(s.Env), MaxEnv)
	capped(ps, path+".volumeMounts", len(s.VolumeMounts), MaxVolumeMounts)
	capped(ps, path+".labels", len(s.Labels), MaxStreamletLabels)
	capped(ps, path+".annotations", len(s.Annotations), MaxStreamletLabels)
	capped(ps, path+".spark.sparkConf", sparkConfLen(s.Spark), MaxRuntimeConf)
	capped(ps, path+".flink.flinkConfiguration", flinkConfLen(s.Flink), MaxRuntimeConf)
	for _, group := range []struct {
		kind  string
		ports []Port
	}{{"inlets", s.Inlets}, {"outlets", s.Outlets}} {
		for _, p := range group.ports {
			if p.Topic != nil {
				capped(ps, path+"."+group.kind+"["+p.Name+"].topic.config", len(p.Topic.Config), MaxTopicConfig)
			}
		}
	}
}

func capped(ps *Problems, path string, n, limit int) {
	if n > limit {
		ps.add(path, ErrBadValue, "%d entries, at most %d", n, limit)
	}
}

func sparkConfLen(s *SparkSettings) int {
	if s == nil {
		return 0
	}
	return len(s.SparkConf)
}

func flinkConfLen(f *FlinkSettings) int {
	if f == nil {
		return 0
	}
	return len(f.FlinkConfiguration)
}
