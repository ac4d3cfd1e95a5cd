package graph

import (
	"cmp"
	"maps"
	"strings"
)

// The state rule has its one home here: where a stateful (spark or flink)
// streamlet keeps its state under spec.state, the volume that holds it, the
// runtime settings that point there, and the Flink upgrade mode.

// StateMountPath is where a state PVC is mounted.
const StateMountPath = "/var/lib/sluice/state"

// sparkCheckpointConf is Structured Streaming's default checkpoint root;
// Spark keeps its Kafka offsets there, not in a consumer group.
const sparkCheckpointConf = "spark.sql.streaming.checkpointLocation"

// Flink upgrade modes Sluice chooses between when the user sets none.
const (
	upgradeSavepoint = "savepoint"
	upgradeStateless = "stateless"
)

// stateLocation is a streamlet's state directory under spec.state.
func stateLocation(st *State, streamlet string) string {
	switch {
	case st == nil:
		return ""
	case st.PVC != "":
		return "file://" + StateMountPath + "/" + streamlet
	default:
		return strings.TrimSuffix(st.URI, "/") + "/" + streamlet
	}
}

// resolveState settles where a spark or flink streamlet keeps its state
// and points its runtime there: Spark's checkpoint location; Flink's
// checkpoint and savepoint directories, and the upgrade mode (savepoint
// with state, stateless without, unless the user chose one). Akka
// streamlets keep no state for Sluice.
func resolveState(rs *ResolvedStreamlet, st *State) {
	if rs.Runtime != Spark && rs.Runtime != Flink {
		return
	}
	rs.State = stateLocation(st, rs.Name)
	if rs.State != "" && st.PVC != "" {
		rs.StateClaim = st.PVC
	}
	if sp := rs.Spark; sp != nil {
		resolved := *sp
		if rs.State != "" {
			resolved.SparkConf = withEntries(sp.SparkConf, map[string]string{sparkCheckpointConf: rs.State})
		}
		rs.Spark = &resolved
	}
	if fl := rs.Flink; fl != nil {
		resolved := *fl
		if rs.State != "" {
			resolved.FlinkConfiguration = withEntries(fl.FlinkConfiguration, map[string]string{
				flinkCheckpointDirKeys[1]: rs.State + "/checkpoints",
				flinkSavepointDirKeys[1]:  rs.State + "/savepoints",
			})
			resolved.UpgradeMode = cmp.Or(resolved.UpgradeMode, upgradeSavepoint)
		}
		resolved.UpgradeMode = cmp.Or(resolved.UpgradeMode, upgradeStateless)
		rs.Flink = &resolved
	}
}

// withEntries returns a copy of conf with entries set over it.
func withEntries(conf, entries map[string]string) map[string]string {
	out := maps.Clone(conf)
	if out == nil {
		out = make(map[string]string, len(entries))
	}
	maps.Copy(out, entries)
	return out
}
