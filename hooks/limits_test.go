package hooks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
)

// The applications the request budget of limits.go is measured on, all made
// by largestApplication: graph.MaxStreamlets streamlets at most (akka,
// spark and flink in turn), each with graph.MaxPortsPerStreamlet inlets
// and outlets, and every list of graph/limits.go at its cap — env,
// volumeMounts, labels, annotations, resources, configParameters, config
// values, the topic config of every outlet and of topicDefaults (distinct
// keys, so that each KafkaTopic carries both), sparkConf and
// flinkConfiguration in spec.runtimes and in every streamlet (again distinct
// keys), imagePullSecrets. Connections fan one outlet of streamlet i-1 out to
// all inlets of streamlet i (MaxConnectionTargets targets each); streamlet
// 0's inlets read existing topics (managed: false). spec.kafka and the
// graph.MaxKafkaClusters clusters of spec.kafkaClusters authenticate with
// managed users and the same topicDefaults, the outlets' topics go round
// them, so that every streamlet has a KafkaUser on each. Akka streamlets serve an endpoint (a Service
// each) and scale on their lag (a ScaledObject with a trigger per inlet, and
// a TriggerAuthentication per cluster), spec.metrics is set (a PodMonitor),
// and every streamlet has its alerts (a PrometheusRule).
//
// Every name the CRD caps is at its cap: the application name and each
// streamlet name together fill "<app>-<streamlet>" to its runtime's cap, port
// and volume names 63 characters, explicit topic names 249 (with upper case,
// so that each KafkaTopic also gets a derived metadata.name of 253), object
// names, env names and parameter keys 253, label values 63. Every free-form
// value, and every map key the CRD leaves uncapped (label, annotation, topic
// config and runtime configuration keys), is freeValueBytes long: the CRD
// caps neither topic config values nor annotation values, so no size is the
// most an application can have; this one is a generous realistic size.
const freeValueBytes = 64

// largestAppName is long enough that flink streamlets keep two characters
// to tell 33 of them apart: 42 + 1 + 2 = graph.MaxFlinkName.
var largestAppName = fill("largest", 42, 'a')

// fill pads prefix with c to n bytes.
func fill(prefix string, n int, c byte) string {
	if len(prefix) > n {
		panic(fmt.Sprintf("%q is longer than %d", prefix, n))
	}
	return prefix + strings.Repeat(string(c), n-len(prefix))
}

// subdomain is a DNS-1123 subdomain of n bytes starting with prefix: labels
// of at most 63 characters joined by dots.
func subdomain(prefix string, n int) string {
	b := []byte(fill(prefix, n, 'x'))
	for i := 60; i < n-1; i += 61 {
		b[i] = '.'
	}
	return string(b)
}

// free is a free-form value of freeValueBytes.
func free(prefix string) string { return fill(prefix, freeValueBytes, 'v') }

// confMap is n entries with keys and values of freeValueBytes, keys made
// distinct by prefix.
func confMap(prefix string, n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fill(fmt.Sprintf("%s.k%03d.", prefix, i), freeValueBytes, 'k')] = free(fmt.Sprintf("v%03d-", i))
	}
	return m
}

func scalarMap(prefix string, n int) map[string]graph.Scalar {
	m := map[string]graph.Scalar{}
	for k, v := range confMap(prefix, n) {
		m[k] = graph.StringScalar(v)
	}
	return m
}

// largestApplication returns an application of n streamlets at the CRD's
// caps (see freeValueBytes). With lists false it leaves out every list a
// streamlet or port carries for itself (env, volumeMounts, labels,
// annotations, resources, configParameters, config, a streamlet's own
// sparkConf or flinkConfiguration, a port's topic settings); the lists of
// the whole application stay at their caps.
func largestApplication(n int, lists bool) *graph.StreamingApplication {
	const ports = graph.MaxPortsPerStreamlet
	schema := graph.Schema{Format: "avro", Name: free("com.example.records.Record"), Fingerprint: fill("", freeValueBytes, 'f')}
	no := false
	cpu := 1.0
	spec := graph.Spec{
		Image:              free("registry.example.com/team/largest:"),
		ServiceAccountName: subdomain("sa-", graph.MaxObjectNameLength),
		Kafka: graph.Kafka{
			Cluster:          fill("kafka-", graph.MaxLabelValueLength, 'c'),
			BootstrapServers: free("kafka-bootstrap.kafka:9093,"),
			TLS:              &graph.KafkaTLS{CASecret: subdomain("ca-", graph.MaxObjectNameLength)},
			Authentication:   &graph.KafkaAuthentication{Type: graph.AuthSCRAMSHA512, Managed: true},
			TopicDefaults: graph.TopicSettings{
				Partitions: ptr(int32(12)), Replicas: ptr(int32(3)),
				Config: scalarMap("default.topic", graph.MaxTopicConfig),
			},
		},
		TopicDeletionPolicy: graph.Retain,
		State:               &graph.State{URI: free("s3://bucket/state/")},
		Metrics:             &graph.Metrics{Port: 9090, Path: free("/metrics/")},
		Runtimes: graph.Runtimes{
			Spark: &graph.SparkSettings{
				Version: "3.5.3", Type: "Scala", MainApplicationFile: free("local:///opt/app/"),
				ServiceAccountName: subdomain("spark-", graph.MaxObjectNameLength),
				Driver:             &graph.SparkPod{Cores: ptr(int32(1)), CoreLimit: "1200m", Memory: "2g"},
				Executor:           &graph.SparkPod{Cores: ptr(int32(2)), CoreLimit: "2400m", Memory: "4g"},
				SparkConf:          confMap("spark.default", graph.MaxRuntimeConf),
			},
			Flink: &graph.FlinkSettings{
				Version: "v1_20", JarURI: free("local:///opt/flink/usrlib/"),
				ServiceAccountName: subdomain("flink-", graph.MaxObjectNameLength),
				UpgradeMode:        "savepoint",
				JobManager:         &graph.FlinkResource{CPU: &cpu, Memory: "2048m"},
				TaskManager:        &graph.FlinkResource{CPU: &cpu, Memory: "4096m"},
				FlinkConfiguration: confMap("flink.default", graph.MaxRuntimeConf),
			},
		},
	}
	for i := range graph.MaxImagePullSecrets {
		spec.ImagePullSecrets = append(spec.ImagePullSecrets, subdomain(fmt.Sprintf("pull-%02d-", i), graph.MaxObjectNameLength))
	}
	clusters := []string{""} // "": spec.kafka
	for i := range graph.MaxKafkaClusters {
		c := graph.KafkaCluster{
			Name:             fill(fmt.Sprintf("k%d-", i), graph.MaxKafkaClusterNameLength, 'n'),
			Cluster:          fill(fmt.Sprintf("kafka-%d-", i), graph.MaxLabelValueLength, 'c'),
			BootstrapServers: free(fmt.Sprintf("kafka-%d-bootstrap.kafka:9093,", i)),
			TLS:              &graph.KafkaTLS{CASecret: subdomain(fmt.Sprintf("ca-%d-", i), graph.MaxObjectNameLength)},
			Authentication:   &graph.KafkaAuthentication{Type: graph.AuthSCRAMSHA512, Managed: true},
			TopicDefaults:    spec.Kafka.TopicDefaults,
		}
		spec.KafkaClusters = append(spec.KafkaClusters, c)
		clusters = append(clusters, c.Name)
	}
	runtimes := []graph.Runtime{graph.Akka, graph.Spark, graph.Flink}
	limits := map[graph.Runtime]int{
		graph.Akka:  graph.MaxWorkloadName,
		graph.Spark: graph.MaxSparkName,
		graph.Flink: graph.MaxFlinkName,
	}
	const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"
	for i := range n {
		rt := runtimes[i%len(runtimes)]
		// Two characters tell the streamlets apart; the rest fills the
		// workload name to its cap. Lengths differ by runtime, so names of
		// different runtimes never collide.
		id := string(rt[0]) + string(base36[i/len(runtimes)])
		s := graph.Streamlet{
			Name:      fill(id, limits[rt]-len(largestAppName)-1, 's'),
			Runtime:   rt,
			ClassName: free("com.example.streamlets.Streamlet"),
			Image:     free("registry.example.com/team/streamlet:"),
			Replicas:  ptr(int32(2)),
		}
		if rt == graph.Akka {
			s.Endpoint = &graph.Endpoint{ContainerPort: 8080}
			s.ServiceAccountName = subdomain("streamlet-", graph.MaxObjectNameLength)
			s.Autoscaling = &graph.Autoscaling{MaxReplicas: 64, LagThreshold: ptr(int64(1000))}
		}
		for p := range ports {
			in := graph.Port{Name: fill(fmt.Sprintf("in-%02d-", p), graph.MaxNameLength, 'p'), Schema: schema}
			if i == 0 {
				in.Topic = &graph.TopicSpec{Name: fill(fmt.Sprintf("Existing_%02d.", p), graph.MaxTopicName, 'E'), Managed: &no, Cluster: clusters[p%len(clusters)]}
			}
			s.Inlets = append(s.Inlets, in)
			out := graph.Port{Name: fill(fmt.Sprintf("out-%02d-", p), graph.MaxNameLength, 'p'), Schema: schema}
			out.Topic = &graph.TopicSpec{Cluster: clusters[p%len(clusters)]}
			if lists {
				out.Topic.Name = fill(fmt.Sprintf("Topic_%03d_%02d.", i, p), graph.MaxTopicName, 'T')
				out.Topic.TopicSettings = graph.TopicSettings{
					Partitions: ptr(int32(24)), Replicas: ptr(int32(3)),
					Config: scalarMap("port.topic", graph.MaxTopicConfig),
				}
			}
			s.Outlets = append(s.Outlets, out)
		}
		if lists {
			addLists(&s)
		}
		if i > 0 {
			spec.Connections = append(spec.Connections, connect(spec.Streamlets[i-1], s, clusters)...)
		}
		spec.Streamlets = append(spec.Streamlets, s)
	}
	return &graph.StreamingApplication{
		TypeMeta:   metav1.TypeMeta{APIVersion: graph.APIVersion, Kind: graph.Kind},
		ObjectMeta: metav1.ObjectMeta{Name: largestAppName, Namespace: "demo"},
		Spec:       spec,
	}
}

// connect wires streamlet to, an autoscaled one, to the outlets of from on
// every cluster, inlet p reading the outlet on cluster p (so that its
// ScaledObject has a TriggerAuthentication per cluster); any other, all
// inlets to from's first outlet (the connections stay under their cap).
func connect(from, to graph.Streamlet, clusters []string) []graph.Connection {
	sources := 1
	if to.Autoscaling != nil {
		sources = len(clusters) // from's outlet p is on cluster p
	}
	cs := make([]graph.Connection, sources)
	for c := range cs {
		cs[c].From = from.Name + "." + from.Outlets[c].Name
	}
	for p, in := range to.Inlets {
		c := &cs[p%sources]
		c.To = append(c.To, to.Name+"."+in.Name)
	}
	return cs
}

// addLists puts every list a streamlet carries for itself at its cap.
func addLists(s *graph.Streamlet) {
	s.Labels = map[string]string{}
	s.Annotations = map[string]string{}
	s.Config = map[string]graph.Scalar{}
	for k := range graph.MaxConfigParameters {
		key := fill(fmt.Sprintf("param-%02d-", k), graph.MaxObjectNameLength, 'k')
		def := graph.StringScalar(free("default-"))
		s.ConfigParameters = append(s.ConfigParameters, graph.ConfigParameter{
			Key: key, Type: graph.TypeString, Default: &def,
			Pattern:     fill("[a-z0-9-]{1,64}|", freeValueBytes, 'x'),
			Description: free("What this parameter sets. "),
		})
	}
	for k := range graph.MaxConfigValues {
		key := fill(fmt.Sprintf("param-%02d-", k), graph.MaxObjectNameLength, 'k')
		s.Config[key] = graph.StringScalar(free("value-"))
	}
	for k := range graph.MaxEnv {
		s.Env = append(s.Env, graph.EnvVar{
			Name: fill(fmt.Sprintf("ENV_%02d_", k), graph.MaxObjectNameLength, 'E'),
			ValueFrom: &graph.EnvSource{SecretKeyRef: &graph.KeyRef{
				Name: subdomain(fmt.Sprintf("secret-%02d-", k), graph.MaxObjectNameLength),
				Key:  fill(fmt.Sprintf("key-%02d-", k), graph.MaxObjectNameLength, 'k'),
			}},
		})
	}
	for k := range graph.MaxVolumeMounts {
		s.VolumeMounts = append(s.VolumeMounts, graph.VolumeMount{
			Name:      fill(fmt.Sprintf("vol-%02d-", k), graph.MaxNameLength, 'm'),
			MountPath: free(fmt.Sprintf("/mnt/%02d/", k)),
			SubPath:   free("sub/"),
			ReadOnly:  true,
			Secret:    subdomain(fmt.Sprintf("mounted-%02d-", k), graph.MaxObjectNameLength),
		})
	}
	for k := range graph.MaxStreamletLabels {
		key := fill(fmt.Sprintf("example.com/l%02d-", k), freeValueBytes, 'l')
		s.Labels[key] = fill(fmt.Sprintf("value-%02d-", k), graph.MaxLabelValueLength, 'v')
		s.Annotations[key] = free("annotation-")
	}
	switch s.Runtime {
	case graph.Akka:
		s.Resources = &graph.Resources{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("2Gi")},
		}
	case graph.Spark:
		s.Spark = &graph.SparkSettings{
			MainApplicationFile: free("local:///opt/app/streamlet-"),
			ServiceAccountName:  subdomain("spark-streamlet-", graph.MaxObjectNameLength),
			Driver:              &graph.SparkPod{Memory: "3g"},
			SparkConf:           confMap("spark.streamlet", graph.MaxRuntimeConf),
		}
	case graph.Flink:
		s.Flink = &graph.FlinkSettings{
			JarURI:             free("local:///opt/flink/usrlib/streamlet-"),
			ServiceAccountName: subdomain("flink-streamlet-", graph.MaxObjectNameLength),
			FlinkConfiguration: confMap("flink.streamlet", graph.MaxRuntimeConf),
		}
	}
}

// measured is what a request of one application weighs.
type measured struct {
	parent   int // the parent's JSON
	body     int // the request as the cluster stand-in sends it
	children int // the rendered children, as many bytes again for managedFields
	request  int // body + children: the request with managedFields
	count    int
	largest  int // the largest rendered child
	name     string
	byKind   map[string]*kindSize
	// streamlet is the most bytes of the children of one streamlet (all
	// but its topics).
	streamlet int
}

type kindSize struct{ n, total, max int }

// syncedCluster is app, which must be valid, with every child observed.
func syncedCluster(t testing.TB, app *graph.StreamingApplication) (*cluster, *Response, int) {
	t.Helper()
	if _, problems := graph.Resolve(app); len(problems) > 0 {
		t.Fatalf("the application is not valid: %d problems, the first: %v", len(problems), problems[:min(5, len(problems))])
	}
	parent, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, string(parent), allComponents()...)
	return c, c.syncUntilStable(5), len(parent)
}

// measure syncs app through the cluster stand-in until stable and weighs
// the request Metacontroller would then send.
func measure(t testing.TB, app *graph.StreamingApplication) (measured, []byte) {
	t.Helper()
	c, resp, parent := syncedCluster(t, app)
	req := c.request()
	req.Controller = controller(t, allComponents()...)
	body := requestJSON(t, req)
	m := measured{parent: parent, body: len(body), count: len(resp.Children), byKind: map[string]*kindSize{}}
	byStreamlet := map[string]int{}
	for _, child := range resp.Children {
		b, err := json.Marshal(child)
		if err != nil {
			t.Fatal(err)
		}
		k := m.byKind[child.GetKind()]
		if k == nil {
			k = &kindSize{}
			m.byKind[child.GetKind()] = k
		}
		k.n++
		k.total += len(b)
		k.max = max(k.max, len(b))
		if name, ok := child.GetLabels()[children.LabelStreamlet]; ok && child.GetKind() != children.KafkaTopicKind {
			byStreamlet[name] += len(b)
			m.streamlet = max(m.streamlet, byStreamlet[name])
		}
		m.children += len(b)
		if len(b) > m.largest {
			m.largest, m.name = len(b), child.GetKind()+" "+child.GetName()
		}
	}
	m.request = m.body + m.children
	return m, body
}

func (m measured) log(t testing.TB, what string) {
	t.Helper()
	for _, kind := range slices.Sorted(maps.Keys(m.byKind)) {
		k := m.byKind[kind]
		t.Logf("%s: %-16s %5d, %9d bytes, largest %7d, mean %7d", what, kind, k.n, k.total, k.max, k.total/k.n)
	}
	t.Logf("%s: parent %d bytes (%.2f MiB); %d children, %d bytes; largest %s, %d bytes", what, m.parent, mib(m.parent), m.count, m.children, m.name, m.largest)
	t.Logf("%s: request %d bytes as the stand-in sends it, %d (%.1f MiB) with a managedFields copy per child", what, m.body, m.request, mib(m.request))
}

func mib(n int) float64 { return float64(n) / (1 << 20) }

// storableStreamlets is the most streamlets of the given shape whose
// parent's spec etcd stores (at most maxObjectBytes, before the parent's own
// managedFields).
func storableStreamlets(t testing.TB, lists bool) int {
	t.Helper()
	n := 0
	for n < graph.MaxStreamlets {
		b, err := json.Marshal(largestApplication(n+1, lists))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > maxObjectBytes {
			break
		}
		n++
	}
	return n
}

// TestLargestApplicationFitsTheLimits measures the requests of the largest
// applications and holds the budget of limits.go to them. The figures it
// logs are those quoted there.
func TestLargestApplicationFitsTheLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs an application of 3,435 children")
	}
	// Every list at its cap: a spec the API server cannot store.
	all, err := json.Marshal(largestApplication(graph.MaxStreamlets, true))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("every list at its cap: spec %d bytes (%.1f MiB), etcd stores %d", len(all), mib(len(all)), maxObjectBytes)
	if len(all) <= maxObjectBytes {
		t.Errorf("an application with every list at its cap fits in etcd (%d bytes): size MaxRequestBytes from it", len(all))
	}

	// Every list at its cap, as many streamlets as etcd stores: the largest
	// children.
	n := storableStreamlets(t, true)
	if n < 3 {
		t.Fatalf("only %d streamlets with every list at its cap fit in etcd; the test wants one of each runtime", n)
	}
	capped, _ := measure(t, largestApplication(n, true))
	capped.log(t, fmt.Sprintf("capped(%d)", n))
	if capped.largest > maxChildBytes {
		t.Errorf("%s is %d bytes, over maxChildBytes (%d)", capped.name, capped.largest, maxChildBytes)
	}
	// What a byte of the streamlets' and ports' own lists makes: the same
	// streamlets without them.
	bare, _ := measure(t, largestApplication(n, false))
	amplification := float64(capped.children-bare.children) / float64(capped.parent-bare.parent)
	t.Logf("own lists: %d bytes of spec make %d bytes of children: %.2f per byte (listAmplification %d)",
		capped.parent-bare.parent, capped.children-bare.children, amplification, listAmplification)
	if amplification > listAmplification {
		t.Errorf("a byte of a streamlet's own lists makes %.2f bytes of children, over listAmplification (%d)", amplification, listAmplification)
	}

	// The most children, the application-wide lists at their caps: the
	// largest request.
	wide, _ := measure(t, largestApplication(graph.MaxStreamlets, false))
	wide.log(t, "largest")
	// A streamlet's: ConfigMap, workload, Service, PrometheusRule,
	// ScaledObject, the autoscaler's ConfigMap, and a KafkaUser and a
	// TriggerAuthentication per cluster.
	perStreamlet := 6 + 2*(1+graph.MaxKafkaClusters)
	if wide.count > maxTopics+perStreamlet*graph.MaxStreamlets+1 {
		t.Errorf("%d children, more than a topic per outlet and %d per streamlet", wide.count, perStreamlet)
	}
	if k := wide.byKind["KafkaTopic"]; k == nil || k.n != maxTopics || k.max > maxTopicBytes {
		t.Errorf("KafkaTopics: %+v, want %d of at most maxTopicBytes (%d)", k, maxTopics, maxTopicBytes)
	}
	workload := 0
	for _, kind := range []string{"Deployment", "SparkApplication", "FlinkDeployment"} {
		if k := wide.byKind[kind]; k != nil {
			workload = max(workload, k.max)
		}
	}
	t.Logf("largest: a streamlet's children but its topics: at most %d bytes (maxStreamletBytes %d)", wide.streamlet, maxStreamletBytes)
	if wide.streamlet > maxStreamletBytes {
		t.Errorf("a streamlet's children but its topics are %d bytes, over maxStreamletBytes (%d)", wide.streamlet, maxStreamletBytes)
	}
	if wide.largest > maxChildBytes {
		t.Errorf("%s is %d bytes, over maxChildBytes (%d)", wide.name, wide.largest, maxChildBytes)
	}
	t.Logf("MaxRequestBytes %d (%.1f MiB): the largest request uses %.0f%% of it", MaxRequestBytes, mib(MaxRequestBytes), 100*float64(wide.request)/MaxRequestBytes)
	if wide.request > MaxRequestBytes {
		t.Errorf("the largest application's request is %d bytes, over MaxRequestBytes (%d)", wide.request, MaxRequestBytes)
	}

	// Its spec is over etcd's limit: as many of its streamlets as etcd
	// stores leave room for retained topics and what other tools write.
	n = storableStreamlets(t, false)
	stored, _ := measure(t, largestApplication(n, false))
	stored.log(t, fmt.Sprintf("stored(%d)", n))
	t.Logf("the largest stored application's request uses %.0f%% of MaxRequestBytes", 100*float64(stored.request)/MaxRequestBytes)
	if stored.request > MaxRequestBytes*3/4 {
		t.Errorf("the largest stored application's request is %d bytes, over 3/4 of MaxRequestBytes (%d): nothing left for retained topics and other tools' fields",
			stored.request, MaxRequestBytes*3/4)
	}
}
