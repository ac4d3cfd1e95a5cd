package children

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/graph"
)

// statusInput is everything the parent's status is computed from: the
// answer's input and what the answer decided.
type statusInput struct {
	// blueprint is the resolved application; nil when the spec was rejected.
	blueprint *graph.Blueprint
	// generation is the parent's metadata.generation.
	generation int64
	// invalid lists why the spec was rejected (BlueprintValid=False).
	invalid []string
	// problems lists what else keeps the application from running as
	// written, such as a child kind the CompositeController does not list.
	problems []string
	// kinds are the child kinds the CompositeController lists.
	kinds Kinds
	// observed are the children Metacontroller observed.
	observed Observed
	// answered are the children of this answer.
	answered []*Child
	// retained names the topics kept although their outlet left the
	// blueprint (Retain policy).
	retained map[string]bool
	// topicNotes are extra messages per topic object name, e.g. partitions
	// kept above the spec because Kafka cannot shrink a topic.
	topicNotes map[string]string
	// pods is the pod-level health per streamlet, when the customize hook
	// asked for the application's pods (the pod-health component).
	pods map[string]PodHealth
	// previous is the parent's current status, for lastTransitionTime and
	// for what an invalid spec cannot recompute.
	previous *graph.Status
	// now is the time of this sync.
	now time.Time
}

// status computes the parent's status. It is deterministic: the same input
// gives the same status, so an unchanged application costs no parent write.
func status(in statusInput) graph.Status {
	prev := cmp.Or(in.previous, &graph.Status{})
	wasReady := prev.Phase == graph.PhaseRunning || prev.Phase == graph.PhaseDegraded
	streamlets, rolling := streamletStatuses(in, wasReady)
	st := graph.Status{
		Streamlets:      streamlets,
		StreamletsReady: readyCount(streamlets),
		Topics:          topicStatuses(in),
		Problems:        append(slices.Clone(in.invalid), in.problems...),
	}
	if bp := in.blueprint; bp != nil {
		st.DefaultedParameters, st.Endpoints = bp.DefaultedParameters(), endpoints(bp)
	} else {
		// What runs is the last valid spec: keep what it reported.
		st.DefaultedParameters, st.Endpoints = prev.DefaultedParameters, prev.Endpoints
	}
	topics := summarizeTopics(st.Topics)
	st.Phase = applicationPhase(phaseInput{
		invalidAndNothingRuns: in.blueprint == nil && in.observed.Count() == 0,
		streamlets:            st.Streamlets,
		rolling:               rolling,
		topicsReady:           topics.ok,
		wasReady:              wasReady,
	})
	st.Conditions = conditions(in, prev.Conditions, &st, topics, rolling)
	return st
}

// readyCount is "N/M" streamlets running, for the printer column.
func readyCount(streamlets []graph.StreamletStatus) string {
	ready := 0
	for _, s := range streamlets {
		if s.Phase == graph.PhaseRunning {
			ready++
		}
	}
	return fmt.Sprintf("%d/%d", ready, len(streamlets))
}

// endpoints lists the streamlets' HTTP endpoints.
func endpoints(bp *graph.Blueprint) []graph.EndpointStatus {
	var out []graph.EndpointStatus
	for i := range bp.Streamlets {
		if s := &bp.Streamlets[i]; s.Endpoint != nil {
			out = append(out, graph.EndpointStatus{
				Streamlet: s.Name, Service: WorkloadName(bp.Name, s.Name), Port: s.Endpoint.ContainerPort, URL: EndpointURL(bp, s),
			})
		}
	}
	return out
}

// count is "1 thing" or "n things".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// abbreviate lists at most five names, so that a condition stays readable.
func abbreviate(names []string) string {
	const most = 5
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}
