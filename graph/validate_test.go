package graph

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestBaseIsValid(t *testing.T) {
	if problems := Validate(base()); len(problems) > 0 {
		t.Fatalf("base fixture has problems:\n%v", problems)
	}
}

// TestValidateProblems has one case per kind of problem. Each asserts the
// sentinel error, that the message names the streamlet, port or connection
// at fault, and that it says what is wrong without repeating the sentinel.
func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name string
		mod  func(t *testing.T, app *StreamingApplication)
		err  error
		// want are substrings of one problem's text.
		want []string
	}{
		{"app name with dot", func(t *testing.T, a *StreamingApplication) { a.Name = "shop.v2" }, ErrInvalidName, []string{"metadata.name", "shop.v2"}},
		{"app name uppercase", func(t *testing.T, a *StreamingApplication) { a.Name = "Shop" }, ErrInvalidName, []string{"metadata.name"}},
		{"streamlet name invalid", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Name = "Egress_1"
			a.Spec.Connections[1].To = []string{"Egress_1.in", "report.in"}
		}, ErrInvalidName, []string{"spec.streamlets[Egress_1].name"}},
		{"port name invalid", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Name = "in.0"
		}, ErrInvalidName, []string{"spec.streamlets[egress].inlets[in.0].name"}},
		{"workload name too long", func(t *testing.T, a *StreamingApplication) {
			a.Name = strings.Repeat("a", 50)
			s := streamlet(t, a, "egress")
			s.Name = "egress-with-a-long-name"
			a.Spec.Connections[1].To = []string{"egress-with-a-long-name.in", "report.in"}
		}, ErrNameTooLong, []string{"spec.streamlets[egress-with-a-long-name].name", "at most 63"}},
		{"flink name over 45", func(t *testing.T, a *StreamingApplication) { a.Name = strings.Repeat("s", 40) }, ErrNameTooLong,
			[]string{"spec.streamlets[score].name", "at most 45", "Flink"}},
		{"spark name over 56", func(t *testing.T, a *StreamingApplication) { a.Name = strings.Repeat("s", 50) }, ErrNameTooLong,
			[]string{"spec.streamlets[report].name", "at most 56", "-ui-svc"}},
		{"topic name too long", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "ingress").Outlets[0].Topic = &TopicSpec{Name: strings.Repeat("t", 250)}
		}, ErrNameTooLong, []string{"spec.streamlets[ingress].outlets[out].topic.name", "249"}},
		{"topic name bad characters", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "ingress").Outlets[0].Topic = &TopicSpec{Name: "orders/raw"}
		}, ErrInvalidName, []string{"spec.streamlets[ingress].outlets[out].topic.name", "orders/raw"}},
		{"duplicate streamlet", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Streamlets = append(a.Spec.Streamlets, Streamlet{Name: "egress", Runtime: Akka})
		}, ErrDuplicate, []string{"spec.streamlets[egress]", "declared twice"}},
		{"duplicate port", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "score")
			s.Outlets = append(s.Outlets, Port{Name: "in", Schema: Schema{Format: "avro", Name: "X"}})
		}, ErrDuplicate, []string{"spec.streamlets[score]", "port \"in\""}},
		{"duplicate topic", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "ingress").Outlets[0].Topic = &TopicSpec{Name: "shop.score.out"}
		}, ErrDuplicate, []string{"spec.streamlets[score].outlets[out]", "topic \"shop.score.out\"", "also written by spec.streamlets[ingress].outlets[out]"}},
		{"duplicate KafkaTopic name", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "ingress").Outlets[0].Topic = &TopicSpec{Name: "Agg_Stats"}
			streamlet(t, a, "score").Outlets[0].Topic = &TopicSpec{Name: TopicObjectName("Agg_Stats")}
		}, ErrDuplicate, []string{"spec.streamlets[score].outlets[out]", "KafkaTopic \"agg-stats-6c31297c\"", "spec.streamlets[ingress].outlets[out]"}},
		{"unknown runtime", func(t *testing.T, a *StreamingApplication) { streamlet(t, a, "egress").Runtime = "storm" }, ErrUnknownRuntime,
			[]string{"spec.streamlets[egress].runtime", "storm"}},
		{"spark without version", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Spark.Version = "" }, ErrMissingSetting,
			[]string{"spec.streamlets[report].spark.version"}},
		{"spark without type", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Spark.Type = "" }, ErrMissingSetting,
			[]string{"spec.streamlets[report].spark.type"}},
		{"spark without main file", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Spark.MainApplicationFile = "" }, ErrMissingSetting,
			[]string{"spec.streamlets[report].spark.mainApplicationFile"}},
		{"spark without executors", func(t *testing.T, a *StreamingApplication) { streamlet(t, a, "report").Replicas = ptr(int32(0)) }, ErrMissingSetting,
			[]string{"spec.streamlets[report].replicas", "at least 1 executor"}},
		{"resources on spark", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "report").Resources = &Resources{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}
		}, ErrNotAllowed, []string{"spec.streamlets[report].resources", "spark.driver and spark.executor"}},
		{"resources on flink", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "score").Resources = &Resources{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
		}, ErrNotAllowed, []string{"spec.streamlets[score].resources", "flink.jobManager and flink.taskManager"}},
		{"service account differs from the spark block's", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "report")
			s.ServiceAccountName, s.Spark = "reporter", &SparkSettings{ServiceAccountName: "spark-other"}
		}, ErrBadValue, []string{"spec.streamlets[report].serviceAccountName", "spark.serviceAccountName \"spark-other\""}},
		{"service account differs from the flink block's", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "score")
			s.ServiceAccountName, s.Flink = "scorer", &FlinkSettings{ServiceAccountName: "flink-other"}
		}, ErrBadValue, []string{"spec.streamlets[score].serviceAccountName", "flink.serviceAccountName"}},
		{"spark block on akka", func(t *testing.T, a *StreamingApplication) { streamlet(t, a, "egress").Spark = &SparkSettings{} }, ErrNotAllowed,
			[]string{"spec.streamlets[egress].spark"}},
		{"flink without version", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Flink.Version = "" }, ErrMissingSetting,
			[]string{"spec.streamlets[score].flink.version"}},
		{"flink without jar", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Flink.JarURI = "" }, ErrMissingSetting,
			[]string{"spec.streamlets[score].flink.jarURI"}},
		{"flink without service account", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Flink.ServiceAccountName = "" }, ErrMissingSetting,
			[]string{"spec.streamlets[score].flink.serviceAccountName"}},
		{"flink without job manager memory", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Flink.JobManager = nil }, ErrMissingSetting,
			[]string{"spec.streamlets[score].flink.jobManager.memory"}},
		{"flink without task manager memory", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Flink.TaskManager.Memory = "" }, ErrMissingSetting,
			[]string{"spec.streamlets[score].flink.taskManager.memory"}},
		{"flink parallelism 0", func(t *testing.T, a *StreamingApplication) { streamlet(t, a, "score").Replicas = ptr(int32(0)) }, ErrMissingSetting,
			[]string{"spec.streamlets[score].replicas", "parallelism"}},
		{"flink savepoints without state", func(t *testing.T, a *StreamingApplication) {
			a.Spec.State, a.Spec.Runtimes.Flink.UpgradeMode = nil, "savepoint"
		}, ErrMissingSetting, []string{"spec.streamlets[score].flink.upgradeMode", "spec.state"}},
		{"flink savepoint without savepoint dir", func(t *testing.T, a *StreamingApplication) {
			a.Spec.State, a.Spec.Runtimes.Flink.UpgradeMode = nil, "savepoint"
			a.Spec.Runtimes.Flink.FlinkConfiguration = map[string]string{"state.checkpoints.dir": "s3://b/cp"}
		}, ErrMissingSetting, []string{"spec.streamlets[score].flink.upgradeMode", "savepoint directory", "state.savepoints.dir"}},
		{"flink savepoint without checkpoint dir", func(t *testing.T, a *StreamingApplication) {
			a.Spec.State, a.Spec.Runtimes.Flink.UpgradeMode = nil, "savepoint"
			a.Spec.Runtimes.Flink.FlinkConfiguration = map[string]string{"state.savepoints.dir": "s3://b/sp"}
		}, ErrMissingSetting, []string{"spec.streamlets[score].flink.upgradeMode", "checkpoint directory", "state.checkpoints.dir"}},
		{"flink last-state without checkpoint dir", func(t *testing.T, a *StreamingApplication) {
			a.Spec.State = nil
			streamlet(t, a, "score").Flink = &FlinkSettings{UpgradeMode: "last-state", FlinkConfiguration: map[string]string{"state.savepoints.dir": "s3://b/sp"}}
		}, ErrMissingSetting, []string{"spec.streamlets[score].flink.upgradeMode", "last-state", "checkpoint directory"}},
		{"flink last-state with a blank checkpoint dir", func(t *testing.T, a *StreamingApplication) {
			a.Spec.State, a.Spec.Runtimes.Flink.UpgradeMode = nil, "last-state"
			a.Spec.Runtimes.Flink.FlinkConfiguration = map[string]string{"state.checkpoints.dir": " "}
		}, ErrMissingSetting, []string{"spec.streamlets[score].flink.upgradeMode", "checkpoint directory"}},
		{"flink cpu zero", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Flink.TaskManager.CPU = ptr(0.0) }, ErrBadValue,
			[]string{"spec.streamlets[score].flink.taskManager.cpu"}},
		{"metrics path relative", func(t *testing.T, a *StreamingApplication) { a.Spec.Metrics = &Metrics{Port: 9090, Path: "metrics"} }, ErrBadValue,
			[]string{"spec.metrics.path"}},
		{"topic replicas over a short", func(t *testing.T, a *StreamingApplication) { a.Spec.Kafka.TopicDefaults.Replicas = ptr(int32(40000)) }, ErrBadValue,
			[]string{"spec.kafka.topicDefaults.replicas", "1 to 32767"}},
		{"too many outlets", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "ingress")
			for i := range MaxPortsPerStreamlet {
				s.Outlets = append(s.Outlets, Port{Name: fmt.Sprintf("extra%d", i), Schema: Schema{Format: "avro", Name: "X"}})
			}
		}, ErrBadValue, []string{"spec.streamlets[ingress].outlets", "33 entries, at most 32"}},
		{"flink bad version", func(t *testing.T, a *StreamingApplication) { a.Spec.Runtimes.Flink.Version = "1.20" }, ErrBadValue,
			[]string{"spec.streamlets[score].flink.version"}},
		{"flink version the operator does not know", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "score").Flink = &FlinkSettings{Version: "v1_12"}
		}, ErrBadValue, []string{"spec.streamlets[score].flink.version", "\"v1_12\"", "v2_4"}},
		{"connection from missing streamlet", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Connections = append(a.Spec.Connections, Connection{From: "nowhere.out", To: []string{"egress.in"}})
		}, ErrNoSuchStreamlet, []string{"spec.connections[nowhere.out]", "nowhere"}},
		{"connection to missing port", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Connections[0].To = []string{"score.input"}
		}, ErrNoSuchPort, []string{"spec.connections[ingress.out -> score.input]", "no inlet \"input\""}},
		{"connection written badly", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Connections[0].From = "ingress"
		}, ErrNoSuchPort, []string{"spec.connections[ingress]", "streamlet.outlet"}},
		{"schema name mismatch", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Schema.Name = "Order"
			streamlet(t, a, "egress").Inlets[0].Schema.Fingerprint = "fp-Score"
		}, ErrSchemaMismatch, []string{"spec.connections[score.out -> egress.in]", "Score", "Order"}},
		{"schema format mismatch", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Schema.Format = "protobuf"
		}, ErrSchemaMismatch, []string{"spec.connections[score.out -> egress.in]", "protobuf"}},
		{"schema fingerprint mismatch", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Schema.Fingerprint = "other"
		}, ErrSchemaMismatch, []string{"spec.connections[score.out -> egress.in]", "fingerprint other"}},
		{"unconnected inlet", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Connections[1].To = []string{"report.in"}
		}, ErrUnconnected, []string{"spec.streamlets[egress].inlets[in]", "egress.in"}},
		{"inlet fed twice", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Connections = append(a.Spec.Connections, Connection{From: "ingress.out", To: []string{"egress.in"}})
			streamlet(t, a, "egress").Inlets[0].Schema = streamlet(t, a, "ingress").Outlets[0].Schema
		}, ErrTwoSources, []string{"spec.streamlets[egress].inlets[in]", "ingress.out and score.out"}},
		{"inlet fed by topic and connection", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Topic = &TopicSpec{Name: "shared.scores", Managed: ptr(false)}
		}, ErrTwoSources, []string{"spec.streamlets[egress].inlets[in]", "topic shared.scores"}},
		{"inlet owning a topic", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Connections[1].To = []string{"report.in"}
			streamlet(t, a, "egress").Inlets[0].Topic = &TopicSpec{Name: "shared.scores", Managed: ptr(true)}
		}, ErrNotAllowed, []string{"spec.streamlets[egress].inlets[in].topic.managed"}},
		{"cycle", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.Outlets = []Port{{Name: "back", Schema: Schema{Format: "avro", Name: "Order", Fingerprint: "fp-Order"}}}
			streamlet(t, a, "score").Inlets = append(streamlet(t, a, "score").Inlets, Port{Name: "loop", Schema: s.Outlets[0].Schema})
			a.Spec.Connections = append(a.Spec.Connections, Connection{From: "egress.back", To: []string{"score.loop"}})
		}, ErrCycle, []string{"egress -> score -> egress", "acyclic by policy"}},
		{"bad int", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "rate", Type: TypeInt32}}
			s.Config = map[string]Scalar{"rate": StringScalar("fast")}
		}, ErrBadValue, []string{"spec.streamlets[egress].config[rate]", "not a int32"}},
		{"int not in JSON's syntax", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "rate", Type: TypeInt32, Default: ptr(StringScalar("+50"))}}
		}, ErrBadValue, []string{"spec.streamlets[egress].configParameters[rate].default", "not a JSON number"}},
		{"double not in JSON's syntax", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "ratio", Type: TypeDouble}}
			s.Config = map[string]Scalar{"ratio": StringScalar(".5")}
		}, ErrBadValue, []string{"spec.streamlets[egress].config[ratio]", "not a JSON number"}},
		{"int32 overflow", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "rate", Type: TypeInt32, Default: ptr(StringScalar("3000000000"))}}
		}, ErrBadValue, []string{"spec.streamlets[egress].configParameters[rate].default", "out of range"}},
		{"bad duration", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "score").Config = map[string]Scalar{"window": StringScalar("1 fortnight")}
		}, ErrBadValue, []string{"spec.streamlets[score].config[window]", "unknown unit \"fortnight\""}},
		{"bad memory size", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "buffer", Type: TypeMemorySize, Default: ptr(StringScalar("512 MX"))}}
		}, ErrBadValue, []string{"spec.streamlets[egress].configParameters[buffer].default", "memory size"}},
		{"bad bool", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "verbose", Type: TypeBool, Default: ptr(StringScalar("yes"))}}
		}, ErrBadValue, []string{"spec.streamlets[egress].configParameters[verbose].default", "true or false"}},
		{"string not matching pattern", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "region", Type: TypeString, Pattern: "[a-z]{2}-[a-z]+", Default: ptr(StringScalar("EU"))}}
		}, ErrBadValue, []string{"spec.streamlets[egress].configParameters[region].default", "pattern"}},
		{"unknown parameter type", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "x", Type: "float", Default: ptr(StringScalar("1"))}}
		}, ErrBadValue, []string{"spec.streamlets[egress].configParameters[x].type", "float"}},
		{"undeclared config key", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "score").Config = map[string]Scalar{"windw": StringScalar("1m")}
		}, ErrUndeclaredKey, []string{"spec.streamlets[score].config[windw]", "declares no parameter"}},
		{"parameter without value", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "target", Type: TypeString}}
		}, ErrRequired, []string{"spec.streamlets[egress].config[target]", "no default"}},
		{"no image", func(t *testing.T, a *StreamingApplication) { a.Spec.Image = "" }, ErrRequired, []string{"spec.streamlets[egress].image"}},
		{"topic prefix with a slash", func(t *testing.T, a *StreamingApplication) { a.Spec.Kafka.TopicPrefix = "team/a." }, ErrInvalidName,
			[]string{"spec.kafka.topicPrefix", `"team/a."`}},
		{"topic prefix over 58", func(t *testing.T, a *StreamingApplication) { a.Spec.Kafka.TopicPrefix = strings.Repeat("p", 59) }, ErrBadValue,
			[]string{"spec.kafka.topicPrefix", "at most 58"}},
		{"managed users with a shared secret", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Kafka.Authentication = &KafkaAuthentication{Type: AuthTLS, SecretName: "shared", Managed: true}
		}, ErrBadValue, []string{"spec.kafka.authentication.secretName", "managed: true"}},
		{"shared user without its secret", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Kafka.Authentication = &KafkaAuthentication{Type: AuthTLS}
		}, ErrRequired, []string{"spec.kafka.authentication.secretName"}},
		{"kafka cluster not a label value", func(t *testing.T, a *StreamingApplication) { a.Spec.Kafka.Cluster = "kafka/main" }, ErrInvalidName,
			[]string{"spec.kafka.cluster", "kafka/main", "strimzi.io/cluster"}},
		{"kafka cluster over 63 characters", func(t *testing.T, a *StreamingApplication) { a.Spec.Kafka.Cluster = strings.Repeat("k", 64) }, ErrInvalidName,
			[]string{"spec.kafka.cluster", "63"}},
		{"kafka cluster ending in a dot", func(t *testing.T, a *StreamingApplication) { a.Spec.Kafka.Cluster = "kafka." }, ErrInvalidName,
			[]string{"spec.kafka.cluster", "alphanumeric"}},
		{"no kafka cluster", func(t *testing.T, a *StreamingApplication) { a.Spec.Kafka.Cluster = "" }, ErrRequired, []string{"spec.kafka.cluster"}},
		{"bad policy", func(t *testing.T, a *StreamingApplication) { a.Spec.TopicDeletionPolicy = "Keep" }, ErrBadValue, []string{"spec.topicDeletionPolicy", "Keep"}},
		{"state with both", func(t *testing.T, a *StreamingApplication) { a.Spec.State.PVC = "data" }, ErrBadValue, []string{"spec.state", "exactly one"}},
		{"endpoint on flink", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "score").Endpoint = &Endpoint{ContainerPort: 80}
		}, ErrNotAllowed, []string{"spec.streamlets[score].endpoint"}},
		{"env both value and ref", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Env = []EnvVar{{Name: "TOKEN", Value: "x", ValueFrom: &EnvSource{SecretKeyRef: &KeyRef{Name: "s", Key: "k"}}}}
		}, ErrBadValue, []string{"spec.streamlets[egress].env[TOKEN]", "not both"}},
		{"reserved volume", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").VolumeMounts = []VolumeMount{{Name: "sluice-config", MountPath: "/x", EmptyDir: &EmptyDir{}}}
		}, ErrNotAllowed, []string{"spec.streamlets[egress].volumeMounts[sluice-config]"}},
		{"mount over config", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").VolumeMounts = []VolumeMount{{Name: "data", MountPath: "/etc/sluice", EmptyDir: &EmptyDir{}}}
		}, ErrNotAllowed, []string{"spec.streamlets[egress].volumeMounts[data].mountPath"}},
		{"reserved label", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Labels = map[string]string{"sluice.dev/app": "other"}
		}, ErrNotAllowed, []string{"spec.streamlets[egress].labels[sluice.dev/app]"}},
		{"duplicate parameter key", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").ConfigParameters = []ConfigParameter{
				{Key: "rate", Type: TypeInt32, Default: ptr(StringScalar("1"))},
				{Key: "rate", Type: TypeInt64, Default: ptr(StringScalar("2"))},
			}
		}, ErrDuplicate, []string{"spec.streamlets[egress].configParameters[rate]", "declared twice"}},
		{"bad int64", func(t *testing.T, a *StreamingApplication) {
			s := streamlet(t, a, "egress")
			s.ConfigParameters = []ConfigParameter{{Key: "offset", Type: TypeInt64, Default: ptr(StringScalar("0"))}}
			s.Config = map[string]Scalar{"offset": StringScalar("12x")}
		}, ErrBadValue, []string{"spec.streamlets[egress].config[offset]", "not a int64"}},
		{"int64 overflow", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").ConfigParameters = []ConfigParameter{{Key: "offset", Type: TypeInt64, Default: ptr(StringScalar("9223372036854775808"))}}
		}, ErrBadValue, []string{"spec.streamlets[egress].configParameters[offset].default", "out of range"}},
		{"bad double", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "score").Config = map[string]Scalar{"threshold": StringScalar("high")}
		}, ErrBadValue, []string{"spec.streamlets[score].config[threshold]", "not a double"}},
		{"missing runtime", func(t *testing.T, a *StreamingApplication) { streamlet(t, a, "egress").Runtime = "" }, ErrRequired,
			[]string{"spec.streamlets[egress].runtime", "akka, spark, flink"}},
		{"spark type unknown", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "report").Spark = &SparkSettings{Type: "Kotlin"}
		}, ErrBadValue,
			[]string{"spec.streamlets[report].spark.type", "\"Kotlin\"", "Java, Python, R, Scala"}},
		{"port name over 63 characters", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Name = strings.Repeat("i", 64)
		}, ErrInvalidName, []string{"spec.streamlets[egress].inlets[" + strings.Repeat("i", 64) + "].name", "63"}},
		{"connection to no inlet", func(t *testing.T, a *StreamingApplication) { a.Spec.Connections[0].To = nil }, ErrRequired,
			[]string{"spec.connections[ingress.out].to", "at least one inlet"}},
		{"inlet topic without a name", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Topic = &TopicSpec{Managed: ptr(false)}
		}, ErrRequired, []string{"spec.streamlets[egress].inlets[in].topic.name", "existing topic"}},
		{"kafka authentication type", func(t *testing.T, a *StreamingApplication) {
			a.Spec.Kafka.Authentication = &KafkaAuthentication{Type: "plain", SecretName: "shop-user"}
		}, ErrBadValue, []string{"spec.kafka.authentication.type", "\"plain\"", "scram-sha-512"}},
		{"state uri not a URI", func(t *testing.T, a *StreamingApplication) { a.Spec.State = &State{URI: "bucket/shop"} }, ErrBadValue,
			[]string{"spec.state.uri", "bucket/shop"}},
		{"env SLUICE_ variable", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Env = []EnvVar{{Name: "SLUICE_CONFIG_FILE", Value: "/tmp/x.json"}}
		}, ErrNotAllowed, []string{"spec.streamlets[egress].env[SLUICE_CONFIG_FILE]", "set by Sluice"}},
		{"env from a Secret and a ConfigMap", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Env = []EnvVar{{Name: "TOKEN", ValueFrom: &EnvSource{
				SecretKeyRef: &KeyRef{Name: "s", Key: "k"}, ConfigMapKeyRef: &KeyRef{Name: "c", Key: "k"}}}}
		}, ErrBadValue, []string{"spec.streamlets[egress].env[TOKEN].valueFrom", "exactly one"}},
		{"env valueFrom with no source", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Env = []EnvVar{{Name: "TOKEN", ValueFrom: &EnvSource{}}}
		}, ErrBadValue, []string{"spec.streamlets[egress].env[TOKEN].valueFrom", "exactly one"}},
		{"volume mount without a source", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").VolumeMounts = []VolumeMount{{Name: "data", MountPath: "/data"}}
		}, ErrBadValue, []string{"spec.streamlets[egress].volumeMounts[data]", "exactly one"}},
		{"volume mount with two sources", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").VolumeMounts = []VolumeMount{{Name: "data", MountPath: "/data", Secret: "s", EmptyDir: &EmptyDir{}}}
		}, ErrBadValue, []string{"spec.streamlets[egress].volumeMounts[data]", "exactly one"}},
		{"request above limit", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "egress").Resources = &Resources{
				Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
			}
		}, ErrBadValue, []string{"spec.streamlets[egress].resources.requests[memory]", "above limit 1Gi"}},
		{"flink block on spark", func(t *testing.T, a *StreamingApplication) { streamlet(t, a, "report").Flink = &FlinkSettings{} }, ErrNotAllowed,
			[]string{"spec.streamlets[report].flink", "a flink block on a spark streamlet"}},
		{"zero partitions", func(t *testing.T, a *StreamingApplication) {
			streamlet(t, a, "ingress").Outlets[0].Topic = &TopicSpec{TopicSettings: TopicSettings{Partitions: ptr(int32(0))}}
		}, ErrBadValue, []string{"spec.streamlets[ingress].outlets[out].topic.partitions"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := base()
			tc.mod(t, app)
			problems := Validate(app)
			for _, p := range problems {
				if !errors.Is(p, tc.err) {
					continue
				}
				text := p.Error()
				missing := false
				for _, w := range tc.want {
					if !strings.Contains(text, w) {
						missing = true
					}
				}
				if !missing {
					if reason := p.Err.Error(); strings.HasPrefix(reason, tc.err.Error()) || strings.HasSuffix(reason, ": "+tc.err.Error()) {
						t.Errorf("%q repeats its sentinel %q", text, tc.err)
					}
					return
				}
			}
			t.Errorf("no %v problem containing %q; got:\n%v", tc.err, tc.want, problems)
		})
	}
}

// TestValidateReportsEverything checks that problems are gathered, not
// stopped at the first.
func TestValidateReportsEverything(t *testing.T) {
	app := with(func(a *StreamingApplication) {
		a.Spec.Kafka.Cluster = ""
		a.Spec.Runtimes.Spark.Version = ""
		a.Spec.Connections[0].To = []string{"score.nope"}
	})
	var got []string
	for _, p := range Validate(app) {
		got = append(got, p.Path)
	}
	want := []string{
		"spec.connections[ingress.out -> score.nope]",
		"spec.kafka.cluster",
		"spec.streamlets[report].spark.version",
		"spec.streamlets[score].inlets[in]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problem paths mismatch (-want +got):\n%s", diff)
	}
}

// TestFlinkUpgradeModesAccepted: what the Flink operator's validator accepts,
// graph accepts too, under every key Flink reads the directories from.
func TestFlinkUpgradeModesAccepted(t *testing.T) {
	tests := []struct {
		name string
		mode string
		conf map[string]string
	}{
		{"last-state with a checkpoint dir and no high availability", "last-state", map[string]string{"state.checkpoints.dir": "s3://b/cp"}},
		{"last-state under the Flink 2 key", "last-state", map[string]string{"execution.checkpointing.dir": "s3://b/cp"}},
		{"savepoint under the Flink 2 keys", "savepoint", map[string]string{
			"execution.checkpointing.dir": "s3://b/cp", "execution.checkpointing.savepoint-dir": "s3://b/sp"}},
		{"savepoint under the deprecated keys", "savepoint", map[string]string{
			"state.checkpoints.dir": "s3://b/cp", "state.savepoints.dir": "s3://b/sp"}},
		{"stateless without directories", "stateless", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := with(func(a *StreamingApplication) {
				a.Spec.State = nil
				a.Spec.Runtimes.Flink.UpgradeMode, a.Spec.Runtimes.Flink.FlinkConfiguration = tc.mode, tc.conf
			})
			if problems := Validate(app); len(problems) > 0 {
				t.Errorf("problems:\n%v", problems)
			}
		})
	}
	stateful := with(func(a *StreamingApplication) { a.Spec.Runtimes.Flink.UpgradeMode = "last-state" })
	if problems := Validate(stateful); len(problems) > 0 {
		t.Errorf("last-state with spec.state: problems:\n%v", problems)
	}
}

// TestStreamletServiceAccount: a spark or flink streamlet's own
// serviceAccountName overrides the runtime's, and satisfies the Flink
// operator's need for one.
func TestStreamletServiceAccount(t *testing.T) {
	app := with(func(a *StreamingApplication) {
		a.Spec.Runtimes.Spark.ServiceAccountName = "spark"
		a.Spec.Runtimes.Flink.ServiceAccountName = ""
		streamlet(t, a, "report").ServiceAccountName = "reporter"
		streamlet(t, a, "score").ServiceAccountName = "scorer"
		streamlet(t, a, "egress").ServiceAccountName = "egress"
	})
	bp, problems := Resolve(app)
	if len(problems) > 0 {
		t.Fatalf("problems:\n%v", problems)
	}
	got := map[string]string{}
	for _, s := range bp.Streamlets {
		got[s.Name] = s.ServiceAccountName
		switch {
		case s.Spark != nil && s.Spark.ServiceAccountName != s.ServiceAccountName:
			t.Errorf("%s: spark.serviceAccountName %q, want %q", s.Name, s.Spark.ServiceAccountName, s.ServiceAccountName)
		case s.Flink != nil && s.Flink.ServiceAccountName != s.ServiceAccountName:
			t.Errorf("%s: flink.serviceAccountName %q, want %q", s.Name, s.Flink.ServiceAccountName, s.ServiceAccountName)
		}
	}
	want := map[string]string{"egress": "egress", "ingress": "", "report": "reporter", "score": "scorer"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("service accounts mismatch (-want +got):\n%s", diff)
	}
	if sa := app.Spec.Runtimes.Spark.ServiceAccountName; sa != "spark" {
		t.Errorf("Resolve changed spec.runtimes.spark.serviceAccountName to %q", sa)
	}
}
