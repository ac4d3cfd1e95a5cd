package children

import (
	"github.com/sluice-dev/sluice/graph"
)

// A suspended streamlet's workload stops as its operator does it: its
// Deployment runs 0 pods (an autoscaled one's ScaledObject is paused at 0,
// so KEDA does not bring it back), its SparkApplication has spec.suspend,
// its FlinkDeployment job.state suspended. Its topics, ConfigMap and
// Service are answered as always, so a resumed streamlet reads on from its
// committed offsets, checkpoint or savepoint.
//
// The status calls a streamlet Suspended only once its workload says it
// stopped (Health.Stopped); until then it is suspending, a rollout. An
// application is Suspended once every streamlet is (applicationPhase).
// Resuming is a rollout too: the workload starts again at the scale the
// spec asks, or, autoscaled, within the autoscaler's range.

// withSuspend sets a streamlet's status from what its workload says of a
// suspend; rolling says whether the streamlet is on its way to or from
// being suspended. observed is false while its workload does not exist.
func withSuspend(ss graph.StreamletStatus, s *graph.ResolvedStreamlet, h Health, observed bool) (_ graph.StreamletStatus, rolling bool) {
	switch {
	case !observed:
		return ss, false
	case s.Suspended && h.Stopped:
		ss.Phase, ss.ReadyReplicas, ss.ExpectedReplicas = graph.PhaseSuspended, 0, 0
		ss.Message = "suspended: set suspend to false to resume"
		return ss, false
	case s.Suspended:
		ss.ExpectedReplicas = 0
		ss.Message = joinMessages("suspending", h.Message)
		return ss, true
	case h.Stopped && s.Runtime != graph.Akka:
		// A Deployment at 0 pods runs as its spec (or KEDA) asks; a
		// stopped Spark or Flink job starts again.
		ss.Message = joinMessages("resuming", h.Message)
		return ss, true
	}
	return ss, false
}

// statelessUpgrades warns of a Flink streamlet with state storage whose
// upgrade mode keeps none: every upgrade and every suspend drops its state.
func statelessUpgrades(s *graph.ResolvedStreamlet) string {
	if s.Runtime != graph.Flink || s.State == "" || s.Flink == nil || s.Flink.UpgradeMode != "stateless" {
		return ""
	}
	return "upgrade mode stateless: its state under " + s.State + " is dropped on every upgrade and suspend; set flink.upgradeMode to savepoint or last-state to keep it"
}
