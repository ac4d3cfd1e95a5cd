package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/edit"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/golden"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func example(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "manifests", "examples", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func blueprint(t *testing.T, name string) *graph.Blueprint {
	t.Helper()
	app, err := graph.Parse(example(t, name))
	if err != nil {
		t.Fatal(err)
	}
	bp, problems := graph.Resolve(app)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return bp
}

// rendered is a status as the hook writes it for an example before any
// child exists, written out here so that the goldens hold only this
// package's output: each streamlet Pending, each topic not ready, the
// endpoints and the defaulted parameters.
func rendered(t *testing.T, name string) *graph.Status {
	t.Helper()
	bp := blueprint(t, name)
	st := &graph.Status{ObservedGeneration: 1, Phase: graph.PhasePending, StreamletsReady: fmt.Sprintf("0/%d", len(bp.Streamlets)),
		DefaultedParameters: bp.DefaultedParameters()}
	at := metav1.NewTime(now)
	for _, c := range []struct{ typ, status, reason, msg string }{
		{graph.ConditionBlueprintValid, "True", "Valid", "the blueprint is valid"},
		{graph.ConditionTopicsReady, "False", "TopicsNotReady", fmt.Sprintf("%d managed topics not ready", len(bp.Topics))},
		{graph.ConditionChildrenApplied, "False", "Creating", "children requested"},
		{graph.ConditionReady, "False", "Creating", "children requested"},
	} {
		st.Conditions = append(st.Conditions, metav1.Condition{Type: c.typ, Status: metav1.ConditionStatus(c.status), Reason: c.reason, Message: c.msg, LastTransitionTime: at})
	}
	for _, s := range bp.Streamlets {
		st.Streamlets = append(st.Streamlets, graph.StreamletStatus{Name: s.Name, Runtime: s.Runtime, ExpectedReplicas: s.Replicas,
			Phase: graph.PhasePending, Message: string(s.Runtime) + " workload not created yet"})
		if s.Endpoint != nil {
			svc := name + "-" + s.Name
			st.Endpoints = append(st.Endpoints, graph.EndpointStatus{Streamlet: s.Name, Service: svc, Port: s.Endpoint.ContainerPort,
				URL: fmt.Sprintf("http://%s.demo.svc:%d", svc, s.Endpoint.ContainerPort)})
		}
	}
	for _, tp := range bp.Topics {
		st.Topics = append(st.Topics, graph.TopicStatus{Name: tp.Name, Managed: tp.Managed, Reader: len(tp.Readers) > 0, Message: "KafkaTopic not created yet"})
	}
	return st
}

func TestDefaults(t *testing.T) {
	want := []string{
		"Default value '1 minute' will be used for configuration parameter 'cdr-aggregator.group-by-window'",
		"Default value '1 minute' will be used for configuration parameter 'cdr-aggregator.watermark'",
		"Default value '50' will be used for configuration parameter 'cdr-generator1.records-per-second'",
		"Default value '50' will be used for configuration parameter 'cdr-generator2.records-per-second'",
	}
	if diff := cmp.Diff(want, Defaults(blueprint(t, "call-record-aggregator"))); diff != "" {
		t.Errorf("Defaults mismatch (-want +got):\n%s", diff)
	}
}

func TestMessagesGolden(t *testing.T) {
	got := []string{
		Deployed("call-record-aggregator"),
		Scaled("call-record-aggregator", "cdr-aggregator", 5),
		Undeployed("call-record-aggregator"),
	}
	got = append(got, Configured("call-record-aggregator", []edit.ParameterChange{
		{Streamlet: "cdr-generator1", Key: "records-per-second", Old: "50", New: "100", OldDefault: true},
		{Streamlet: "cdr-generator2", Key: "records-per-second", Old: "70", New: "100"},
	})...)
	got = append(got, Configured("call-record-aggregator", []edit.ParameterChange{
		{Streamlet: "cdr-generator1", Key: "records-per-second", Old: "50", New: "100", OldDefault: true},
	})...)
	got = append(got, Configured("call-record-aggregator", nil)...)
	golden.Check(t, filepath.Join("testdata", "messages.golden"), []byte(strings.Join(got, "\n")+"\n"))
}

func TestStatusGolden(t *testing.T) {
	for _, name := range []string{"call-record-aggregator", "fraud-scoring"} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			a := Application{Namespace: "demo", Name: name, Generation: 1, Status: rendered(t, name)}
			if err := Status(&b, a); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "status-"+name+".golden"), b.Bytes())
		})
	}
}

func TestReady(t *testing.T) {
	st := rendered(t, "call-record-aggregator")
	cases := []struct {
		name  string
		app   Application
		ready bool
		why   string
	}{
		{"no status", Application{Generation: 1}, false, "no status yet: Metacontroller has not synced it (is Sluice installed?)"},
		{"stale", Application{Generation: 2, Status: st}, false, "the status is of generation 1, the application is at 2: Metacontroller has not synced the last edit yet"},
		{"not ready", Application{Generation: 1, Status: st}, false, "children requested"},
	}
	ready := *st
	ready.Conditions = append(ready.Conditions[:0:0], st.Conditions...)
	for i := range ready.Conditions {
		if ready.Conditions[i].Type == graph.ConditionReady {
			ready.Conditions[i].Status, ready.Conditions[i].Message = "True", "8/8 streamlets running"
		}
	}
	cases = append(cases, struct {
		name  string
		app   Application
		ready bool
		why   string
	}{"ready", Application{Generation: 1, Status: &ready}, true, "8/8 streamlets running"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := tc.app.Ready()
			if ok != tc.ready || why != tc.why {
				t.Errorf("Ready() = %v, %q; want %v, %q", ok, why, tc.ready, tc.why)
			}
		})
	}
}

func TestListGolden(t *testing.T) {
	st := rendered(t, "call-record-aggregator")
	apps := []Application{
		{Namespace: "b", Name: "fraud-scoring", Created: now.Add(-49 * time.Hour)},
		{Namespace: "a", Name: "call-record-aggregator", Created: now.Add(-90 * time.Second), Status: st},
		{Namespace: "a", Name: "clicks", Created: now.Add(-3 * time.Hour), Status: st},
	}
	var b bytes.Buffer
	if err := List(&b, apps, true, now); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	if err := List(&b, apps[1:], false, now); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "list.golden"), b.Bytes())
}

func TestProgressGolden(t *testing.T) {
	first := rendered(t, "call-record-aggregator")
	second := *first
	second.Streamlets = append([]graph.StreamletStatus(nil), first.Streamlets...)
	second.Streamlets[0].Phase, second.Streamlets[0].ReadyReplicas, second.Streamlets[0].Message = graph.PhaseRunning, 2, ""
	got := append(Progress(nil, first), "--")
	got = append(got, Progress(first, &second)...)
	got = append(got, "--")
	got = append(got, Progress(&second, &second)...)
	golden.Check(t, filepath.Join("testdata", "progress.golden"), []byte(strings.Join(got, "\n")+"\n"))
}

func TestUndeployGolden(t *testing.T) {
	topics := []KafkaTopic{
		{Name: "fraud-scoring.score.scores"},
		{Name: "fraud-scoring.enrich.out", Unmanaged: true},
		{Name: "fraud-scoring.payments.out", DeletionAllowed: true},
	}
	st := rendered(t, "fraud-scoring")
	var b bytes.Buffer
	for _, policy := range []graph.TopicDeletionPolicy{"", graph.Delete} {
		if err := Undeploy(&b, "demo", "fraud-scoring", policy, append([]KafkaTopic(nil), topics...), st); err != nil {
			t.Fatal(err)
		}
	}
	if err := Undeploy(&b, "demo", "empty", graph.Retain, nil, nil); err != nil {
		t.Fatal(err)
	}
	b.WriteString(Confirm("demo", "fraud-scoring") + "\n")
	golden.Check(t, filepath.Join("testdata", "undeploy.golden"), b.Bytes())
	for answer, want := range map[string]bool{"y\n": true, "YES": true, "": false, "n": false, "yes please": false} {
		if got := Confirmed(answer); got != want {
			t.Errorf("Confirmed(%q) = %v, want %v", answer, got, want)
		}
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{-time.Second: "0s", 45 * time.Second: "45s", 12 * time.Minute: "12m", 5 * time.Hour: "5h", 80 * time.Hour: "3d"} {
		if got := Age(d); got != want {
			t.Errorf("Age(%s) = %q, want %q", d, got, want)
		}
	}
}
