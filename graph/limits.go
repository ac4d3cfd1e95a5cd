package graph

// Caps on the lists of an application. The CRD carries the same numbers
// (manifests/limits.go refers to these, and its tests hold the CRD to them),
// because the API server refuses a CRD whose CEL rules could cost without
// bound; graph checks them too, so that `sluice validate` refuses what the
// API server would.
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
)

// checkCaps refuses lists longer than the CRD allows.
func checkCaps(r *resolver) {
	capped := func(path string, n, limit int) {
		if n > limit {
			r.addf(path, ErrBadValue, "%d entries, at most %d", n, limit)
		}
	}
	spec := &r.spec
	capped("spec.streamlets", len(spec.Streamlets), MaxStreamlets)
	capped("spec.connections", len(spec.Connections), MaxConnections)
	capped("spec.imagePullSecrets", len(spec.ImagePullSecrets), MaxImagePullSecrets)
	capped("spec.kafka.topicDefaults.config", len(spec.Kafka.TopicDefaults.Config), MaxTopicConfig)
	for _, c := range spec.Connections {
		capped("spec.connections["+c.From+"].to", len(c.To), MaxConnectionTargets)
	}
	for _, rt := range []struct {
		path string
		n    int
	}{{"spec.runtimes.spark.sparkConf", sparkConfLen(spec.Runtimes.Spark)}, {"spec.runtimes.flink.flinkConfiguration", flinkConfLen(spec.Runtimes.Flink)}} {
		capped(rt.path, rt.n, MaxRuntimeConf)
	}
	for i := range spec.Streamlets {
		s := &spec.Streamlets[i]
		path := streamletPath(s)
		capped(path+".inlets", len(s.Inlets), MaxPortsPerStreamlet)
		capped(path+".outlets", len(s.Outlets), MaxPortsPerStreamlet)
		capped(path+".configParameters", len(s.ConfigParameters), MaxConfigParameters)
		capped(path+".config", len(s.Config), MaxConfigValues)
		capped(path+".env", len(s.Env), MaxEnv)
		capped(path+".volumeMounts", len(s.VolumeMounts), MaxVolumeMounts)
		capped(path+".labels", len(s.Labels), MaxStreamletLabels)
		capped(path+".annotations", len(s.Annotations), MaxStreamletLabels)
		capped(path+".spark.sparkConf", sparkConfLen(s.Spark), MaxRuntimeConf)
		capped(path+".flink.flinkConfiguration", flinkConfLen(s.Flink), MaxRuntimeConf)
		for _, ports := range [][]Port{s.Inlets, s.Outlets} {
			for _, p := range ports {
				if p.Topic != nil {
					capped(path+"["+p.Name+"].topic.config", len(p.Topic.Config), MaxTopicConfig)
				}
			}
		}
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
