package manifests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// knownMetrics are the series Sluice's dashboard and alerts may use: what
// Sluice's hook exports, what kube-state-metrics exports (its own, and
// Sluice's custom-resource-state configuration's), what Strimzi's Kafka
// Exporter exports, and Prometheus' own `up`. A query naming anything else
// would draw nothing.
var knownMetrics = []string{
	// The hook (hooks/metrics.go).
	"sluice_hook_requests_total", "sluice_hook_request_duration_seconds_bucket", "sluice_hook_request_duration_seconds_count",
	"sluice_hook_request_size_bytes_bucket", "sluice_hook_requests_in_flight", "sluice_hook_answers_total",
	// kube-state-metrics with monitoring/kube-state-metrics.yaml.
	"sluice_application_phase", "sluice_application_observed_generation", "sluice_application_condition",
	"sluice_application_streamlet_ready_replicas", "sluice_application_streamlet_expected_replicas",
	"sluice_application_topic_ready", "sluice_application_topic_retained",
	// kube-state-metrics.
	"kube_pod_labels", "kube_pod_status_ready", "kube_pod_status_phase", "kube_pod_container_status_restarts_total",
	"kube_pod_container_status_waiting_reason",
	// Strimzi's Kafka Exporter.
	"kafka_consumergroup_lag", "kafka_topic_partition_current_offset", "kafka_topic_partitions",
	// Prometheus.
	"up",
}

// grafanaVariables are replaced by example values before parsing, as Grafana
// does before sending a query.
var grafanaVariables = strings.NewReplacer(
	"$__rate_interval", "5m", "$namespace", "demo", "$application", "app", "$streamlet", ".*", "${datasource}", "prom",
)

// podLabelsAllowlist are the pod labels kube-state-metrics must be told to
// export (--metric-labels-allowlist=pods=[sluice.dev/app,sluice.dev/streamlet],
// as README.md says), as the labels of kube_pod_labels they become.
var podLabelsAllowlist = []string{"label_sluice_dev_app", "label_sluice_dev_streamlet"}

// checkQuery parses a PromQL expression and reports the metrics it selects
// that are not known, and the labels of kube_pod_labels it matches that
// kube-state-metrics is not told to export.
func checkQuery(expr string) error {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return err
	}
	var unknown, unexported []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if !slices.Contains(knownMetrics, vs.Name) {
			unknown = append(unknown, vs.Name)
		}
		for _, m := range vs.LabelMatchers {
			if vs.Name == "kube_pod_labels" && strings.HasPrefix(m.Name, "label_") && !slices.Contains(podLabelsAllowlist, m.Name) {
				unexported = append(unexported, m.Name)
			}
		}
		return nil
	})
	switch {
	case len(unknown) > 0:
		return fmt.Errorf("metrics no exporter Sluice relies on exports: %q", unknown)
	case len(unexported) > 0:
		return fmt.Errorf("pod labels kube-state-metrics is not told to export (%q): %q", podLabelsAllowlist, unexported)
	}
	return nil
}

// TestDashboard: the Grafana dashboard is JSON with the three variables,
// and every query of a panel or a variable parses as PromQL and selects
// known metrics only.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("chart", "sluice", "dashboards", "sluice-application.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Type       string `json:"type"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	var vars []string
	for _, v := range d.Templating.List {
		vars = append(vars, v.Name)
		if v.Type != "query" {
			continue
		}
		// label_values(METRIC{…}, label): the selector must parse.
		inner, ok := strings.CutPrefix(v.Definition, "label_values(")
		i := strings.LastIndex(inner, ",")
		if !ok || i < 0 {
			t.Errorf("variable %s: %q is not label_values(selector, label)", v.Name, v.Definition)
			continue
		}
		if err := checkQuery(grafanaVariables.Replace(inner[:i])); err != nil {
			t.Errorf("variable %s: %v", v.Name, err)
		}
	}
	for _, want := range []string{"namespace", "application", "streamlet"} {
		if !slices.Contains(vars, want) {
			t.Errorf("no variable %s among %q", want, vars)
		}
	}
	queries := 0
	for _, p := range d.Panels {
		for _, target := range p.Targets {
			queries++
			if err := checkQuery(grafanaVariables.Replace(target.Expr)); err != nil {
				t.Errorf("panel %q: %v\n%s", p.Title, err, target.Expr)
			}
		}
	}
	if queries < 8 {
		t.Errorf("dashboard has %d queries, want one per panel at least", queries)
	}
	if err := checkQuery(`rate(not_a_metric_anyone_exports[5m])`); err == nil {
		t.Error("checkQuery took an unknown metric")
	}
	if err := checkQuery(`sum by (`); err == nil {
		t.Error("checkQuery took a broken expression")
	}
}

// alertTemplatePrefix is what Prometheus puts before every alert annotation
// it expands, so that $labels and $value mean what they do there.
const alertTemplatePrefix = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

// checkTemplate expands an alert annotation as Prometheus would, with labels
// and a value, and reports what does not parse or expand.
func checkTemplate(text string) error {
	tmpl, err := template.New("annotation").Option("missingkey=zero").Parse(alertTemplatePrefix + text)
	if err != nil {
		return err
	}
	data := struct {
		Labels, ExternalLabels map[string]string
		ExternalURL            string
		Value                  float64
	}{Labels: map[string]string{"pod": "p", "container": "c", "topic": "t", "consumergroup": "g", "inlet": "in"}, Value: 1234}
	return tmpl.Execute(new(bytes.Buffer), data)
}

// TestAlertRules: every PrometheusRule golden of children (the rules Sluice
// makes for the examples) holds alerting rules the Prometheus operator and
// Prometheus load: each expression parses as PromQL and selects known
// metrics only, each for: is a Prometheus duration, labels are valid label
// names and carry severity, sluice_dev_app and streamlet, and the summary
// and description expand as Prometheus expands them.
func TestAlertRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "children", "testdata", "*", "PrometheusRule.golden.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no PrometheusRule golden under children/testdata (run make golden)")
	}
	alerts := map[string]bool{}
	n := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(b), "---\n") {
			var pr struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name        string            `json:"name"`
					Namespace   string            `json:"namespace"`
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
				Spec struct {
					Groups []struct {
						Name  string `json:"name"`
						Rules []struct {
							Alert       string            `json:"alert"`
							Expr        string            `json:"expr"`
							For         string            `json:"for"`
							Labels      map[string]string `json:"labels"`
							Annotations map[string]string `json:"annotations"`
						} `json:"rules"`
					} `json:"groups"`
				} `json:"spec"`
			}
			if err := yaml.UnmarshalStrict([]byte(doc), &pr); err != nil {
				t.Errorf("%s: document %d: %v", file, i, err)
				continue
			}
			if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
				t.Errorf("%s: document %d is a %s %s, want a monitoring.coreos.com/v1 PrometheusRule", file, i, pr.APIVersion, pr.Kind)
			}
			groups := map[string]bool{}
			for _, g := range pr.Spec.Groups {
				if g.Name == "" || groups[g.Name] {
					t.Errorf("%s: PrometheusRule %s: group %q empty or repeated", file, pr.Metadata.Name, g.Name)
				}
				groups[g.Name] = true
				for _, r := range g.Rules {
					n++
					alerts[r.Alert] = true
					at := fmt.Sprintf("%s: PrometheusRule %s: %s", file, pr.Metadata.Name, r.Alert)
					if !model.UTF8Validation.IsValidMetricName(r.Alert) || !model.LegacyValidation.IsValidMetricName(r.Alert) {
						t.Errorf("%s: not a valid alert name", at)
					}
					if err := checkQuery(r.Expr); err != nil {
						t.Errorf("%s: %v\n%s", at, err, r.Expr)
					}
					if d, err := model.ParseDuration(r.For); err != nil || d == 0 {
						t.Errorf("%s: for %q is not a Prometheus duration: %v", at, r.For, err)
					}
					for name := range r.Labels {
						if !model.LegacyValidation.IsValidLabelName(name) {
							t.Errorf("%s: label %q is not a valid label name", at, name)
						}
					}
					for _, want := range []string{"severity", "sluice_dev_app", "streamlet"} {
						if r.Labels[want] == "" {
							t.Errorf("%s: no label %s", at, want)
						}
					}
					for _, key := range []string{"summary", "description"} {
						if r.Annotations[key] == "" {
							t.Errorf("%s: no annotation %s", at, key)
						} else if err := checkTemplate(r.Annotations[key]); err != nil {
							t.Errorf("%s: annotation %s: %v", at, key, err)
						}
					}
				}
			}
		}
	}
	t.Logf("%d rules in %d goldens", n, len(files))
	for _, want := range []string{
		"SluiceStreamletPodNotReady", "SluiceStreamletContainerRestarting", "SluiceStreamletScrapeTargetDown",
		"SluiceInletConsumerLag", "SluiceOutletNoThroughput",
	} {
		if !alerts[want] {
			t.Errorf("no golden holds alert %s: the examples no longer cover it", want)
		}
	}
	for _, bad := range []string{`kube_pod_labels{label_app="x"}`, `sum(rate(kafka_topic_partition_current_offset[5m]) ==`} {
		if err := checkQuery(bad); err == nil {
			t.Errorf("checkQuery took %s", bad)
		}
	}
	if err := checkTemplate(`{{ $labels.pod `); err == nil {
		t.Error("checkTemplate took a broken template")
	}
}
