package hooks

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of an answered hook call, for sluice_hook_answers_total.
const (
	outcomeNormal     = "normal"     // a valid blueprint's children
	outcomeFrozen     = "frozen"     // an invalid blueprint: every child kept as last applied
	outcomeFinalizing = "finalizing" // finalize, waiting for topics to carry their mark
	outcomeFinalized  = "finalized"  // finalize, done
)

// metrics are the hook's own series, on a registry of the handler's (not
// the global one), with the Go runtime's and the process's. Application
// series come from the parents' status through kube-state-metrics
// (manifests/monitoring): the hook sees each parent on only some replicas.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	size     *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
	answers  *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_hook_requests_total", Help: "Hook calls by hook and HTTP status code.",
		}, []string{"hook", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sluice_hook_request_duration_seconds", Help: "Time from a hook call's arrival to its answer, by hook.",
			// Metacontroller gives up after 10 s; the hook after 9 s.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 9, 10},
		}, []string{"hook"}),
		size: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sluice_hook_request_size_bytes", Help: "Size of each hook call's body, by hook.",
			// 1 KiB to 256 MiB, past MaxRequestBytes.
			Buckets: prometheus.ExponentialBuckets(1024, 4, 10),
		}, []string{"hook"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sluice_hook_requests_in_flight", Help: "Hook calls being read or answered, by hook.",
		}, []string{"hook"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_hook_answers_total",
			Help: "Answers by hook and outcome: normal, frozen (an invalid blueprint keeps every child), finalizing, finalized.",
		}, []string{"hook", "outcome"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.size, m.inFlight, m.answers,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// begin counts a call in flight until the returned function ends it.
func (m *metrics) begin(hook string) (end func()) {
	g := m.inFlight.WithLabelValues(hook)
	g.Inc()
	return g.Dec
}

// observe records a finished call: its code, time and body size, and the
// answer's outcome ("" for a refusal).
func (m *metrics) observe(hook string, code int, took time.Duration, bodyBytes int, outcome string) {
	m.requests.WithLabelValues(hook, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(hook).Observe(took.Seconds())
	if bodyBytes >= 0 {
		m.size.WithLabelValues(hook).Observe(float64(bodyBytes))
	}
	if outcome != "" {
		m.answers.WithLabelValues(hook, outcome).Inc()
	}
}

// handler serves the registry in Prometheus' exposition formats.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
