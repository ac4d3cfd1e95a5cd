package children

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/graph"
)

// lagInlets are the inlets a lag rule labels its series with.
var lagInlets = regexp.MustCompile(`"inlet", "([^"]+)"`)

// alertNames are a streamlet's alerts in a short form for the tables: the
// alertname without Sluice, and the inlets of the lag alert.
func alertNames(rules []AlertRule) []string {
	var out []string
	for _, r := range rules {
		name := strings.TrimPrefix(r.Alert, "Sluice")
		var inlets []string
		for _, m := range lagInlets.FindAllStringSubmatch(r.Expr, -1) {
			inlets = append(inlets, m[1])
		}
		if len(inlets) > 0 {
			name += " " + strings.Join(inlets, ",")
		}
		out = append(out, name)
	}
	return out
}

func streamletOf(t *testing.T, bp *graph.Blueprint, name string) *graph.ResolvedStreamlet {
	t.Helper()
	for i := range bp.Streamlets {
		if bp.Streamlets[i].Name == name {
			return &bp.Streamlets[i]
		}
	}
	t.Fatalf("no streamlet %s", name)
	return nil
}

// TestStreamletAlerts: which alerts each streamlet gets. Every streamlet is
// watched for pods not ready and containers restarting; with spec.metrics
// for its scrape target; an inlet for its lag, but not on Spark (its
// offsets live in its checkpoint); its outlets for throughput.
func TestStreamletAlerts(t *testing.T) {
	const (
		cra = "call-record-aggregator"
		fs  = "fraud-scoring"
		cs  = "clickstream-sessions"
	)
	pods := []string{"StreamletPodNotReady", "StreamletContainerRestarting"}
	scraped := append(slices.Clone(pods), "StreamletScrapeTargetDown")
	with := func(base []string, more ...string) []string { return append(slices.Clone(base), more...) }
	suspendMerge := func(a *graph.StreamingApplication) {
		for i := range a.Spec.Streamlets {
			if a.Spec.Streamlets[i].Name == "merge" {
				a.Spec.Streamlets[i].Suspend = true
			}
		}
	}
	tests := []struct {
		name      string
		example   string
		streamlet string
		want      []string
		mods      []func(*graph.StreamingApplication)
	}{
		{"spark source: its outlet", cra, "cdr-generator1", with(pods, "OutletNoThroughput"), nil},
		{"akka source: its outlet", cra, "cdr-ingress", with(pods, "OutletNoThroughput"), nil},
		{"akka: every inlet, sorted, and the outlet", cra, "merge", with(pods, "InletConsumerLag in-0,in-1,in-2", "OutletNoThroughput"), nil},
		{"two outlets: one throughput alert", cra, "cdr-validator", with(pods, "InletConsumerLag in", "OutletNoThroughput"), nil},
		{"spark inlet: no lag alert", cra, "cdr-aggregator", with(pods, "OutletNoThroughput"), nil},
		{"sink: no throughput alert", cra, "console-egress", with(pods, "InletConsumerLag in"), nil},
		{"spec.metrics: the scrape target too", fs, "payments", with(scraped, "OutletNoThroughput"), nil},
		{"an existing topic's inlet", fs, "enrich", with(scraped, "InletConsumerLag in,users", "OutletNoThroughput"), nil},
		{"flink: lag from its checkpoint commits", fs, "score", with(scraped, "InletConsumerLag in", "OutletNoThroughput"), nil},
		{"flink without spec.metrics", cs, "sessionize", with(pods, "InletConsumerLag in", "OutletNoThroughput"), nil},
		{"spark sink of a topic it reads", cs, "metrics", with(pods, "OutletNoThroughput"), nil},
		{"suspended: behind on purpose, no lag alert", cra, "merge", with(pods, "OutletNoThroughput"), []func(*graph.StreamingApplication){suspendMerge}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bp := blueprint(t, tc.example, tc.mods...)
			got := alertNames(StreamletAlerts(bp, streamletOf(t, bp, tc.streamlet)))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("alerts of %s mismatch (-want +got):\n%s", tc.streamlet, diff)
			}
		})
	}
}

// TestAlertSubjects: each alert names exactly its streamlet, and the lag
// and throughput alerts exactly its consumer groups, topics and inlets, in
// their expressions and their text.
func TestAlertSubjects(t *testing.T) {
	bp := blueprint(t, "fraud-scoring")
	s := streamletOf(t, bp, "enrich")
	wantLabels := map[string]string{"severity": "warning", "namespace": "payments", "sluice_dev_app": "fraud-scoring", "streamlet": "enrich"}
	for _, r := range StreamletAlerts(bp, s) {
		if diff := cmp.Diff(wantLabels, r.Labels); diff != "" {
			t.Errorf("%s: labels mismatch (-want +got):\n%s", r.Alert, diff)
		}
		for _, key := range []string{"summary", "description"} {
			if text := r.Annotations[key]; !strings.Contains(text, "streamlet enrich") {
				t.Errorf("%s %s: %q does not name the streamlet", r.Alert, key, text)
			}
		}
		if !regexp.MustCompile(`^[0-9]+m$`).MatchString(r.For) {
			t.Errorf("%s: for %q is not a duration in minutes", r.Alert, r.For)
		}
		switch r.Alert {
		case AlertInletConsumerLag:
			for _, sel := range []string{
				`kafka_consumergroup_lag{consumergroup="fraud-scoring.enrich.in", topic="fraud-scoring.payments.out"}, "inlet", "in"`,
				`kafka_consumergroup_lag{consumergroup="fraud-scoring.enrich.users", topic="shared.users"}, "inlet", "users"`,
			} {
				if !strings.Contains(r.Expr, sel) {
					t.Errorf("%s: the expression does not select %s:\n%s", r.Alert, sel, r.Expr)
				}
			}
			if n := strings.Count(r.Expr, "kafka_consumergroup_lag{"); n != 2 {
				t.Errorf("%s: %d selectors, want one per inlet (2):\n%s", r.Alert, n, r.Expr)
			}
			for _, want := range []string{"{{ $labels.consumergroup }}", "{{ $labels.inlet }}", "{{ $labels.topic }}", "1000 records for 10 minutes is Sluice's default"} {
				if d := r.Annotations["description"]; !strings.Contains(d, want) {
					t.Errorf("%s: the description does not say %s: %q", r.Alert, want, d)
				}
			}
		case AlertOutletNoThroughput:
			if !strings.Contains(r.Expr, `kafka_topic_partition_current_offset{topic="fraud-scoring.enrich.out"}`) {
				t.Errorf("%s: the expression does not select the outlet's topic:\n%s", r.Alert, r.Expr)
			}
			fallthrough
		default:
			if !strings.Contains(r.Expr, `kube_pod_labels{namespace="payments", label_sluice_dev_app="fraud-scoring", label_sluice_dev_streamlet="enrich"}`) {
				t.Errorf("%s: the expression does not select the streamlet's pods:\n%s", r.Alert, r.Expr)
			}
		}
	}
}

// TestOutletTopicsMatcher: several outlets are matched by one anchored
// regular expression, their dots escaped; one by equality.
func TestOutletTopicsMatcher(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   string
	}{
		{[]string{"a.b.c"}, `topic="a.b.c"`},
		{[]string{"a.b.c", "a.b.d"}, `topic=~"a\\.b\\.c|a\\.b\\.d"`},
	} {
		if got := labelMatcher("topic", tc.values); got != tc.want {
			t.Errorf("labelMatcher(%q) = %s, want %s", tc.values, got, tc.want)
		}
	}
}

// TestPrometheusRulesOnlyWhereListed: a PrometheusRule per streamlet, named
// like its workload, where the controller lists the kind; where it does not,
// none, and no problem: no application asks for alerts.
func TestPrometheusRulesOnlyWhereListed(t *testing.T) {
	bp := blueprint(t, "fraud-scoring")
	var names []string
	for _, u := range desired(t, bp) {
		if u.GetKind() == PrometheusRuleKind {
			names = append(names, u.GetName())
			if u.GetAPIVersion() != MonitoringAPIVersion {
				t.Errorf("PrometheusRule %s under %s, want %s", u.GetName(), u.GetAPIVersion(), MonitoringAPIVersion)
			}
		}
	}
	var want []string
	for _, s := range bp.Streamlets {
		want = append(want, PrometheusRuleName(bp.Name, s.Name))
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("PrometheusRules mismatch (-want +got):\n%s", diff)
	}

	unlisted := maps.Clone(allKinds)
	delete(unlisted, PrometheusRuleKind)
	objs, problems, err := Desired(bp, unlisted)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("problems without the PrometheusRule kind: %q, want none", problems)
	}
	for _, c := range objs {
		if c.Kind() == PrometheusRuleKind {
			t.Errorf("PrometheusRule %s made although the controller does not list the kind", c.Name())
		}
	}
}
