package children

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/graph"
)

// PrometheusRuleKind is the Prometheus operator's rule kind (the monitoring
// component); its apiVersion comes from the CompositeController.
const PrometheusRuleKind = "PrometheusRule"

// PrometheusRule is the part of the Prometheus operator's PrometheusRule that
// Sluice writes.
type PrometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PrometheusRuleSpec `json:"spec"`
}

// PrometheusRuleSpec holds the rule groups.
type PrometheusRuleSpec struct {
	Groups []RuleGroup `json:"groups"`
}

// RuleGroup is one group of rules, evaluated in order.
type RuleGroup struct {
	Name  string      `json:"name"`
	Rules []AlertRule `json:"rules"`
}

// AlertRule is one alerting rule.
type AlertRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// The alerts a streamlet gets, by alertname.
const (
	AlertPodNotReady         = "SluiceStreamletPodNotReady"
	AlertContainerRestarting = "SluiceStreamletContainerRestarting"
	AlertScrapeTargetDown    = "SluiceStreamletScrapeTargetDown"
	AlertInletConsumerLag    = "SluiceInletConsumerLag"
	AlertOutletNoThroughput  = "SluiceOutletNoThroughput"
)

// When the alerts fire: Sluice's defaults, told in each description.
const (
	lagThreshold            = 1000 // records behind, summed over the topic's partitions
	lagMinutes              = 10
	notReadyMinutes         = 10
	restartWindowMinutes    = 10
	restartingMinutes       = 15
	targetDownMinutes       = 10
	throughputWindowMinutes = 5
	noThroughputMinutes     = 15
	alertSeverity           = "warning"
)

// AnnotationAlertsNeed on a PrometheusRule says what the Prometheus that
// loads it must scrape for its alerts to fire: an alert whose series are
// missing never fires, and says nothing.
const AnnotationAlertsNeed = "sluice.dev/alerts-need"

const alertsNeed = "kube-state-metrics run with --metric-labels-allowlist=pods=[" + LabelApp + "," + LabelStreamlet + "]" +
	" (the pod, restart, scrape and throughput alerts find the streamlet's pods by joining kube_pod_labels on namespace and pod);" +
	" Strimzi's Kafka Exporter (spec.kafkaExporter of the Kafka resource) scraped by the same Prometheus (the lag and throughput alerts)"

// NewPrometheusRule is a streamlet's alerts: its pods not ready, a container
// restarting, its metrics target down (with spec.metrics), each inlet's
// consumer lag over the threshold, and no records on its outlets' topics
// while it runs. A streamlet gets one of its own, named like its workload:
// the rules of an application at the CRD's caps (a hundred streamlets of 32
// ports, topic names of 249 characters) are megabytes, more than one object
// may hold with the last-applied copy Metacontroller keeps in an annotation,
// and a streamlet's own are at most tens of kilobytes.
func NewPrometheusRule(bp *graph.Blueprint, s *graph.ResolvedStreamlet, apiVersion string) *PrometheusRule {
	return &PrometheusRule{
		TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: PrometheusRuleKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:        PrometheusRuleName(bp.Name, s.Name),
			Namespace:   bp.Namespace,
			Labels:      Labels(bp.Name, s.Name, ComponentAlerts),
			Annotations: map[string]string{AnnotationAlertsNeed: alertsNeed},
		},
		Spec: PrometheusRuleSpec{Groups: []RuleGroup{{
			Name:  "sluice/" + bp.Name + "/" + s.Name,
			Rules: StreamletAlerts(bp, s),
		}}},
	}
}

// StreamletAlerts are the alerting rules of one streamlet, in a fixed order:
// the pod alerts, the scrape alert, one for its inlets (sorted by inlet) and
// one for its outlets.
func StreamletAlerts(bp *graph.Blueprint, s *graph.ResolvedStreamlet) []AlertRule {
	a := alerting{bp: bp, s: s, who: fmt.Sprintf("streamlet %s of application %s (namespace %s)", s.Name, bp.Name, bp.Namespace)}
	rules := []AlertRule{a.podNotReady(), a.containerRestarting()}
	if bp.Metrics != nil {
		rules = append(rules, a.scrapeTargetDown())
	}
	// A Spark streamlet keeps its offsets in its checkpoint and commits none
	// to Kafka (its consumers use generated groups of the inlet's prefix), so
	// Kafka Exporter reports no lag for it: it gets no lag alert. Nor does a
	// suspended streamlet, which falls behind on purpose.
	if s.Runtime != graph.Spark && !s.Suspended {
		inlets := slices.Clone(s.Inlets)
		slices.SortFunc(inlets, func(x, y graph.Wire) int { return strings.Compare(x.Port, y.Port) })
		if len(inlets) > 0 {
			rules = append(rules, a.inletsConsumerLag(inlets))
		}
	}
	if len(s.Outlets) > 0 {
		rules = append(rules, a.outletsNoThroughput())
	}
	return rules
}

// alerting builds the rules of one streamlet.
type alerting struct {
	bp  *graph.Blueprint
	s   *graph.ResolvedStreamlet
	who string // "streamlet S of application A (namespace N)"
}

// labels are every alert's labels.
func (a alerting) labels() map[string]string {
	return map[string]string{
		"severity":          alertSeverity,
		"namespace":         a.bp.Namespace,
		promLabel(LabelApp): a.bp.Name,
		"streamlet":         a.s.Name,
	}
}

// podLabels selects the streamlet's pods among kube-state-metrics'
// kube_pod_labels: kube-state-metrics exports pod labels only there, and
// only those its --metric-labels-allowlist names.
func (a alerting) podLabels() string {
	return fmt.Sprintf("kube_pod_labels{namespace=%q, %s=%q, %s=%q}",
		a.bp.Namespace, kubeStateMetricsLabel(LabelApp), a.bp.Name, kubeStateMetricsLabel(LabelStreamlet), a.s.Name)
}

// ofStreamlet keeps the series of vector (each with namespace and pod
// labels) that belong to the streamlet's pods.
func (a alerting) ofStreamlet(vector string) string {
	return fmt.Sprintf("%s\n* on (namespace, pod) group_left (%s)\n  %s", vector, kubeStateMetricsLabel(LabelStreamlet), a.podLabels())
}

// rule is an alert of the streamlet, with its labels, pending for
// forMinutes before it fires.
func (a alerting) rule(alert, expr string, forMinutes int, summary, description string) AlertRule {
	return AlertRule{Alert: alert, Expr: expr, For: minutes(forMinutes), Labels: a.labels(),
		Annotations: map[string]string{"summary": summary, "description": description}}
}

func (a alerting) podNotReady() AlertRule {
	ns := a.bp.Namespace
	expr := a.ofStreamlet(fmt.Sprintf("(\n  kube_pod_status_ready{namespace=%q, condition=\"true\"} == 0\n"+
		"  unless on (namespace, pod) kube_pod_status_phase{namespace=%q, phase=~\"Succeeded|Failed\"} == 1\n)", ns, ns))
	return a.rule(AlertPodNotReady, expr, notReadyMinutes,
		fmt.Sprintf("Pod {{ $labels.pod }} of streamlet %s (%s) is not ready", a.s.Name, a.bp.Name),
		fmt.Sprintf("Pod {{ $labels.pod }} of %s has not been ready for %d minutes. "+
			"Look at its events and probes (kubectl -n %s describe pod {{ $labels.pod }}), its logs, "+
			"and the streamlet's status (kubectl -n %s get sapp %s -o yaml).",
			a.who, notReadyMinutes, ns, ns, a.bp.Name))
}

func (a alerting) containerRestarting() AlertRule {
	ns := a.bp.Namespace
	expr := a.ofStreamlet(fmt.Sprintf("(increase(kube_pod_container_status_restarts_total{namespace=%q}[%s]) > 0)",
		ns, minutes(restartWindowMinutes)))
	return a.rule(AlertContainerRestarting, expr, restartingMinutes,
		fmt.Sprintf("Container {{ $labels.container }} of streamlet %s (%s) keeps restarting", a.s.Name, a.bp.Name),
		fmt.Sprintf("Container {{ $labels.container }} of pod {{ $labels.pod }} of %s "+
			"restarted {{ $value | printf \"%%.0f\" }} times in the last %d minutes and has kept restarting for %d minutes. "+
			"Look at the logs of its last run (kubectl -n %s logs {{ $labels.pod }} -c {{ $labels.container }} --previous) "+
			"and at why it ended (kubectl -n %s describe pod {{ $labels.pod }}: last state, exit code, OOMKilled).",
			a.who, restartWindowMinutes, restartingMinutes, ns, ns))
}

// scrapeTargetDown watches the targets of the application's PodMonitor,
// whose job the Prometheus operator names <namespace>/<PodMonitor name>.
func (a alerting) scrapeTargetDown() AlertRule {
	ns := a.bp.Namespace
	job := ns + "/" + PodMonitorName(a.bp.Name)
	path := a.bp.Metrics.Path
	if path == "" {
		path = "/metrics"
	}
	expr := a.ofStreamlet(fmt.Sprintf("(up{job=%q, namespace=%q} == 0)", job, ns))
	return a.rule(AlertScrapeTargetDown, expr, targetDownMinutes,
		fmt.Sprintf("Prometheus cannot scrape pod {{ $labels.pod }} of streamlet %s (%s)", a.s.Name, a.bp.Name),
		fmt.Sprintf("Prometheus could not scrape pod {{ $labels.pod }} of %s for %d minutes "+
			"(PodMonitor %s: port %s, path %s, from spec.metrics). "+
			"Look at the target's last error on Prometheus' Targets page (job %s), and check that the streamlet serves metrics on port %d.",
			a.who, targetDownMinutes, job, portMetrics, path, job, a.bp.Metrics.Port))
}

// inletsConsumerLag watches the lag of each inlet's consumer group on
// exactly the inlet's topic (a group may keep offsets of a topic the inlet
// no longer reads), each series labelled with its inlet. One rule for all
// inlets: one per inlet would make a streamlet's rules several times as big.
func (a alerting) inletsConsumerLag(inlets []graph.Wire) AlertRule {
	lags := make([]string, len(inlets))
	for i, in := range inlets {
		lags[i] = fmt.Sprintf("label_replace(kafka_consumergroup_lag{consumergroup=%q, topic=%q}, \"inlet\", %q, \"consumergroup\", \".*\")",
			in.ConsumerGroup, in.Topic, in.Port)
	}
	flink := ""
	if a.s.Runtime == graph.Flink {
		flink = " Flink commits offsets only when it completes a checkpoint, so the lag also counts the records read since the last one."
	}
	expr := fmt.Sprintf("sum by (consumergroup, topic, inlet) (\n    %s\n) > %d", strings.Join(lags, "\n  or\n    "), lagThreshold)
	return a.rule(AlertInletConsumerLag, expr, lagMinutes,
		fmt.Sprintf("Inlet {{ $labels.inlet }} of streamlet %s (%s) is more than %d records behind on topic {{ $labels.topic }}",
			a.s.Name, a.bp.Name, lagThreshold),
		fmt.Sprintf("Consumer group {{ $labels.consumergroup }} of inlet {{ $labels.inlet }} of %s "+
			"has been more than %d records behind on topic {{ $labels.topic }} for %d minutes "+
			"({{ $value | printf \"%%.0f\" }} now, summed over the partitions; %d records for %d minutes is Sluice's default).%s "+
			"The streamlet reads more slowly than the topic is written, or not at all: look at its pods' readiness and restarts, "+
			"its logs, and whether more replicas would help, or at a burst of records on the topic.",
			a.who, lagThreshold, lagMinutes, lagThreshold, lagMinutes, flink))
}

// outletsNoThroughput watches the offsets of every topic the streamlet
// writes, while at least one of its pods is ready.
func (a alerting) outletsNoThroughput() AlertRule {
	var topics []string
	for _, out := range a.s.Outlets {
		topics = append(topics, out.Topic)
	}
	slices.Sort(topics)
	topics = slices.Compact(topics)
	ns := a.bp.Namespace
	running := a.ofStreamlet(fmt.Sprintf("(kube_pod_status_ready{namespace=%q, condition=\"true\"} == 1)", ns))
	idle := "its inlets are idle too"
	if len(a.s.Inlets) == 0 {
		idle = "its source is idle"
	}
	expr := fmt.Sprintf("(\n  sum by (topic) (rate(kafka_topic_partition_current_offset{%s}[%s])) == 0\n)\nand on ()\n(\n  count(\n    %s\n  ) > 0\n)",
		labelMatcher("topic", topics), minutes(throughputWindowMinutes), strings.ReplaceAll(running, "\n", "\n    "))
	return a.rule(AlertOutletNoThroughput, expr, noThroughputMinutes,
		fmt.Sprintf("No records written to topic {{ $labels.topic }} by streamlet %s (%s)", a.s.Name, a.bp.Name),
		fmt.Sprintf("Topic {{ $labels.topic }}, an outlet of %s, has had no new records for %d minutes "+
			"while a pod of the streamlet was ready. Look at the streamlet's logs (it may fail to produce: authorization, "+
			"an unreachable or full broker) and at its inputs: if %s, this may be expected.",
			a.who, noThroughputMinutes, idle))
}

// labelMatcher matches label to one value, or to any of several.
func labelMatcher(label string, values []string) string {
	if len(values) == 1 {
		return fmt.Sprintf("%s=%q", label, values[0])
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return fmt.Sprintf("%s=~%q", label, strings.Join(quoted, "|"))
}

// minutes is a Prometheus duration.
func minutes(n int) string { return fmt.Sprintf("%dm", n) }

// promLabel is a Kubernetes label key as a Prometheus label name.
func promLabel(key string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, key)
}

// kubeStateMetricsLabel is the label of kube_pod_labels that carries a pod
// label, as kube-state-metrics names it.
func kubeStateMetricsLabel(key string) string { return "label_" + promLabel(key) }
