package graph

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestResolveState: graph alone says where a streamlet's state goes and how
// its runtime is pointed there; children only copy it.
func TestResolveState(t *testing.T) {
	uri, pvc := &State{URI: "s3://b/app/"}, &State{PVC: "data"}
	tests := []struct {
		name  string
		in    ResolvedStreamlet
		state *State
		want  ResolvedStreamlet
	}{
		{"akka keeps no state", ResolvedStreamlet{Name: "a", Runtime: Akka}, uri, ResolvedStreamlet{Name: "a", Runtime: Akka}},
		{"spark under a URI", ResolvedStreamlet{Name: "s", Runtime: Spark, Spark: &SparkSettings{SparkConf: map[string]string{"x": "1"}}}, uri,
			ResolvedStreamlet{Name: "s", Runtime: Spark, State: "s3://b/app/s", Spark: &SparkSettings{SparkConf: map[string]string{
				"x": "1", "spark.sql.streaming.checkpointLocation": "s3://b/app/s"}}}},
		{"spark on a PVC", ResolvedStreamlet{Name: "s", Runtime: Spark, Spark: &SparkSettings{}}, pvc,
			ResolvedStreamlet{Name: "s", Runtime: Spark, State: "file:///var/lib/sluice/state/s", StateClaim: "data", Spark: &SparkSettings{SparkConf: map[string]string{
				"spark.sql.streaming.checkpointLocation": "file:///var/lib/sluice/state/s"}}}},
		{"spark without state", ResolvedStreamlet{Name: "s", Runtime: Spark, Spark: &SparkSettings{}}, nil,
			ResolvedStreamlet{Name: "s", Runtime: Spark, Spark: &SparkSettings{}}},
		{"flink with state upgrades by savepoint", ResolvedStreamlet{Name: "f", Runtime: Flink, Flink: &FlinkSettings{}}, uri,
			ResolvedStreamlet{Name: "f", Runtime: Flink, State: "s3://b/app/f", Flink: &FlinkSettings{UpgradeMode: "savepoint", FlinkConfiguration: map[string]string{
				"state.checkpoints.dir": "s3://b/app/f/checkpoints", "state.savepoints.dir": "s3://b/app/f/savepoints"}}}},
		{"flink keeps the user's upgrade mode", ResolvedStreamlet{Name: "f", Runtime: Flink, Flink: &FlinkSettings{UpgradeMode: "last-state"}}, uri,
			ResolvedStreamlet{Name: "f", Runtime: Flink, State: "s3://b/app/f", Flink: &FlinkSettings{UpgradeMode: "last-state", FlinkConfiguration: map[string]string{
				"state.checkpoints.dir": "s3://b/app/f/checkpoints", "state.savepoints.dir": "s3://b/app/f/savepoints"}}}},
		{"flink without state is stateless", ResolvedStreamlet{Name: "f", Runtime: Flink, Flink: &FlinkSettings{}}, nil,
			ResolvedStreamlet{Name: "f", Runtime: Flink, Flink: &FlinkSettings{UpgradeMode: "stateless"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in
			resolveState(&got, tc.state)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("resolved streamlet mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
