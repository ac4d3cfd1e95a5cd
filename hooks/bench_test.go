package hooks

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/request"
)

// The benchmarks report the hook's cost on requests shaped like
// Metacontroller's (test/request: every child observed with its
// last-applied annotation, managedFields, owner reference and status), each
// beside two floors measured on the same bytes in the same run: "scan",
// json.Valid over the body, and "generic", encoding/json decoding the body
// into any and encoding its children, which any hook pays. Compare "hook"
// with them as ratios, not in absolute time (these machines are shared and
// noisy); BENCHMARKS.md has the figures and the commands.

// benchCase is one request of the benchmarks: a parent, synced once so
// that every child exists and runs.
type benchCase struct {
	name   string
	parent func(testing.TB) string
}

var benchCases = []benchCase{
	{"streamlets=10", func(testing.TB) string { return string(request.Application(10)) }},
	{"reference", func(t testing.TB) string { return example(t, cra) }},
	{"streamlets=100", func(testing.TB) string { return string(request.Application(100)) }},
	{"largest", largestParent},
}

// largestParent is the largest application (limits_test.go): the most
// children, the application-wide lists at their caps.
func largestParent(t testing.TB) string {
	b, err := json.Marshal(largestApplication(graph.MaxStreamlets, false))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// bodies caches the request of each case: the largest takes seconds to make.
var bodies sync.Map

// runningRequest is the sync request Metacontroller sends once every child
// of parentYAML (under every component) exists and runs.
func runningRequest(t testing.TB, parentYAML string) []byte {
	t.Helper()
	if b, ok := bodies.Load(parentYAML); ok {
		return b.([]byte)
	}
	ctrl := controller(t, allComponents()...)
	parent, err := decodeObject([]byte(parentYAML))
	if err != nil {
		t.Fatal(err)
	}
	if parent.GetNamespace() == "" {
		parent.SetNamespace("demo")
	}
	parent.SetUID(parentUID)
	parent.SetGeneration(1)
	req, err := EmptyRequest(ctrl, parent.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := Sync(req, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Status.Problems) > 0 {
		t.Fatalf("the application has problems: %q", resp.Status.Problems)
	}
	var answered []map[string]any
	for _, u := range resp.Children {
		answered = append(answered, u.Object)
	}
	body, err := request.Sync(request.Answer{
		Controller: ctrl.Object, Parent: parent.Object, Keys: slices.Sorted(maps.Keys(req.Children)),
		Children: answered, Status: resp.Status,
	})
	if err != nil {
		t.Fatal(err)
	}
	bodies.Store(parentYAML, body)
	return body
}

// BenchmarkSync answers each request as `sluice serve` does (read, decode,
// sync, encode, buffered by the timeout handler), beside the two floors.
func BenchmarkSync(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			if bc.name == "largest" && testing.Short() {
				b.Skip("the largest request takes seconds to make")
			}
			body := runningRequest(b, bc.parent(b))
			b.Run("scan", func(b *testing.B) { benchScan(b, body) })
			b.Run("generic", func(b *testing.B) { benchGeneric(b, body) })
			b.Run("hook", func(b *testing.B) { benchHook(b, body) })
		})
	}
}

// BenchmarkSyncFrozen is the reference application with an invalid spec:
// every child answered from its last-applied annotation.
func BenchmarkSyncFrozen(b *testing.B) {
	var req map[string]any
	if err := json.Unmarshal(runningRequest(b, example(b, cra)), &req); err != nil {
		b.Fatal(err)
	}
	_ = unstructured.SetNestedField(req, "broken", "parent", "spec", "streamlets")
	body, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) { benchScan(b, body) })
	b.Run("generic", func(b *testing.B) { benchGeneric(b, body) })
	b.Run("hook", func(b *testing.B) { benchHook(b, body) })
}

// benchScan is the scan floor (request.Scan).
func benchScan(b *testing.B, body []byte) { benchFloor(b, body, request.Scan) }

// benchGeneric is the generic floor (request.Generic).
func benchGeneric(b *testing.B, body []byte) { benchFloor(b, body, request.Generic) }

func benchFloor(b *testing.B, body []byte, floor func([]byte) error) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := floor(body); err != nil {
			b.Fatal(err)
		}
	}
}

// benchHook answers body through the handler.
func benchHook(b *testing.B, body []byte) {
	h := benchHandler()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{header: http.Header{}}
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/sync", bytes.NewReader(body)))
		if w.code != http.StatusOK {
			b.Fatalf("HTTP %d", w.code)
		}
	}
}

// benchHandler is the handler of `sluice serve`, logging nowhere, with a
// timeout long enough for the largest request under a profiler.
func benchHandler() *Handler {
	cfg := DefaultConfig()
	cfg.Timeout, cfg.Logger = 10*time.Minute, slog.New(slog.DiscardHandler)
	return NewHandler(cfg)
}

// TestGeneratedRequestsRun holds the generated requests to what they stand
// for: an application whose every child exists and runs, which the hook
// answers with the same children and a Running status.
func TestGeneratedRequestsRun(t *testing.T) {
	for _, bc := range benchCases {
		if bc.name == "largest" {
			continue // BenchmarkSync's smoke pass covers it
		}
		t.Run(bc.name, func(t *testing.T) {
			body := runningRequest(t, bc.parent(t))
			var req Request
			if err := unmarshalRequest(body, &req); err != nil {
				t.Fatal(err)
			}
			resp, err := Sync(&req, now)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status.Phase != graph.PhaseRunning {
				t.Errorf("phase %s, want Running; status %+v", resp.Status.Phase, resp.Status)
			}
			observed := 0
			for key, byName := range req.Children {
				for _, u := range byName {
					observed++
					if len(u.GetManagedFields()) == 0 || u.GetUID() == "" || len(u.GetOwnerReferences()) != 1 {
						t.Errorf("%s %s lacks managedFields, uid or owner reference", key, u.GetName())
					}
				}
			}
			if len(resp.Children) != observed {
				t.Errorf("%d children answered, %d observed", len(resp.Children), observed)
			}
		})
	}
}

// TestWriteRequests writes the request of every benchmark case into the
// folder $SLUICE_REQUESTS_DIR, as CASE.json (make load sends largest.json);
// skipped without it.
func TestWriteRequests(t *testing.T) {
	dir := os.Getenv("SLUICE_REQUESTS_DIR")
	if dir == "" {
		t.Skip("SLUICE_REQUESTS_DIR is not set")
	}
	for _, bc := range benchCases {
		name := strings.ReplaceAll(bc.name, "=", "-")
		if err := os.WriteFile(filepath.Join(dir, name+".json"), runningRequest(t, bc.parent(t)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkSyncLargest answers the largest application's request through
// the handler. Besides B/op it reports the peak heap in use while
// answering, over the heap in use before (which holds the body): what one
// request costs.
func BenchmarkSyncLargest(b *testing.B) {
	benchLargest(b, 1)
}

// BenchmarkSyncLargestTwice answers two largest requests at once.
func BenchmarkSyncLargestTwice(b *testing.B) {
	benchLargest(b, 2)
}

func benchLargest(b *testing.B, concurrent int) {
	if testing.Short() {
		b.Skip("the largest request takes seconds to make")
	}
	body := runningRequest(b, largestParent(b))
	h := benchHandler()
	b.SetBytes(int64(concurrent * len(body)))
	b.ReportAllocs()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse
	stop := make(chan struct{})
	sampled := make(chan uint64)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				sampled <- peak
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	for b.Loop() {
		var wg sync.WaitGroup
		for range concurrent {
			wg.Go(func() {
				w := &discardWriter{header: http.Header{}}
				h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/sync", bytes.NewReader(body)))
				if w.code != http.StatusOK {
					b.Errorf("status %d", w.code)
				}
			})
		}
		wg.Wait()
	}
	close(stop)
	peak := <-sampled
	b.ReportMetric(float64(len(body))/(1<<20), "body-MiB")
	b.ReportMetric(float64(before)/(1<<20), "heap-before-MiB")
	b.ReportMetric(float64(peak-min(peak, before))/(1<<20), "peak-heap-MiB")
}

// discardWriter is a ResponseWriter that keeps only the status code.
type discardWriter struct {
	header http.Header
	code   int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}
