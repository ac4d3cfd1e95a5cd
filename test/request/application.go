package request

import (
	"encoding/json"
	"fmt"
)

// FanOut is how many streamlets read each outlet of a generated application.
const FanOut = 3

// runtimes is the round of runtimes the streamlets of a generated application
// take: half akka, a quarter each Spark and Flink.
var runtimes = []string{"akka", "spark", "akka", "flink"}

// Application returns a StreamingApplication of n streamlets as JSON (which
// is YAML too), named gen-N in namespace bench: streamlet i writes one
// outlet, read by the FanOut streamlets after it (each through an inlet of
// its own, in-0 the nearest), the last one writes none; runtimes go round
// akka, spark, akka, flink; every fifth akka streamlet has an HTTP endpoint;
// every streamlet has two configuration parameters, one of them set.
func Application(n int) []byte {
	schema := map[string]any{"format": "avro", "name": "gen.data.Record", "fingerprint": "UmVjb3JkLXYxLTAwMDAwMDAx"}
	streamlets := make([]any, n)
	var connections []any
	for i := range n {
		s := map[string]any{
			"name":      stage(i),
			"runtime":   runtimes[i%len(runtimes)],
			"className": fmt.Sprintf("gen.pipeline.Stage%03d", i),
			"replicas":  2,
			"configParameters": []any{
				map[string]any{"key": "batch-size", "type": "int32", "default": "500", "description": "Records per batch."},
				map[string]any{"key": "window", "type": "duration", "default": "1 minute", "description": "Window length."},
			},
			"config": map[string]any{"batch-size": 1000},
		}
		if i%10 == 0 && s["runtime"] == "akka" {
			s["endpoint"] = map[string]any{"containerPort": 8080}
		}
		var inlets []any
		for k := range min(i, FanOut) {
			inlets = append(inlets, map[string]any{"name": fmt.Sprintf("in-%d", k), "schema": schema})
		}
		if len(inlets) > 0 {
			s["inlets"] = inlets
		}
		if i < n-1 {
			s["outlets"] = []any{map[string]any{"name": "out", "schema": schema}}
			var to []any
			for j := i + 1; j < n && j <= i+FanOut; j++ {
				to = append(to, fmt.Sprintf("%s.in-%d", stage(j), j-1-i))
			}
			connections = append(connections, map[string]any{"from": stage(i) + ".out", "to": to})
		}
		streamlets[i] = s
	}
	app := map[string]any{
		"apiVersion": "sluice.dev/v1alpha1",
		"kind":       "StreamingApplication",
		"metadata":   map[string]any{"name": fmt.Sprintf("gen-%d", n), "namespace": "bench"},
		"spec": map[string]any{
			"image": "registry.example.com/gen/pipeline:1.0.0",
			"kafka": map[string]any{
				"cluster":          "gen-kafka",
				"bootstrapServers": "gen-kafka-kafka-bootstrap.kafka:9092",
				"topicDefaults": map[string]any{
					"partitions": 12, "replicas": 3,
					"config": map[string]any{"retention.ms": 604800000, "min.insync.replicas": 2},
				},
			},
			"state": map[string]any{"uri": "s3://gen-streaming/pipeline"},
			"runtimes": map[string]any{
				"spark": map[string]any{
					"version": "3.5.3", "type": "Scala", "mainApplicationFile": "local:///opt/app/app.jar",
					"serviceAccountName": "spark",
					"driver":             map[string]any{"cores": 1, "memory": "1g"},
					"executor":           map[string]any{"cores": 1, "memory": "2g"},
				},
				"flink": map[string]any{
					"version": "v1_20", "jarURI": "local:///opt/flink/usrlib/app.jar", "serviceAccountName": "flink",
					"upgradeMode": "savepoint",
					"jobManager":  map[string]any{"cpu": 1, "memory": "2048m"},
					"taskManager": map[string]any{"cpu": 1, "memory": "2048m"},
				},
			},
			"streamlets":  streamlets,
			"connections": connections,
		},
	}
	b, err := json.Marshal(app)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return b
}

func stage(i int) string { return fmt.Sprintf("stage-%03d", i) }
