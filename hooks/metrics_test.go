package hooks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsAfterRealRequests: after a normal sync, a frozen one, a refused
// one and two finalizes, /metrics counts each by code and outcome, and the
// latency and size histograms hold every call.
func TestMetricsAfterRealRequests(t *testing.T) {
	h := testHandler()
	c := newCluster(t, example(t, cra), allComponents()...)
	c.syncUntilStable(5)
	send := func(path string, req *Request) int {
		t.Helper()
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b)))
		return rec.Code
	}
	if code := send("/sync", c.request()); code != 200 {
		t.Fatalf("normal sync: %d", code)
	}
	c.setParent(craWithPolicy(t, "Sometimes"))
	if code := send("/sync", c.request()); code != 200 {
		t.Fatalf("frozen sync: %d", code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/sync", strings.NewReader("{not json")))
	if rec.Code != 400 {
		t.Fatalf("malformed sync: %d", rec.Code)
	}
	fin := c.request()
	fin.Finalizing = true
	send("/finalize", fin)

	m := h.metrics
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		{"sync 200", testutil.ToFloat64(m.requests.WithLabelValues("sync", "200")), 2},
		{"sync 400", testutil.ToFloat64(m.requests.WithLabelValues("sync", "400")), 1},
		{"finalize 200", testutil.ToFloat64(m.requests.WithLabelValues("finalize", "200")), 1},
		{"normal answers", testutil.ToFloat64(m.answers.WithLabelValues("sync", outcomeNormal)), 1},
		{"frozen answers", testutil.ToFloat64(m.answers.WithLabelValues("sync", outcomeFrozen)), 1},
		{"finalizing answers", testutil.ToFloat64(m.answers.WithLabelValues("finalize", outcomeFinalizing)), 1},
		{"in flight", testutil.ToFloat64(m.inFlight.WithLabelValues("sync")), 0},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %g, want %g", tc.name, tc.got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.duration); n != 2 {
		t.Errorf("duration histograms: %d series, want sync and finalize", n)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`sluice_hook_request_duration_seconds_count{hook="sync"} 3`,
		`sluice_hook_request_size_bytes_count{hook="sync"} 3`,
		`sluice_hook_request_size_bytes_bucket{hook="sync",le="1024"} 1`, // the malformed 9 bytes
		`sluice_hook_answers_total{hook="sync",outcome="frozen"} 1`,
		"go_goroutines ", "process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
