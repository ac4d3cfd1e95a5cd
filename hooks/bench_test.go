package hooks

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
)

// The benchmarks report the hook's cost for the reference application with
// every child observed. BenchmarkJSONRoundTrip is the baseline measured in
// the same run: decoding the request and encoding an answer of the same size,
// which any hook pays; compare Sync's ns/op with it as a ratio, not in
// absolute time (these machines are shared and noisy).

// benchRequest is the reference application's request once every child is
// observed, its parent changed by edits.
func benchRequest(b *testing.B, edits ...func(*Request)) []byte {
	b.Helper()
	c := newCluster(b, example(b, cra), allComponents()...)
	c.sync()
	c.sync()
	req := c.request()
	for _, e := range edits {
		e(req)
	}
	return requestJSON(b, req)
}

func BenchmarkJSONRoundTrip(b *testing.B) {
	body := benchRequest(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req Request
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(req.Children); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSync(b *testing.B) {
	benchSync(b, benchRequest(b))
}

func BenchmarkSyncFrozen(b *testing.B) {
	benchSync(b, benchRequest(b, func(req *Request) {
		req.Parent.Object["spec"].(map[string]any)["streamlets"] = "broken"
	}))
}

// benchSync decodes, syncs and encodes body, as the server does.
func benchSync(b *testing.B, body []byte) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req Request
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
		resp, err := Sync(&req, now)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}

// largestBody is the request Metacontroller would send for the largest
// application (limits_test.go) once every child exists, each observed child
// carrying a managedFields entry as big as itself (the cluster stand-in
// keeps only a token one; the API server's lists every field set).
func largestBody(b *testing.B) []byte {
	b.Helper()
	c, _ := largestCluster(b)
	req := c.request()
	req.Controller = controller(b, allComponents()...)
	for _, byName := range req.Children {
		for _, u := range byName {
			self := u.DeepCopy()
			ann := self.GetAnnotations()
			delete(ann, children.AnnotationLastApplied)
			self.SetAnnotations(ann)
			fields := self.Object
			u.SetManagedFields([]metav1.ManagedFieldsEntry{{
				Manager: "metacontroller", Operation: metav1.ManagedFieldsOperationUpdate,
				APIVersion: u.GetAPIVersion(), FieldsType: "FieldsV1", Time: ptr(metav1Now()),
			}})
			entries, _, _ := unstructured.NestedSlice(u.Object, "metadata", "managedFields")
			entries[0].(map[string]any)["fieldsV1"] = fields
			_ = unstructured.SetNestedSlice(u.Object, entries, "metadata", "managedFields")
		}
	}
	return requestJSON(b, req)
}

// BenchmarkSyncLargest answers the largest application's request through
// the handler, as `sluice serve` does (the body read whole, decoded, synced,
// encoded, buffered by the timeout handler), with a timeout long enough to
// finish. Besides B/op it reports the peak heap in use while answering, over
// the heap in use before (which holds the body): what one request costs.
func BenchmarkSyncLargest(b *testing.B) {
	benchLargest(b, 1)
}

// BenchmarkSyncLargestTwice answers two largest requests at once.
func BenchmarkSyncLargestTwice(b *testing.B) {
	benchLargest(b, 2)
}

func benchLargest(b *testing.B, concurrent int) {
	body := largestBody(b)
	cfg := DefaultConfig()
	cfg.Timeout, cfg.Logger = 10*time.Minute, slog.New(slog.DiscardHandler)
	h := NewHandler(cfg)
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
