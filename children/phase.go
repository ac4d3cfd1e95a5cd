package children

import "github.com/sluice-dev/sluice/graph"

// phaseInput is what the application's phase is decided from.
type phaseInput struct {
	// invalidAndNothingRuns: the spec was rejected and no child exists.
	invalidAndNothingRuns bool
	streamlets            []graph.StreamletStatus
	// rolling names the streamlets whose operator rolls out an edit.
	rolling map[string]bool
	// topicsReady: every topic Sluice manages is Ready.
	topicsReady bool
	// wasReady: the application ran before (its previous phase was
	// Running or Degraded), so what does not run now is an outage, not a
	// start.
	wasReady bool
}

// applicationPhase is the one place that orders the phases; the first rule
// that holds decides:
//
//  1. Invalid: the spec was rejected and nothing of it runs.
//  2. Pending: there is no streamlet to run yet.
//  3. Suspended: every streamlet is suspended, as the spec asks (its topics
//     are not its health while nothing reads or writes them).
//  4. Failed: every streamlet failed.
//  5. Degraded: a streamlet failed or is degraded (a rollout that failed or
//     stalled, pods lost, a crash loop).
//  6. Running: every streamlet runs or is suspended as the spec asks, and
//     every managed topic is Ready; a streamlet rolling out an edit while
//     it still serves counts as running (the Progressing condition says
//     so).
//  7. Running: the application ran before and the streamlets that do not
//     run only roll out an edit (resubmitted, not created yet, suspending,
//     resuming), topics Ready.
//  8. Degraded: the application ran before; a streamlet or topic is lost.
//  9. Pending: it never ran yet.
func applicationPhase(in phaseInput) graph.Phase {
	if in.invalidAndNothingRuns {
		return graph.PhaseInvalid
	}
	if len(in.streamlets) == 0 {
		return graph.PhasePending
	}
	counts := map[graph.Phase]int{}
	onlyRolling := true
	for _, s := range in.streamlets {
		counts[s.Phase]++
		if s.Phase != graph.PhaseRunning && s.Phase != graph.PhaseSuspended && !in.rolling[s.Name] {
			onlyRolling = false
		}
	}
	switch {
	case counts[graph.PhaseSuspended] == len(in.streamlets):
		return graph.PhaseSuspended
	case counts[graph.PhaseFailed] == len(in.streamlets):
		return graph.PhaseFailed
	case counts[graph.PhaseFailed] > 0 || counts[graph.PhaseDegraded] > 0:
		return graph.PhaseDegraded
	case counts[graph.PhaseRunning]+counts[graph.PhaseSuspended] == len(in.streamlets) && in.topicsReady:
		return graph.PhaseRunning
	case in.wasReady && onlyRolling && in.topicsReady:
		return graph.PhaseRunning
	case in.wasReady:
		return graph.PhaseDegraded
	default:
		return graph.PhasePending
	}
}
