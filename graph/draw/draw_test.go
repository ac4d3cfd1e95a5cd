package draw

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/golden"
)

func blueprint(t *testing.T, example string) *graph.Blueprint {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "manifests", "examples", example+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := graph.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	bp, problems := graph.Resolve(app)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return bp
}

// health is a status of every health at once: the first streamlet runs,
// the second is degraded, the third failed, the rest pending; the first
// topic is ready, the others not; one topic is retained.
func health(bp *graph.Blueprint) *graph.Status {
	st := &graph.Status{}
	phases := []graph.Phase{graph.PhaseRunning, graph.PhaseDegraded, graph.PhaseFailed}
	for i, s := range bp.Streamlets {
		p, ready := graph.PhasePending, int32(0)
		if i < len(phases) {
			p = phases[i]
		}
		if p == graph.PhaseRunning {
			ready = s.Replicas
		}
		st.Streamlets = append(st.Streamlets, graph.StreamletStatus{Name: s.Name, Runtime: s.Runtime, ExpectedReplicas: s.Replicas, ReadyReplicas: ready, Phase: p})
	}
	for i, t := range bp.Topics {
		st.Topics = append(st.Topics, graph.TopicStatus{Name: t.Name, Managed: t.Managed, Ready: i == 0, Reader: len(t.Readers) > 0})
	}
	st.Topics = append(st.Topics, graph.TopicStatus{Name: bp.Name + ".gone.out", Managed: true, Ready: true, Retained: true})
	return st
}

// TestGolden draws every example in both formats, without and with a
// status, and compares with testdata/<example>[-status].{dot,mmd}.
func TestGolden(t *testing.T) {
	for _, example := range []string{"call-record-aggregator", "fraud-scoring", "clickstream-sessions"} {
		bp := blueprint(t, example)
		for suffix, st := range map[string]*graph.Status{"": nil, "-status": health(bp)} {
			t.Run(example+suffix, func(t *testing.T) {
				golden.Check(t, filepath.Join("testdata", example+suffix+".dot"), []byte(DOT(bp, st)))
				golden.Check(t, filepath.Join("testdata", example+suffix+".mmd"), []byte(Mermaid(bp, st)))
			})
		}
	}
}

func TestQuote(t *testing.T) {
	if diff := cmp.Diff(`"a #quot;b#quot;"`, quote(`a "b"`)); diff != "" {
		t.Errorf("quote mismatch (-want +got):\n%s", diff)
	}
}
