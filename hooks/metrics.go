package hooks

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// metrics counts hook calls by hook and status code, in Prometheus' text
// format, without a client library.
type metrics struct {
	mu      sync.Mutex
	calls   map[[2]string]uint64
	seconds map[string]float64
}

func (m *metrics) observe(hook string, code int, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls == nil {
		m.calls, m.seconds = map[[2]string]uint64{}, map[string]float64{}
	}
	m.calls[[2]string{hook, fmt.Sprint(code)}]++
	m.seconds[hook] += took.Seconds()
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP sluice_hook_requests_total Hook calls by hook and HTTP status code.")
	fmt.Fprintln(w, "# TYPE sluice_hook_requests_total counter")
	keys := make([][2]string, 0, len(m.calls))
	for k := range m.calls {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return slices.Compare(a[:], b[:]) })
	for _, k := range keys {
		fmt.Fprintf(w, "sluice_hook_requests_total{hook=%q,code=%q} %d\n", k[0], k[1], m.calls[k])
	}
	fmt.Fprintln(w, "# HELP sluice_hook_seconds_total Time spent answering hook calls.")
	fmt.Fprintln(w, "# TYPE sluice_hook_seconds_total counter")
	for _, hook := range slices.Sorted(maps.Keys(m.seconds)) {
		fmt.Fprintf(w, "sluice_hook_seconds_total{hook=%q} %g\n", hook, m.seconds[hook])
	}
}
