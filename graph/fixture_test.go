package graph

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// base is a small valid application: ingress (akka, endpoint) -> score
// (flink, stateful) -> egress (akka), plus a spark reporter fed by score.
func base() *StreamingApplication {
	avro := func(name string) Schema { return Schema{Format: "avro", Name: name, Fingerprint: "fp-" + name} }
	return &StreamingApplication{
		ObjectMeta: objectMeta("shop", "demo"),
		Spec: Spec{
			Image: "registry.example.com/shop:1",
			Kafka: Kafka{Cluster: "kafka", BootstrapServers: "kafka-bootstrap:9092",
				TopicDefaults: TopicSettings{Partitions: ptr(int32(3)), Replicas: ptr(int32(2))}},
			State: &State{URI: "s3://bucket/shop"},
			Runtimes: Runtimes{
				Spark: &SparkSettings{Version: "3.5.3", Type: "Scala", MainApplicationFile: "local:///app.jar"},
				Flink: &FlinkSettings{Version: "v1_20", JarURI: "local:///job.jar", ServiceAccountName: "flink",
					JobManager: &FlinkResource{Memory: "2048m"}, TaskManager: &FlinkResource{Memory: "2048m"}},
			},
			Streamlets: []Streamlet{
				{Name: "ingress", Runtime: Akka, Endpoint: &Endpoint{ContainerPort: 8080},
					Outlets: []Port{{Name: "out", Schema: avro("Order")}}},
				{Name: "score", Runtime: Flink, Replicas: ptr(int32(2)),
					Inlets:  []Port{{Name: "in", Schema: avro("Order")}},
					Outlets: []Port{{Name: "out", Schema: avro("Score")}},
					ConfigParameters: []ConfigParameter{
						{Key: "window", Type: TypeDuration, Default: ptr(StringScalar("1 minute"))},
						{Key: "threshold", Type: TypeDouble, Default: ptr(StringScalar("0.5"))},
					}},
				{Name: "egress", Runtime: Akka, Inlets: []Port{{Name: "in", Schema: avro("Score")}}},
				{Name: "report", Runtime: Spark, Inlets: []Port{{Name: "in", Schema: avro("Score")}}},
			},
			Connections: []Connection{
				{From: "ingress.out", To: []string{"score.in"}},
				{From: "score.out", To: []string{"egress.in", "report.in"}},
			},
		},
	}
}

// with returns base() changed by each modifier.
func with(mods ...func(*StreamingApplication)) *StreamingApplication {
	app := base()
	for _, m := range mods {
		m(app)
	}
	return app
}

// streamlet returns the named streamlet of app for a modifier to change.
func streamlet(t testing.TB, app *StreamingApplication, name string) *Streamlet {
	t.Helper()
	for i := range app.Spec.Streamlets {
		if app.Spec.Streamlets[i].Name == name {
			return &app.Spec.Streamlets[i]
		}
	}
	t.Fatalf("no streamlet %q in fixture", name)
	return nil
}

func objectMeta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace}
}
