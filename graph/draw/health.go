package draw

import (
	"fmt"

	"github.com/sluice-dev/sluice/graph"
)

// Health is how a node or edge is coloured.
type Health string

// Healths, from the status. None draws without colour.
const (
	None     Health = ""
	Healthy  Health = "healthy"
	Waiting  Health = "waiting"
	Degraded Health = "degraded"
	Failed   Health = "failed"
	Retained Health = "retained"
)

// colours are the fill and line colours of each health.
var colours = map[Health]struct{ fill, line string }{
	Healthy:  {"#d4edda", "#1e7e34"},
	Waiting:  {"#e2e3e5", "#6c757d"},
	Degraded: {"#fff3cd", "#b8860b"},
	Failed:   {"#f8d7da", "#c82333"},
	Retained: {"#f0f0f0", "#999999"},
}

// healths is the order classes are declared in.
var healths = []Health{Healthy, Waiting, Degraded, Failed, Retained}

// view is what a drawing shows of the status.
type view struct {
	streamlets map[string]graph.StreamletStatus
	topics     map[string]graph.TopicStatus
	// retained are topics the status lists as retained: their outlets left
	// the blueprint, so they are drawn apart.
	retained []string
}

func newView(st *graph.Status) *view {
	if st == nil {
		return nil
	}
	v := &view{streamlets: map[string]graph.StreamletStatus{}, topics: map[string]graph.TopicStatus{}}
	for _, s := range st.Streamlets {
		v.streamlets[s.Name] = s
	}
	for _, t := range st.Topics {
		v.topics[t.Name] = t
		if t.Retained {
			v.retained = append(v.retained, t.Name)
		}
	}
	return v
}

// streamlet is a streamlet's health and the line its label gets.
func (v *view) streamlet(name string) (Health, string) {
	if v == nil {
		return None, ""
	}
	s, ok := v.streamlets[name]
	if !ok {
		return Waiting, "no status yet"
	}
	line := fmt.Sprintf("%d/%d %s", s.ReadyReplicas, s.ExpectedReplicas, s.Phase)
	switch s.Phase {
	case graph.PhaseRunning:
		return Healthy, line
	case graph.PhaseDegraded:
		return Degraded, line
	case graph.PhaseFailed:
		return Failed, line
	}
	return Waiting, line
}

// topic is a topic's health.
func (v *view) topic(name string) Health {
	if v == nil {
		return None
	}
	t, ok := v.topics[name]
	switch {
	case !ok:
		return Waiting
	case t.Retained:
		return Retained
	case t.Ready:
		return Healthy
	case t.Managed:
		return Degraded
	}
	return Waiting
}
