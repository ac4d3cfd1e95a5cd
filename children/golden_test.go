package children

import (
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/golden"
)

// TestBuildersGolden pins every builder's whole output, one file per example
// and kind (testdata/<example>/<Kind>.golden.yaml, rewritten by -update):
// derived names and fields are a versioned contract, and a reviewer reads
// the diff of exactly the kind a change touches.
func TestBuildersGolden(t *testing.T) {
	for _, tc := range []struct {
		dir, example string
		mods         []func(*graph.StreamingApplication)
	}{
		{"call-record-aggregator", "call-record-aggregator", nil},
		{"clickstream-sessions", "clickstream-sessions", nil},
		{"fraud-scoring", "fraud-scoring", nil},
		// A KafkaUser per streamlet with its ACLs, and what it changes in the
		// ConfigMaps and workloads.
		{"call-record-aggregator-managed-users", "call-record-aggregator", []func(*graph.StreamingApplication){withManagedUsers}},
		// Two Kafka clusters: cdr-aggregator writes its topic on "analytics",
		// whose users are managed; console-egress reads it there.
		{"call-record-aggregator-two-clusters", "call-record-aggregator", []func(*graph.StreamingApplication){withTwoClusters}},
		// Autoscaling over Kafka TLS and SCRAM: enrich (akka) by KEDA on its
		// two inlets, score (flink) by the Flink operator's autoscaler.
		{"fraud-scoring-autoscaled", "fraud-scoring", []func(*graph.StreamingApplication){
			withAutoscaling("enrich", graph.Autoscaling{MaxReplicas: 6, LagThreshold: ptr(int64(200)), ActivationLagThreshold: ptr(int64(5))}),
			withAutoscaling("score", graph.Autoscaling{MinReplicas: ptr(int32(2)), MaxReplicas: 8}),
		}},
		// Autoscaling over Kafka TLS client authentication: bot-filter
		// (akka) scaled to zero while idle, metrics (spark) by dynamic
		// allocation.
		{"clickstream-sessions-autoscaled", "clickstream-sessions", []func(*graph.StreamingApplication){
			withAutoscaling("bot-filter", graph.Autoscaling{MinReplicas: ptr(int32(0)), MaxReplicas: 4}),
			withAutoscaling("metrics", graph.Autoscaling{MaxReplicas: 5}),
		}},
		// The reference application suspended, merge autoscaled: every
		// workload stopped, merge's ScaledObject paused at 0.
		{"call-record-aggregator-suspended", "call-record-aggregator", []func(*graph.StreamingApplication){
			withAutoscaling("merge", graph.Autoscaling{MaxReplicas: 12}),
			func(a *graph.StreamingApplication) { a.Spec.Suspend = true },
		}},
	} {
		example := tc.dir
		byKind := map[string][]string{}
		for _, u := range desired(t, blueprint(t, tc.example, tc.mods...)) {
			b, err := yaml.Marshal(u.Object)
			if err != nil {
				t.Fatal(err)
			}
			byKind[u.GetKind()] = append(byKind[u.GetKind()], string(b))
		}
		for kind, docs := range byKind {
			t.Run(example+"/"+kind, func(t *testing.T) {
				path := filepath.Join("testdata", example, kind+".golden.yaml")
				got := strings.Join(docs, "---\n")
				golden.Check(t, path, []byte(got))
			})
		}
	}
}
