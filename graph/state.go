package graph

import (
	"cmp"
	"maps"
	"slices"
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

// The Flink configuration keys of the checkpoint and savepoint directories:
// Flink 1.20's and 2.x's key, then the deprecated keys Flink still reads
// (CheckpointingOptions.CHECKPOINTS_DIRECTORY and SAVEPOINT_DIRECTORY).
// Sluice sets the second of each, state.checkpoints.dir and
// state.savepoints.dir, under spec.state.
var (
	flinkCheckpointDirKeys = []string{"execution.checkpointing.dir", "state.checkpoints.dir", "state.backend.fs.checkpointdir"}
	flinkSavepointDirKeys  = []string{"execution.checkpointing.savepoint-dir", "state.savepoints.dir", "savepoints.state.backend.fs.dir"}
)

// checkState checks spec.state, and that each flink streamlet whose upgrade
// mode keeps state has the directories it needs.
func checkState(m *merged) Problems {
	var ps Problems
	if st := m.spec.State; st != nil {
		switch {
		case (st.URI == "") == (st.PVC == ""):
			ps.add("spec.state", ErrBadValue, "set exactly one of uri and pvc")
		case st.PVC != "":
			checkRef(&ps, "spec.state.pvc", st.PVC)
		case !strings.Contains(st.URI, "://"):
			ps.add("spec.state.uri", ErrBadValue, "%q is not a URI such as s3://bucket/path", st.URI)
		}
	}
	for _, s := range m.declared() {
		if s.Runtime == Flink && m.spec.State == nil {
			checkFlinkStateDirs(&ps, s.path+".flink.upgradeMode", s.run.flink)
		}
	}
	return ps
}

// checkFlinkStateDirs refuses, without spec.state (which sets both), an
// upgrade mode the Flink operator's validator (DefaultValidator.
// validateJobSpec) would refuse: every mode but stateless needs a checkpoint
// directory, savepoint a savepoint directory too. Since operator 1.10,
// last-state no longer needs high availability.
func checkFlinkStateDirs(ps *Problems, path string, fl *FlinkSettings) {
	if fl.UpgradeMode != "savepoint" && fl.UpgradeMode != "last-state" {
		return
	}
	if !anySet(fl.FlinkConfiguration, flinkCheckpointDirKeys) {
		ps.add(path, ErrMissingSetting, "upgrade mode %s needs a checkpoint directory: set spec.state, or %s in flinkConfiguration",
			fl.UpgradeMode, flinkCheckpointDirKeys[1])
	}
	if fl.UpgradeMode == "savepoint" && !anySet(fl.FlinkConfiguration, flinkSavepointDirKeys) {
		ps.add(path, ErrMissingSetting, "upgrade mode savepoint needs a savepoint directory: set spec.state, or %s in flinkConfiguration",
			flinkSavepointDirKeys[1])
	}
}

// anySet reports whether conf holds a non-blank value under one of keys.
func anySet(conf map[string]string, keys []string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return strings.TrimSpace(conf[k]) != "" })
}

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
