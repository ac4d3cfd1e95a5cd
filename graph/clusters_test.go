package graph

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// twoClusters puts score's outlet on a second cluster, "analytics"; egress
// and report follow it.
func twoClusters(a *StreamingApplication) {
	a.Spec.KafkaClusters = []KafkaCluster{{
		Name: "analytics", Cluster: "analytics-kafka", BootstrapServers: "analytics-bootstrap:9093",
		TLS:            &KafkaTLS{CASecret: "analytics-ca"},
		Authentication: &KafkaAuthentication{Type: AuthTLS, Managed: true},
		TopicDefaults:  TopicSettings{Partitions: ptr(int32(12))},
	}}
}

// TestTwoClusters: a port's topic.cluster puts its topic on that cluster,
// with that cluster's defaults; the inlets reading it follow; the rest stays
// on spec.kafka.
func TestTwoClusters(t *testing.T) {
	app := with(twoClusters, func(a *StreamingApplication) {
		streamlet(t, a, "score").Outlets[0].Topic = &TopicSpec{Cluster: "analytics"}
	})
	bp, problems := Resolve(app)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	clusters := map[string]string{}
	for _, topic := range bp.Topics {
		clusters[topic.Name] = topic.Cluster
		if topic.Cluster == "analytics" && *topic.Partitions != 12 {
			t.Errorf("topic %s has %d partitions, want analytics' default 12", topic.Name, *topic.Partitions)
		}
	}
	if diff := cmp.Diff(map[string]string{"shop.ingress.out": "", "shop.score.out": "analytics"}, clusters); diff != "" {
		t.Errorf("topic clusters mismatch (-want +got):\n%s", diff)
	}
	wires := map[string]string{}
	for _, s := range bp.Streamlets {
		for _, w := range append(s.Inlets, s.Outlets...) {
			wires[s.Name+"."+w.Port] = w.Cluster
		}
	}
	if diff := cmp.Diff(map[string]string{"ingress.out": "", "score.in": "", "score.out": "analytics", "egress.in": "analytics", "report.in": "analytics"}, wires); diff != "" {
		t.Errorf("wire clusters mismatch (-want +got):\n%s", diff)
	}
	if got := bp.Connection("analytics").BootstrapServers; got != "analytics-bootstrap:9093" {
		t.Errorf("analytics bootstrap servers %q", got)
	}
}

// TestClusterProblems: each wrong use of spec.kafkaClusters is one problem
// at its path.
func TestClusterProblems(t *testing.T) {
	tests := []struct {
		name string
		mod  func(a *StreamingApplication)
		err  error
		want string
	}{
		{"unknown cluster", func(a *StreamingApplication) {
			streamlet(t, a, "score").Outlets[0].Topic = &TopicSpec{Cluster: "nowhere"}
		}, ErrNoSuchCluster, `spec.streamlets[score].outlets[out].topic.cluster: no cluster "nowhere" in spec.kafkaClusters`},
		{"an inlet on another cluster than its outlet", func(a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets[0].Topic = &TopicSpec{Cluster: "analytics"}
		}, ErrBadValue, `spec.streamlets[egress].inlets[in].topic.cluster: reads score.out, on spec.kafka, from analytics: Sluice does not mirror topics between clusters`},
		{"an existing topic named on two clusters", func(a *StreamingApplication) {
			streamlet(t, a, "egress").Inlets = append(streamlet(t, a, "egress").Inlets,
				Port{Name: "users", Schema: Schema{Format: "avro", Name: "User"}, Topic: &TopicSpec{Name: "shared.users", Managed: ptr(false)}})
			streamlet(t, a, "report").Inlets = append(streamlet(t, a, "report").Inlets,
				Port{Name: "users", Schema: Schema{Format: "avro", Name: "User"}, Topic: &TopicSpec{Name: "shared.users", Managed: ptr(false), Cluster: "analytics"}})
		}, ErrBadValue, `reads topic shared.users, on spec.kafka, from analytics`},
		{"a cluster name twice", func(a *StreamingApplication) {
			a.Spec.KafkaClusters = append(a.Spec.KafkaClusters, a.Spec.KafkaClusters[0])
		}, ErrDuplicate, `spec.kafkaClusters[analytics]: cluster "analytics" named twice`},
		{"a cluster name that is no label", func(a *StreamingApplication) { a.Spec.KafkaClusters[0].Name = "Analytics" }, ErrInvalidName,
			`spec.kafkaClusters[Analytics].name: "Analytics" is not a DNS-1123 label`},
		{"a cluster without bootstrap servers", func(a *StreamingApplication) { a.Spec.KafkaClusters[0].BootstrapServers = "" }, ErrRequired,
			`spec.kafkaClusters[analytics].bootstrapServers: missing`},
		{"a volume name Sluice uses for a cluster", func(a *StreamingApplication) {
			streamlet(t, a, "egress").VolumeMounts = []VolumeMount{{Name: "sluice-kafka-ca-analytics", MountPath: "/x", EmptyDir: &EmptyDir{}}}
		}, ErrNotAllowed, `volume name "sluice-kafka-ca-analytics" is used by Sluice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := with(twoClusters, tc.mod)
			_, problems := Resolve(app)
			for _, p := range problems {
				if strings.Contains(p.Error(), tc.want) {
					if !errors.Is(p, tc.err) {
						t.Errorf("%q is not %v", p.Error(), tc.err)
					}
					return
				}
			}
			t.Errorf("no problem containing %q in %q", tc.want, problems.Strings())
		})
	}
}
