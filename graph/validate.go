package graph

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Reserved names: Sluice's own volumes and the labels it sets.
var (
	reservedVolumes     = []string{"sluice-config", "sluice-kafka-ca", "sluice-kafka-user", "sluice-state"}
	reservedLabelPrefix = []string{"sluice.dev/", "app.kubernetes.io/"}
)

// maxTopicReplicas is Kafka's largest replication factor (a short).
const maxTopicReplicas = 32767

// ConfigDir is where a streamlet finds streamlet.json; no user volume may be
// mounted there.
const ConfigDir = "/etc/sluice"

func checkApplication(r *resolver) {
	spec := &r.spec
	if err := checkLabelName(r.app.Name); err != nil {
		r.add("metadata.name", err)
	}
	if spec.Kafka.Cluster == "" {
		r.addf("spec.kafka.cluster", ErrRequired, "the Strimzi Kafka cluster that holds the topics")
	} else if errs := validation.IsValidLabelValue(spec.Kafka.Cluster); len(errs) > 0 {
		r.addf("spec.kafka.cluster", ErrInvalidName, "%q is not a label value (label strimzi.io/cluster on every topic): %s",
			spec.Kafka.Cluster, strings.Join(errs, "; "))
	}
	if spec.Kafka.BootstrapServers == "" {
		r.addf("spec.kafka.bootstrapServers", ErrRequired, "streamlets need the Kafka bootstrap servers")
	}
	if tls := spec.Kafka.TLS; tls != nil {
		r.checkRef("spec.kafka.tls.caSecret", tls.CASecret)
	}
	if auth := spec.Kafka.Authentication; auth != nil {
		if auth.Type != AuthSCRAMSHA512 && auth.Type != AuthTLS {
			r.addf("spec.kafka.authentication.type", ErrBadValue, "%q is not %s or %s", auth.Type, AuthSCRAMSHA512, AuthTLS)
		}
		r.checkRef("spec.kafka.authentication.secretName", auth.SecretName)
	}
	r.checkTopicSettings("spec.kafka.topicDefaults", spec.Kafka.TopicDefaults)
	switch spec.TopicDeletionPolicy {
	case "", Retain, Delete:
	default:
		r.addf("spec.topicDeletionPolicy", ErrBadValue, "%q is not Retain or Delete", spec.TopicDeletionPolicy)
	}
	if st := spec.State; st != nil {
		switch {
		case (st.URI == "") == (st.PVC == ""):
			r.addf("spec.state", ErrBadValue, "set exactly one of uri and pvc")
		case st.PVC != "":
			r.checkRef("spec.state.pvc", st.PVC)
		case !strings.Contains(st.URI, "://"):
			r.addf("spec.state.uri", ErrBadValue, "%q is not a URI such as s3://bucket/path", st.URI)
		}
	}
	if m := spec.Metrics; m != nil {
		r.checkPort("spec.metrics.port", m.Port)
		if m.Path != "" && !strings.HasPrefix(m.Path, "/") {
			r.addf("spec.metrics.path", ErrBadValue, "%q does not start with /", m.Path)
		}
	}
	for _, name := range spec.ImagePullSecrets {
		r.checkRef("spec.imagePullSecrets", name)
	}
	if dup := firstDuplicate(spec.ImagePullSecrets); dup != "" {
		r.addf("spec.imagePullSecrets", ErrDuplicate, "%q listed twice", dup)
	}
	if spec.ServiceAccountName != "" {
		r.checkRef("spec.serviceAccountName", spec.ServiceAccountName)
	}
	if len(spec.Streamlets) == 0 {
		r.addf("spec.streamlets", ErrRequired, "an application has at least one streamlet")
	}
}

func (r *resolver) checkRef(path, name string) {
	if name == "" {
		r.add(path, ErrRequired)
		return
	}
	if err := checkObjectName(name); err != nil {
		r.add(path, err)
	}
}

func (r *resolver) checkPort(path string, port int32) {
	if port < 1 || port > 65535 {
		r.addf(path, ErrBadValue, "port %d is not between 1 and 65535", port)
	}
}

func (r *resolver) checkTopicSettings(path string, ts TopicSettings) {
	if ts.Partitions != nil && *ts.Partitions < 1 {
		r.addf(path+".partitions", ErrBadValue, "%d partitions: a topic has at least 1", *ts.Partitions)
	}
	if ts.Replicas != nil && (*ts.Replicas < 1 || *ts.Replicas > maxTopicReplicas) {
		r.addf(path+".replicas", ErrBadValue, "%d replicas: a topic has 1 to %d", *ts.Replicas, maxTopicReplicas)
	}
}

// checkStreamlets checks each streamlet's name, runtime and pod settings, and
// merges its runtime settings.
func checkStreamlets(r *resolver) {
	seen := map[string]bool{}
	for i := range r.spec.Streamlets {
		s := &r.spec.Streamlets[i]
		path := streamletPath(s)
		if s.Name == "" {
			path = fmt.Sprintf("spec.streamlets[%d]", i)
		}
		if err := checkLabelName(s.Name); err != nil {
			r.add(path+".name", err)
		} else if seen[s.Name] {
			r.addf(path, ErrDuplicate, "streamlet %q is declared twice", s.Name)
			continue
		}
		seen[s.Name] = true
		r.checkWorkloadName(path, s)
		run := &resolvedRun{image: cmp.Or(s.Image, r.spec.Image), replicas: 1}
		if s.Replicas != nil {
			run.replicas = *s.Replicas
		}
		if run.image == "" {
			r.addf(path+".image", ErrRequired, "no image here and no spec.image")
		}
		if run.replicas < 0 {
			r.addf(path+".replicas", ErrBadValue, "%d replicas", run.replicas)
		}
		r.settings[s.Name] = run
		switch s.Runtime {
		case Akka:
			run.serviceAccount = cmp.Or(s.ServiceAccountName, r.spec.ServiceAccountName)
			r.checkNoBlock(path, s, "spark", s.Spark != nil)
			r.checkNoBlock(path, s, "flink", s.Flink != nil)
		case Spark:
			run.spark = mergeSpark(r.spec.Runtimes.Spark, s.Spark)
			run.serviceAccount = r.streamletServiceAccount(path, s, "spark", s.Spark != nil && s.Spark.ServiceAccountName != "", &run.spark.ServiceAccountName)
			r.checkSpark(path, s, run)
			r.checkNoBlock(path, s, "flink", s.Flink != nil)
			r.checkNoResources(path, s, "spark.driver and spark.executor (cores, coreLimit, memory)")
		case Flink:
			run.flink = mergeFlink(r.spec.Runtimes.Flink, s.Flink)
			run.serviceAccount = r.streamletServiceAccount(path, s, "flink", s.Flink != nil && s.Flink.ServiceAccountName != "", &run.flink.ServiceAccountName)
			r.checkFlink(path, s, run)
			r.checkNoBlock(path, s, "spark", s.Spark != nil)
			r.checkNoResources(path, s, "flink.jobManager and flink.taskManager (cpu, memory)")
		case "":
			r.addf(path+".runtime", ErrRequired, "one of akka, spark, flink")
		default:
			r.addf(path+".runtime", ErrUnknownRuntime, "%q is not akka, spark or flink", s.Runtime)
		}
		if s.ServiceAccountName != "" {
			r.checkRef(path+".serviceAccountName", s.ServiceAccountName)
		}
		if ep := s.Endpoint; ep != nil {
			r.checkPort(path+".endpoint.containerPort", ep.ContainerPort)
			if s.Runtime != Akka {
				r.addf(path+".endpoint", ErrNotAllowed, "only akka streamlets serve endpoints")
			}
			if m := r.spec.Metrics; m != nil && m.Port == ep.ContainerPort {
				r.addf(path+".endpoint.containerPort", ErrDuplicate, "port %d is also spec.metrics.port", m.Port)
			}
		}
		r.checkPod(path, s)
	}
}

// streamletServiceAccount lets a spark or flink streamlet's own
// serviceAccountName override the runtime's (spec.runtimes.<block>), written
// into *merged; a different one in the streamlet's <block> too is a conflict.
// It returns the service account the streamlet's pods run as.
func (r *resolver) streamletServiceAccount(path string, s *Streamlet, block string, inBlock bool, merged *string) string {
	if s.ServiceAccountName == "" {
		return *merged
	}
	if inBlock && *merged != s.ServiceAccountName {
		r.addf(path+".serviceAccountName", ErrBadValue, "%q differs from %s.serviceAccountName %q: set one of them", s.ServiceAccountName, block, *merged)
	}
	*merged = s.ServiceAccountName
	return *merged
}

// checkNoResources refuses resources on a streamlet whose operator sizes its
// pods from the runtime block: the value would be dropped or overwritten.
func (r *resolver) checkNoResources(path string, s *Streamlet, sizedBy string) {
	if s.Resources != nil {
		r.addf(path+".resources", ErrNotAllowed, "a %s streamlet is sized by %s; resources applies to akka streamlets only", s.Runtime, sizedBy)
	}
}

func (r *resolver) checkNoBlock(path string, s *Streamlet, block string, set bool) {
	if set {
		r.addf(path+"."+block, ErrNotAllowed, "a %s block on a %s streamlet", block, s.Runtime)
	}
}

// checkWorkloadName checks the length of "<app>-<streamlet>" against the cap
// of the names derived from it.
func (r *resolver) checkWorkloadName(path string, s *Streamlet) {
	name := WorkloadName(r.app.Name, s.Name)
	limit, why := MaxWorkloadName, "a Service name and label value"
	switch s.Runtime {
	case Flink:
		limit, why = MaxFlinkName, "the Flink operator's limit on FlinkDeployment names"
	case Spark:
		limit, why = MaxSparkName, "the Spark operator adds -ui-svc to make a Service name"
	}
	if len(name) > limit {
		r.addf(path+".name", ErrNameTooLong, "%q has %d characters, at most %d (%s); shorten the application or streamlet name",
			name, len(name), limit, why)
	}
}

func mergeSpark(def, over *SparkSettings) *SparkSettings {
	var out SparkSettings
	if def != nil {
		out = *def
	}
	if over == nil {
		out.SparkConf = maps.Clone(out.SparkConf)
		return &out
	}
	out.Version = cmp.Or(over.Version, out.Version)
	out.Type = cmp.Or(over.Type, out.Type)
	out.MainApplicationFile = cmp.Or(over.MainApplicationFile, out.MainApplicationFile)
	out.ServiceAccountName = cmp.Or(over.ServiceAccountName, out.ServiceAccountName)
	out.Driver = mergeSparkPod(out.Driver, over.Driver)
	out.Executor = mergeSparkPod(out.Executor, over.Executor)
	out.SparkConf = mergeMap(out.SparkConf, over.SparkConf)
	return &out
}

func mergeSparkPod(def, over *SparkPod) *SparkPod {
	if over == nil {
		return def
	}
	var out SparkPod
	if def != nil {
		out = *def
	}
	out.Cores = cmp.Or(over.Cores, out.Cores)
	out.CoreLimit = cmp.Or(over.CoreLimit, out.CoreLimit)
	out.Memory = cmp.Or(over.Memory, out.Memory)
	return &out
}

func mergeFlink(def, over *FlinkSettings) *FlinkSettings {
	var out FlinkSettings
	if def != nil {
		out = *def
	}
	if over == nil {
		out.FlinkConfiguration = maps.Clone(out.FlinkConfiguration)
		return &out
	}
	out.Version = cmp.Or(over.Version, out.Version)
	out.JarURI = cmp.Or(over.JarURI, out.JarURI)
	out.ServiceAccountName = cmp.Or(over.ServiceAccountName, out.ServiceAccountName)
	out.UpgradeMode = cmp.Or(over.UpgradeMode, out.UpgradeMode)
	out.JobManager = mergeFlinkResource(out.JobManager, over.JobManager)
	out.TaskManager = mergeFlinkResource(out.TaskManager, over.TaskManager)
	out.FlinkConfiguration = mergeMap(out.FlinkConfiguration, over.FlinkConfiguration)
	return &out
}

func mergeFlinkResource(def, over *FlinkResource) *FlinkResource {
	if over == nil {
		return def
	}
	var out FlinkResource
	if def != nil {
		out = *def
	}
	out.CPU = cmp.Or(over.CPU, out.CPU)
	out.Memory = cmp.Or(over.Memory, out.Memory)
	return &out
}

func mergeMap[V any](def, over map[string]V) map[string]V {
	if len(def) == 0 && len(over) == 0 {
		return nil
	}
	out := maps.Clone(def)
	if out == nil {
		out = make(map[string]V, len(over))
	}
	maps.Copy(out, over)
	return out
}

// Spark application types the Spark operator accepts.
var sparkTypes = []string{"Java", "Python", "R", "Scala"}

// checkSpark refuses what the Spark operator would refuse later.
func (r *resolver) checkSpark(path string, s *Streamlet, run *resolvedRun) {
	sp := run.spark
	missing := func(field, what string) {
		r.addf(path+".spark."+field, ErrMissingSetting, "%s: set it here or in spec.runtimes.spark", what)
	}
	if sp.Version == "" {
		missing("version", "the Spark version")
	}
	switch {
	case sp.Type == "":
		missing("type", "the application type (Java, Python, R or Scala)")
	case !slices.Contains(sparkTypes, sp.Type):
		r.addf(path+".spark.type", ErrBadValue, "%q is not one of %s", sp.Type, strings.Join(sparkTypes, ", "))
	}
	if sp.MainApplicationFile == "" {
		missing("mainApplicationFile", "the application file")
	}
	if run.replicas < 1 {
		r.addf(path+".replicas", ErrMissingSetting, "a Spark streamlet needs at least 1 executor, not %d", run.replicas)
	}
	if sp.ServiceAccountName != "" {
		r.checkRef(path+".spark.serviceAccountName", sp.ServiceAccountName)
	}
	for _, pod := range []struct {
		name string
		p    *SparkPod
	}{{"driver", sp.Driver}, {"executor", sp.Executor}} {
		if pod.p != nil && pod.p.Cores != nil && *pod.p.Cores < 1 {
			r.addf(path+".spark."+pod.name+".cores", ErrBadValue, "%d cores", *pod.p.Cores)
		}
	}
}

// Flink upgrade modes the Flink operator accepts.
var flinkUpgradeModes = []string{"last-state", "savepoint", "stateless"}

// The Flink configuration keys of the checkpoint and savepoint directories:
// Flink 1.20's and 2.x's key, then the deprecated keys Flink still reads
// (CheckpointingOptions.CHECKPOINTS_DIRECTORY and SAVEPOINT_DIRECTORY).
var (
	flinkCheckpointDirKeys = []string{"execution.checkpointing.dir", "state.checkpoints.dir", "state.backend.fs.checkpointdir"}
	flinkSavepointDirKeys  = []string{"execution.checkpointing.savepoint-dir", "state.savepoints.dir", "savepoints.state.backend.fs.dir"}
)

// anySet reports whether conf holds a non-blank value under one of keys.
func anySet(conf map[string]string, keys []string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return strings.TrimSpace(conf[k]) != "" })
}

// checkFlink refuses what the Flink operator would refuse later.
func (r *resolver) checkFlink(path string, s *Streamlet, run *resolvedRun) {
	fl := run.flink
	missing := func(field, what string) {
		r.addf(path+".flink."+field, ErrMissingSetting, "%s: set it here or in spec.runtimes.flink", what)
	}
	if fl.Version == "" {
		missing("version", "the Flink version (e.g. v1_20)")
	} else if !slices.Contains(FlinkVersions, fl.Version) {
		r.addf(path+".flink.version", ErrBadValue, "%q is not a Flink version the Flink operator knows: one of %s", fl.Version, strings.Join(FlinkVersions, ", "))
	}
	if fl.JarURI == "" {
		missing("jarURI", "the job's jar")
	}
	if fl.ServiceAccountName == "" {
		missing("serviceAccountName", "the Flink operator needs a service account allowed to manage the job's pods")
	} else {
		r.checkRef(path+".flink.serviceAccountName", fl.ServiceAccountName)
	}
	for _, c := range []struct {
		name string
		r    *FlinkResource
	}{{"jobManager", fl.JobManager}, {"taskManager", fl.TaskManager}} {
		if c.r != nil && c.r.CPU != nil && *c.r.CPU <= 0 {
			r.addf(path+".flink."+c.name+".cpu", ErrBadValue, "%g CPUs", *c.r.CPU)
		}
	}
	if fl.JobManager == nil || fl.JobManager.Memory == "" {
		missing("jobManager.memory", "the job manager's memory")
	}
	if fl.TaskManager == nil || fl.TaskManager.Memory == "" {
		missing("taskManager.memory", "the task manager's memory")
	}
	if fl.UpgradeMode != "" && !slices.Contains(flinkUpgradeModes, fl.UpgradeMode) {
		r.addf(path+".flink.upgradeMode", ErrBadValue, "%q is not one of %s", fl.UpgradeMode, strings.Join(flinkUpgradeModes, ", "))
	}
	// As the Flink operator's validator (DefaultValidator.validateJobSpec)
	// refuses them: every mode but stateless needs a checkpoint directory,
	// savepoint a savepoint directory too. spec.state sets both. Since
	// operator 1.10, last-state no longer needs high availability.
	if stateful := fl.UpgradeMode == "savepoint" || fl.UpgradeMode == "last-state"; stateful && r.spec.State == nil {
		if !anySet(fl.FlinkConfiguration, flinkCheckpointDirKeys) {
			r.addf(path+".flink.upgradeMode", ErrMissingSetting, "upgrade mode %s needs a checkpoint directory: set spec.state, or %s in flinkConfiguration",
				fl.UpgradeMode, flinkCheckpointDirKeys[1])
		}
		if fl.UpgradeMode == "savepoint" && !anySet(fl.FlinkConfiguration, flinkSavepointDirKeys) {
			r.addf(path+".flink.upgradeMode", ErrMissingSetting, "upgrade mode savepoint needs a savepoint directory: set spec.state, or %s in flinkConfiguration",
				flinkSavepointDirKeys[1])
		}
	}
	if run.replicas < 1 {
		r.addf(path+".replicas", ErrMissingSetting, "a Flink streamlet's parallelism is at least 1, not %d", run.replicas)
	}
}

// checkPod checks what goes into the streamlet's pod: resources, env,
// volumes, labels and annotations.
func (r *resolver) checkPod(path string, s *Streamlet) {
	if res := s.Resources; res != nil {
		for name, q := range res.Limits {
			if req, ok := res.Requests[name]; ok && req.Cmp(q) > 0 {
				r.addf(fmt.Sprintf("%s.resources.requests[%s]", path, name), ErrBadValue, "request %s is above limit %s", req.String(), q.String())
			}
		}
	}
	envSeen := map[string]bool{}
	for _, e := range s.Env {
		p := fmt.Sprintf("%s.env[%s]", path, e.Name)
		if errs := validation.IsEnvVarName(e.Name); len(errs) > 0 {
			r.addf(p, ErrInvalidName, "%s", strings.Join(errs, "; "))
		}
		if envSeen[e.Name] {
			r.addf(p, ErrDuplicate, "variable set twice")
		}
		envSeen[e.Name] = true
		if strings.HasPrefix(e.Name, "SLUICE_") {
			r.addf(p, ErrNotAllowed, "SLUICE_ variables are set by Sluice")
		}
		if vf := e.ValueFrom; vf != nil {
			if e.Value != "" {
				r.addf(p, ErrBadValue, "set value or valueFrom, not both")
			}
			refs := 0
			for _, ref := range []*KeyRef{vf.SecretKeyRef, vf.ConfigMapKeyRef} {
				if ref != nil {
					refs++
					r.checkRef(p+".valueFrom.name", ref.Name)
					if ref.Key == "" {
						r.add(p+".valueFrom.key", ErrRequired)
					}
				}
			}
			if refs != 1 {
				r.addf(p+".valueFrom", ErrBadValue, "set exactly one of secretKeyRef and configMapKeyRef")
			}
		}
	}
	mountSeen := map[string]bool{}
	for _, m := range s.VolumeMounts {
		p := fmt.Sprintf("%s.volumeMounts[%s]", path, m.Name)
		if errs := validation.IsDNS1123Label(m.Name); len(errs) > 0 {
			r.addf(p, ErrInvalidName, "%s", strings.Join(errs, "; "))
		}
		if slices.Contains(reservedVolumes, m.Name) {
			r.addf(p, ErrNotAllowed, "volume name %q is used by Sluice", m.Name)
		}
		if mountSeen[m.Name] {
			r.addf(p, ErrDuplicate, "volume mounted twice")
		}
		mountSeen[m.Name] = true
		if !strings.HasPrefix(m.MountPath, "/") {
			r.addf(p+".mountPath", ErrBadValue, "%q is not an absolute path", m.MountPath)
		}
		if m.MountPath == ConfigDir || strings.HasPrefix(m.MountPath, ConfigDir+"/") {
			r.addf(p+".mountPath", ErrNotAllowed, "%s holds the streamlet's configuration", ConfigDir)
		}
		sources := 0
		for _, ref := range []string{m.Secret, m.ConfigMap, m.PersistentVolumeClaim} {
			if ref != "" {
				sources++
				r.checkRef(p, ref)
			}
		}
		if m.EmptyDir != nil {
			sources++
			if m.EmptyDir.SizeLimit != "" {
				if _, err := resource.ParseQuantity(m.EmptyDir.SizeLimit); err != nil {
					r.addf(p+".emptyDir.sizeLimit", ErrBadValue, "%q: %v", m.EmptyDir.SizeLimit, err)
				}
			}
		}
		if sources != 1 {
			r.addf(p, ErrBadValue, "set exactly one of secret, configMap, persistentVolumeClaim and emptyDir")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		p := fmt.Sprintf("%s.labels[%s]", path, k)
		if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(s.Labels[k])...); len(errs) > 0 {
			r.addf(p, ErrBadValue, "%s", strings.Join(errs, "; "))
		}
		r.checkReservedKey(p, k)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Annotations)) {
		p := fmt.Sprintf("%s.annotations[%s]", path, k)
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			r.addf(p, ErrBadValue, "%s", strings.Join(errs, "; "))
		}
		r.checkReservedKey(p, k)
	}
}

func (r *resolver) checkReservedKey(path, key string) {
	for _, prefix := range reservedLabelPrefix {
		if strings.HasPrefix(key, prefix) {
			r.addf(path, ErrNotAllowed, "keys under %s are set by Sluice", prefix)
		}
	}
}

// checkPorts checks port names and schemas.
func checkPorts(r *resolver) {
	for i := range r.spec.Streamlets {
		s := &r.spec.Streamlets[i]
		seen := map[string]string{}
		for _, group := range []struct {
			kind  string
			ports []Port
		}{{"inlets", s.Inlets}, {"outlets", s.Outlets}} {
			for _, p := range group.ports {
				path := fmt.Sprintf("%s.%s[%s]", streamletPath(s), group.kind, p.Name)
				if err := checkLabelName(p.Name); err != nil {
					r.add(path+".name", err)
				}
				if kind, dup := seen[p.Name]; dup {
					r.addf(path, ErrDuplicate, "port %q is also one of the %s", p.Name, kind)
				}
				seen[p.Name] = group.kind
				if p.Schema.Format == "" {
					r.addf(path+".schema.format", ErrRequired, "e.g. avro, protobuf, json")
				}
				if p.Schema.Name == "" {
					r.addf(path+".schema.name", ErrRequired, "the record type, e.g. carly.data.CallRecord")
				}
				if p.Topic != nil {
					r.checkTopicSettings(path+".topic", p.Topic.TopicSettings)
				}
			}
		}
	}
}

// firstDuplicate returns the first value listed twice in a sorted list.
func firstDuplicate(sorted []string) string {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return sorted[i]
		}
	}
	return ""
}
