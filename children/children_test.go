package children

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sluice-dev/sluice/graph"
)

// allKinds lists every kind Sluice makes, under the apiVersions of a cluster
// with every operator installed.
var allKinds = Kinds{
	"ConfigMap": "v1", "Service": "v1", "Deployment": "apps/v1", KafkaTopicKind: "kafka.strimzi.io/v1",
	SparkApplicationKind: SparkAPIVersion, FlinkDeploymentKind: FlinkAPIVersion, PodMonitorKind: MonitoringAPIVersion, PrometheusRuleKind: MonitoringAPIVersion,
	KafkaUserKind: "kafka.strimzi.io/v1",

	ScaledObjectKind: KEDAAPIVersion, TriggerAuthenticationKind: KEDAAPIVersion,
}

// blueprint resolves manifests/examples/<name>.yaml, changed by mods.
func blueprint(t *testing.T, name string, mods ...func(*graph.StreamingApplication)) *graph.Blueprint {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "manifests", "examples", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := graph.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		m(app)
	}
	bp, problems := graph.Resolve(app)
	if len(problems) > 0 {
		t.Fatalf("%s: %v", name, problems)
	}
	return bp
}

func desired(t *testing.T, bp *graph.Blueprint) []*unstructured.Unstructured {
	t.Helper()
	objs, problems, err := Desired(bp, allKinds)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Desired: %v %v", err, problems)
	}
	return Objects(objs)
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, u := range objs {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

func str(u *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(u.Object, path...)
	return s
}

func num(u *unstructured.Unstructured, path ...string) int64 {
	n, _, _ := unstructured.NestedInt64(u.Object, path...)
	return n
}

func TestEveryChildCarriesLabels(t *testing.T) {
	for _, name := range []string{"call-record-aggregator", "clickstream-sessions", "fraud-scoring"} {
		for _, u := range desired(t, blueprint(t, name)) {
			l := u.GetLabels()
			for _, key := range []string{LabelName, LabelPartOf, LabelComponent, LabelManagedBy, LabelApp} {
				if l[key] == "" {
					t.Errorf("%s %s lacks label %s", u.GetKind(), u.GetName(), key)
				}
			}
			if u.GetKind() != PodMonitorKind && l[LabelStreamlet] == "" {
				t.Errorf("%s %s lacks label %s", u.GetKind(), u.GetName(), LabelStreamlet)
			}
			for k, v := range l {
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("%s %s: label %s=%q: %v", u.GetKind(), u.GetName(), k, v, errs)
				}
			}
		}
	}
}

// TestNoNulls: to Metacontroller a null deletes a field; no child has one.
func TestNoNulls(t *testing.T) {
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case nil:
			t.Errorf("null at %s", path)
		case map[string]any:
			for k, e := range v {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	for _, example := range []string{"call-record-aggregator", "clickstream-sessions", "fraud-scoring"} {
		for _, u := range desired(t, blueprint(t, example)) {
			walk(u.GetKind()+"/"+u.GetName(), u.Object)
			if _, found := u.Object["status"]; found {
				t.Errorf("%s %s has a status", u.GetKind(), u.GetName())
			}
		}
	}
}

// flinkName is the Flink operator's check on FlinkDeployment names, which
// it enforces beyond the CRD schema.
var flinkName = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

func TestFlinkDeploymentAsTheOperatorRequires(t *testing.T) {
	bp := blueprint(t, "fraud-scoring")
	fd := find(t, desired(t, bp), FlinkDeploymentKind, "fraud-scoring-score")
	if name := fd.GetName(); !flinkName.MatchString(name) || len(name) > graph.MaxFlinkName {
		t.Errorf("name %q is refused by the Flink operator", name)
	}
	for _, path := range [][]string{{"spec", "jobManager", "resource", "memory"}, {"spec", "taskManager", "resource", "memory"}, {"spec", "job", "jarURI"}, {"spec", "serviceAccount"}, {"spec", "flinkVersion"}, {"spec", "image"}} {
		if str(fd, path...) == "" {
			t.Errorf("%s is empty; the Flink operator requires it", strings.Join(path, "."))
		}
	}
	if p := num(fd, "spec", "job", "parallelism"); p < 1 {
		t.Errorf("parallelism %d", p)
	}
	if got := str(fd, "spec", "job", "upgradeMode"); got != "savepoint" {
		t.Errorf("upgradeMode %q with state storage, want savepoint", got)
	}
	conf, _, _ := unstructured.NestedStringMap(fd.Object, "spec", "flinkConfiguration")
	if !strings.HasPrefix(conf["state.checkpoints.dir"], "s3://") || !strings.HasPrefix(conf["state.savepoints.dir"], "s3://") {
		t.Errorf("state directories not under spec.state: %v", conf)
	}
	containers, _, _ := unstructured.NestedSlice(fd.Object, "spec", "podTemplate", "spec", "containers")
	if len(containers) != 1 || containers[0].(map[string]any)["name"] != "flink-main-container" {
		t.Errorf("pod template containers %v: the operator merges only flink-main-container", containers)
	}

	stateless := blueprint(t, "fraud-scoring", func(a *graph.StreamingApplication) {
		a.Spec.State, a.Spec.Runtimes.Flink.UpgradeMode = nil, ""
	})
	fd = find(t, desired(t, stateless), FlinkDeploymentKind, "fraud-scoring-score")
	if got := str(fd, "spec", "job", "upgradeMode"); got != "stateless" {
		t.Errorf("upgradeMode %q without state, want stateless", got)
	}
}

func TestSparkApplicationIsStreaming(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator", func(a *graph.StreamingApplication) {
		a.Spec.State = &graph.State{URI: "s3://bucket/cra/"}
	})
	sa := find(t, desired(t, bp), SparkApplicationKind, "call-record-aggregator-cdr-aggregator")
	if got := str(sa, "spec", "restartPolicy", "type"); got != "Always" {
		t.Errorf("restartPolicy %q, want Always for a streaming job", got)
	}
	if n := num(sa, "spec", "executor", "instances"); n != 2 {
		t.Errorf("executors %d, want 2", n)
	}
	for _, path := range [][]string{{"spec", "type"}, {"spec", "sparkVersion"}, {"spec", "mainApplicationFile"}, {"spec", "mode"}} {
		if str(sa, path...) == "" {
			t.Errorf("%s is empty; the Spark operator requires it", strings.Join(path, "."))
		}
	}
	if got := str(sa, "spec", "sparkConf", "spark.sql.streaming.checkpointLocation"); got != "s3://bucket/cra/cdr-aggregator" {
		t.Errorf("checkpointLocation %q", got)
	}
	for _, role := range []string{"driver", "executor"} {
		if str(sa, "spec", role, "annotations", AnnotationConfigChecksum) == "" {
			t.Errorf("%s pods carry no config checksum", role)
		}
	}
}

// TestKafkaTopicNames: a KafkaTopic's name is a function of its Kafka topic
// name alone (graph.TopicObjectName), so renaming the outlet keeps the
// object, and a new explicit name makes a new object instead of changing
// spec.topicName, which Strimzi refuses.
func TestKafkaTopicNames(t *testing.T) {
	explicit := func(topic, outlet string) func(*graph.StreamingApplication) {
		return func(a *graph.StreamingApplication) {
			for i := range a.Spec.Streamlets {
				if s := &a.Spec.Streamlets[i]; s.Name == "merge" {
					s.Outlets[0].Name = outlet
					s.Outlets[0].Topic = &graph.TopicSpec{Name: topic}
				}
			}
			for i := range a.Spec.Connections {
				if c := &a.Spec.Connections[i]; c.From == "merge.out" {
					c.From = "merge." + outlet
				}
			}
		}
	}
	tests := []struct {
		name, topic, outlet, object string
	}{
		{"valid name is its own object name", "cdr.merged", "out", "cdr.merged"},
		{"invalid name", "Merged_Records", "out", "merged-records-48a5c1ae"},
		{"invalid name, outlet renamed", "Merged_Records", "merged", "merged-records-48a5c1ae"},
		{"invalid name changed", "Merged_Records_V2", "out", "merged-records-v2-d7c97847"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := desired(t, blueprint(t, "call-record-aggregator", explicit(tc.topic, tc.outlet)))
			kt := find(t, objs, KafkaTopicKind, tc.object)
			if got := str(kt, "spec", "topicName"); got != tc.topic {
				t.Errorf("topicName %q, want the explicit name %q", got, tc.topic)
			}
			want := map[string]string{LabelApp: "call-record-aggregator", LabelStreamlet: "merge", LabelOutlet: tc.outlet, LabelStrimziCluster: "pipelines-strimzi"}
			for k, v := range want {
				if kt.GetLabels()[k] != v {
					t.Errorf("label %s = %q, want %q", k, kt.GetLabels()[k], v)
				}
			}
			if kt.GetAnnotations()[AnnotationSchemaFingerprint] == "" {
				t.Error("no schema fingerprint annotation")
			}
			for _, u := range objs {
				if u.GetKind() == KafkaTopicKind && u.GetName() != tc.object && str(u, "spec", "topicName") == tc.topic {
					t.Errorf("a second KafkaTopic %s for topic %s", u.GetName(), tc.topic)
				}
			}
		})
	}
}

// TestConfigChecksum: a config change changes only that streamlet's
// ConfigMap and checksum; the selector never changes.
func TestConfigChecksum(t *testing.T) {
	before := desired(t, blueprint(t, "fraud-scoring"))
	after := desired(t, blueprint(t, "fraud-scoring", func(a *graph.StreamingApplication) {
		for i := range a.Spec.Streamlets {
			if s := &a.Spec.Streamlets[i]; s.Name == "score" {
				if s.Config == nil {
					s.Config = map[string]graph.Scalar{}
				}
				s.Config["window"] = graph.StringScalar("10 minutes")
			}
		}
	}))
	var changed []string
	for i := range before {
		if !cmp.Equal(before[i], after[i]) {
			changed = append(changed, before[i].GetKind()+"/"+before[i].GetName())
		}
	}
	want := []string{"ConfigMap/fraud-scoring-score-config", "FlinkDeployment/fraud-scoring-score"}
	if diff := cmp.Diff(want, changed); diff != "" {
		t.Errorf("changed children mismatch (-want +got):\n%s", diff)
	}
	b := find(t, before, FlinkDeploymentKind, "fraud-scoring-score")
	a := find(t, after, FlinkDeploymentKind, "fraud-scoring-score")
	checksum := []string{"spec", "podTemplate", "metadata", "annotations", AnnotationConfigChecksum}
	if str(b, checksum...) == str(a, checksum...) {
		t.Error("checksum unchanged")
	}
	if diff := cmp.Diff(b.Object["spec"].(map[string]any)["job"], a.Object["spec"].(map[string]any)["job"]); diff != "" {
		t.Errorf("job changed beyond the checksum:\n%s", diff)
	}
}

func TestStreamletConfigLayout(t *testing.T) {
	bp := blueprint(t, "fraud-scoring")
	cm := find(t, desired(t, bp), "ConfigMap", "fraud-scoring-enrich-config")
	var cfg StreamletConfig
	if err := json.Unmarshal([]byte(str(cm, "data", ConfigFile)), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Kafka.CAFile == "" || cfg.Kafka.Authentication == nil || cfg.Kafka.Authentication.PasswordFile == "" {
		t.Errorf("TLS and SCRAM files missing: %+v", cfg.Kafka)
	}
	in, ok := cfg.Inlets["users"]
	if !ok || in.Topic != "shared.users" || in.ConsumerGroup != "fraud-scoring.enrich.users" {
		t.Errorf("users inlet = %+v, want topic shared.users and consumer group fraud-scoring.enrich.users", in)
	}
}

func TestConditionMessagesFit(t *testing.T) {
	var invalid []string
	for i := range 2000 {
		invalid = append(invalid, "spec.streamlets[s"+strings.Repeat("x", 20)+string(rune('a'+i%26))+"]: something is wrong here: bad value")
	}
	st := status(statusInput{invalid: invalid, observed: Observed{}})
	for _, c := range st.Conditions {
		if len(c.Message) > maxConditionMessage {
			t.Errorf("condition %s message has %d bytes, the API server allows %d", c.Type, len(c.Message), maxConditionMessage)
		}
	}
	if got := truncate("ééé", 15); got != "ééé" {
		t.Errorf("truncate cut a short string: %q", got)
	}
	if got := truncate(strings.Repeat("é", 20), 20); len(got) > 20 || !strings.HasSuffix(got, "(truncated)") {
		t.Errorf("truncate = %q", got)
	}
}

// TestLastTransitionTimeCarriedOver: a condition keeps its transition time
// while its status does not change, so an unchanged application's status
// does not change either.
func TestLastTransitionTimeCarriedOver(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first := status(statusInput{blueprint: bp, observed: Observed{}, now: t0})
	second := status(statusInput{blueprint: bp, observed: Observed{}, previous: &first, now: t0.Add(time.Hour)})
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("status changed with nothing else changed (-first +second):\n%s", diff)
	}
	third := status(statusInput{invalid: []string{"spec.x: wrong"}, observed: Observed{}, previous: &second, now: t0.Add(2 * time.Hour)})
	for _, c := range third.Conditions {
		if c.Type == graph.ConditionBlueprintValid && !c.LastTransitionTime.Time.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("BlueprintValid turned False but kept transition time %v", c.LastTransitionTime)
		}
		if c.Type == graph.ConditionChildrenApplied && !c.LastTransitionTime.Time.Equal(t0) {
			t.Errorf("ChildrenApplied did not change but its transition time moved to %v", c.LastTransitionTime)
		}
	}
}

// TestEmptyDirKept: pruning empty objects keeps the ones that mean something.
func TestEmptyDirKept(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator", func(a *graph.StreamingApplication) {
		for i := range a.Spec.Streamlets {
			if s := &a.Spec.Streamlets[i]; s.Name == "merge" {
				s.VolumeMounts = []graph.VolumeMount{{Name: "scratch", MountPath: "/scratch", EmptyDir: &graph.EmptyDir{}}}
			}
		}
	})
	d := find(t, desired(t, bp), "Deployment", "call-record-aggregator-merge")
	volumes, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "volumes")
	var found bool
	for _, v := range volumes {
		if m := v.(map[string]any); m["name"] == "scratch" {
			_, found = m["emptyDir"]
		}
	}
	if !found {
		t.Errorf("the emptyDir volume lost its source: %v", volumes)
	}
	if _, found, _ := unstructured.NestedMap(d.Object, "spec", "strategy"); found {
		t.Error("an empty strategy is still answered")
	}
}

// TestStreamletServiceAccount: a spark or flink streamlet's own
// serviceAccountName reaches its child; the others keep the runtime's.
func TestStreamletServiceAccount(t *testing.T) {
	set := func(streamlet, sa string) func(*graph.StreamingApplication) {
		return func(a *graph.StreamingApplication) {
			for i := range a.Spec.Streamlets {
				if s := &a.Spec.Streamlets[i]; s.Name == streamlet {
					s.ServiceAccountName = sa
				}
			}
		}
	}
	cra := desired(t, blueprint(t, "call-record-aggregator", set("cdr-aggregator", "cdr-aggregator")))
	for name, want := range map[string]string{"call-record-aggregator-cdr-aggregator": "cdr-aggregator", "call-record-aggregator-cdr-generator1": "spark"} {
		if got := str(find(t, cra, SparkApplicationKind, name), "spec", "driver", "serviceAccount"); got != want {
			t.Errorf("%s: driver serviceAccount %q, want %q", name, got, want)
		}
	}
	fs := desired(t, blueprint(t, "fraud-scoring", set("score", "fraud-score")))
	if got := str(find(t, fs, FlinkDeploymentKind, "fraud-scoring-score"), "spec", "serviceAccount"); got != "fraud-score" {
		t.Errorf("FlinkDeployment serviceAccount %q, want the streamlet's fraud-score", got)
	}
}

// TestStateOnPVC: with spec.state.pvc, Spark and Flink streamlets keep their
// state under the claim's mount, in every pod that needs it.
func TestStateOnPVC(t *testing.T) {
	objs := desired(t, blueprint(t, "clickstream-sessions"))
	hasState := func(t *testing.T, volumes, mounts []any) {
		t.Helper()
		var claim, path string
		for _, v := range volumes {
			if v := v.(map[string]any); v["name"] == "sluice-state" {
				claim, _, _ = unstructured.NestedString(v, "persistentVolumeClaim", "claimName")
			}
		}
		for _, m := range mounts {
			if m := m.(map[string]any); m["name"] == "sluice-state" {
				path, _ = m["mountPath"].(string)
			}
		}
		if claim != "clickstream-state" || path != graph.StateMountPath {
			t.Errorf("state volume: claim %q mounted at %q, want clickstream-state at %s", claim, path, graph.StateMountPath)
		}
	}

	sa := find(t, objs, SparkApplicationKind, "clickstream-sessions-metrics")
	if got := str(sa, "spec", "sparkConf", "spark.sql.streaming.checkpointLocation"); got != "file://"+graph.StateMountPath+"/metrics" {
		t.Errorf("checkpointLocation %q", got)
	}
	volumes, _, _ := unstructured.NestedSlice(sa.Object, "spec", "volumes")
	for _, role := range []string{"driver", "executor"} {
		mounts, _, _ := unstructured.NestedSlice(sa.Object, "spec", role, "volumeMounts")
		t.Run("spark "+role, func(t *testing.T) { hasState(t, volumes, mounts) })
	}

	fd := find(t, objs, FlinkDeploymentKind, "clickstream-sessions-sessionize")
	conf, _, _ := unstructured.NestedStringMap(fd.Object, "spec", "flinkConfiguration")
	if want := "file://" + graph.StateMountPath + "/sessionize/checkpoints"; conf["state.checkpoints.dir"] != want {
		t.Errorf("state.checkpoints.dir %q, want %q", conf["state.checkpoints.dir"], want)
	}
	if got := str(fd, "spec", "job", "upgradeMode"); got != "savepoint" {
		t.Errorf("upgradeMode %q with state, want savepoint", got)
	}
	volumes, _, _ = unstructured.NestedSlice(fd.Object, "spec", "podTemplate", "spec", "volumes")
	containers, _, _ := unstructured.NestedSlice(fd.Object, "spec", "podTemplate", "spec", "containers")
	mounts, _, _ := unstructured.NestedSlice(containers[0].(map[string]any), "volumeMounts")
	t.Run("flink", func(t *testing.T) { hasState(t, volumes, mounts) })

	for _, u := range objs {
		if u.GetKind() == "Deployment" {
			volumes, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "volumes")
			for _, v := range volumes {
				if v.(map[string]any)["name"] == "sluice-state" {
					t.Errorf("akka Deployment %s mounts the state volume", u.GetName())
				}
			}
		}
	}
}

// mapChildren are answered children as the maps objs.
func mapChildren(objs []*unstructured.Unstructured) []*Child {
	out := make([]*Child, len(objs))
	for i, u := range objs {
		out[i] = MapChild(u)
	}
	return out
}
