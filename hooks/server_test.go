package hooks

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func testHandler() *Handler {
	cfg := DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Now = func() time.Time { return now }
	cfg.MaxBodyBytes = 1 << 20
	return NewHandler(cfg)
}

func post(t *testing.T, h http.Handler, path string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
	return rec
}

func requestJSON(t testing.TB, req *Request) []byte {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertChildrenArray checks the rule that keeps topics alive: every 200
// answer carries a "children" array, never null or missing.
func assertChildrenArray(t *testing.T, body []byte) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("answer is not a JSON object: %v", err)
	}
	c, ok := raw["children"]
	if !ok || !bytes.HasPrefix(bytes.TrimSpace(c), []byte("[")) {
		t.Fatalf("answer children = %s, want an array", c)
	}
	for key := range raw {
		switch key {
		case "status", "children", "resyncAfterSeconds", "finalized":
		default:
			t.Errorf("answer has field %q, which Metacontroller's strict decoder refuses", key)
		}
	}
}

func TestServerAnswers(t *testing.T) {
	h := testHandler()
	c := newCluster(t, example(t, cra), allComponents()...)
	valid := requestJSON(t, c.request())
	brokenReq := c.request()
	_ = unstructured.SetNestedField(brokenReq.Parent.Object, "x", "spec", "streamlets")
	broken := requestJSON(t, brokenReq)
	for _, tc := range []struct {
		name, path string
		body       []byte
	}{
		{"sync", "/sync", valid},
		{"sync with an invalid spec and no children", "/sync", broken},
		{"finalize", "/finalize", valid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(t, h, tc.path, tc.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
			}
			assertChildrenArray(t, rec.Body.Bytes())
		})
	}
}

func TestServerRefuses(t *testing.T) {
	h := testHandler()
	c := newCluster(t, example(t, cra), allComponents()...)
	c.sync()
	mutate := func(fn func(*Request)) []byte {
		req := c.request()
		fn(req)
		return requestJSON(t, req)
	}
	tests := []struct {
		name string
		body []byte
		code int
	}{
		{"not JSON", []byte("{children: "), http.StatusBadRequest},
		{"empty body", nil, http.StatusBadRequest},
		{"two objects", append(mutate(func(*Request) {}), []byte(" {}")...), http.StatusBadRequest},
		{"no parent", mutate(func(r *Request) { r.Parent = nil }), http.StatusBadRequest},
		{"no children map", mutate(func(r *Request) { r.Children = nil }), http.StatusBadRequest},
		{"bad children key", mutate(func(r *Request) { r.Children["KafkaTopic"] = nil }), http.StatusBadRequest},
		{"child under the wrong key", mutate(func(r *Request) {
			r.Children["ConfigMap.v1"]["demo/x"] = &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "x"}}}
		}), http.StatusBadRequest},
		{"kind listed twice", mutate(func(r *Request) {
			r.Children["KafkaTopic.kafka.strimzi.io/v1beta2"] = map[string]*unstructured.Unstructured{}
		}), http.StatusBadRequest},
		{"child in another namespace", mutate(func(r *Request) {
			for key, u := range r.Children["ConfigMap.v1"] {
				u.SetNamespace("elsewhere")
				r.Children["ConfigMap.v1"]["elsewhere/"+u.GetName()] = u
				delete(r.Children["ConfigMap.v1"], key)
				return
			}
		}), http.StatusBadRequest},
		{"child of another namespace under this one's key", mutate(func(r *Request) {
			for _, u := range r.Children["ConfigMap.v1"] {
				u.SetNamespace("elsewhere")
				return
			}
		}), http.StatusBadRequest},
		{"child keyed by name alone", mutate(func(r *Request) {
			for key, u := range r.Children["ConfigMap.v1"] {
				r.Children["ConfigMap.v1"][u.GetName()] = u
				delete(r.Children["ConfigMap.v1"], key)
				return
			}
		}), http.StatusBadRequest},
		{"parent without uid", mutate(func(r *Request) { r.Parent.SetUID("") }), http.StatusBadRequest},
		{"foreign parent", mutate(func(r *Request) { r.Parent.SetKind("App") }), http.StatusUnprocessableEntity},
		{"too large", append([]byte(`{"x":"`), append(bytes.Repeat([]byte("a"), 1<<20), '"', '}')...), http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(t, h, "/sync", tc.body)
			if rec.Code != tc.code {
				t.Errorf("HTTP %d (%s), want %d", rec.Code, strings.TrimSpace(rec.Body.String()), tc.code)
			}
		})
	}
	t.Run("GET /sync", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sync", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("HTTP %d, want 405", rec.Code)
		}
	})
}

// blockingBody is a request body that is never sent; reading it blocks until
// the test ends.
type blockingBody struct{ done chan struct{} }

func (b blockingBody) Read([]byte) (int, error) { <-b.done; return 0, io.EOF }

// TestServerTimesOut: a call that takes longer than the hook's timeout gets a
// 503 (Metacontroller retries, changes nothing) instead of hanging past
// Metacontroller's own 10 s timeout.
func TestServerTimesOut(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Timeout = time.Millisecond
	h := NewHandler(cfg)
	body := blockingBody{done: make(chan struct{})}
	defer close(body.done)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/sync", body))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "timed out") {
		t.Errorf("HTTP %d %q, want 503 hook timed out", rec.Code, rec.Body)
	}
	if DefaultConfig().Timeout >= 10*time.Second {
		t.Errorf("default timeout %s is not below Metacontroller's 10 s", DefaultConfig().Timeout)
	}
}

// lockedBuffer is a log that a handler goroutine writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDeclaredTooLargeNotRead: a body declared over the limit gets 413
// before a byte of it is read (this body never arrives).
func TestDeclaredTooLargeNotRead(t *testing.T) {
	h := testHandler()
	body := blockingBody{done: make(chan struct{})}
	defer close(body.done)
	req := httptest.NewRequest(http.MethodPost, "/sync", body)
	req.ContentLength = h.cfg.MaxBodyBytes + 1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("HTTP %d %q, want 413", rec.Code, rec.Body)
	}
}

// TestLargeRequestsTakeTurns: while large requests hold the budget, another
// large one waits and gives up with 503 at the timeout; a small one is
// answered at once; two that fit the budget are served together.
func TestLargeRequestsTakeTurns(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	body := requestJSON(t, c.request())
	log := &lockedBuffer{}
	cfg := DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	cfg.Timeout = 50 * time.Millisecond
	cfg.LargeRequestBytes = int64(len(body)) - 1
	cfg.LargeRequestsBudget = 2 * int64(len(body))
	h := NewHandler(cfg)
	if !h.large.TryAcquire(int64(len(body)) + 1) { // a large request in flight
		t.Fatal("budget taken")
	}
	if rec := post(t, h, "/sync", body); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("large request while another is served: HTTP %d, want 503", rec.Code)
	}
	// The timeout handler answered; the waiting handler gave up and said why.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), "hook busy with other large requests") {
		if time.Now().After(deadline) {
			t.Fatalf("the waiting request did not give up on its turn; log:\n%s", log.String())
		}
		time.Sleep(time.Millisecond)
	}
	if rec := post(t, h, "/sync", []byte(`{"children":{}}`)); rec.Code != http.StatusBadRequest {
		t.Errorf("small request while a large one is served: HTTP %d %s, want it read (400: no parent)", rec.Code, rec.Body)
	}
	h.large.Release(int64(len(body)) + 1)
	// Two that fit the budget are served together, and one over the whole
	// budget alone. With the default timeout: the 50 ms above is for the
	// waiting to give up, and answering takes longer than that under the
	// race detector on a busy machine.
	cfg.Timeout = DefaultConfig().Timeout
	h = NewHandler(cfg)
	if !h.large.TryAcquire(int64(len(body))) { // one large request in flight
		t.Fatal("budget taken")
	}
	if rec := post(t, h, "/sync", body); rec.Code != http.StatusOK {
		t.Errorf("large request beside another that fits: HTTP %d %s, want 200", rec.Code, rec.Body)
	}
	h.large.Release(int64(len(body)))
	cfg.LargeRequestsBudget = int64(len(body)) / 2
	if rec := post(t, NewHandler(cfg), "/sync", body); rec.Code != http.StatusOK {
		t.Errorf("large request over the whole budget, alone: HTTP %d %s, want 200", rec.Code, rec.Body)
	}
}

func TestProbesAndDrain(t *testing.T) {
	h := testHandler()
	get := func(path string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	if get("/healthz") != 200 || get("/readyz") != 200 {
		t.Fatal("probes fail before draining")
	}
	h.Drain()
	if get("/readyz") != http.StatusServiceUnavailable || get("/healthz") != 200 {
		t.Error("draining must fail /readyz only")
	}
	post(t, h, "/sync", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `sluice_hook_requests_total{code="400",hook="sync"} 1`) {
		t.Errorf("metrics do not count the refused call:\n%s", rec.Body)
	}
}

// FuzzSync posts arbitrary bodies to every hook: none panics or fails with
// 5xx, a 200 from /sync always has a children array, and an answer never leaves out an observed KafkaTopic
// that carries no release mark.
func FuzzSync(f *testing.F) {
	c := newCluster(f, fuzzSeedParent, "spark")
	c.sync()
	f.Add(requestJSON(f, c.request()))
	f.Add([]byte(`{"parent":{"apiVersion":"sluice.dev/v1alpha1","kind":"StreamingApplication","metadata":{"name":"a","uid":"u"}},"children":{}}`))
	f.Add([]byte(`{"children":null}`))
	f.Add([]byte(`[]`))
	h := testHandler()
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/finalize", "/customize"} {
			if rec := post(t, h, path, body); rec.Code >= 500 {
				t.Fatalf("%s: HTTP %d: %s", path, rec.Code, rec.Body)
			}
		}
		rec := post(t, h, "/sync", body)
		if rec.Code >= 500 {
			t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
		if rec.Code != http.StatusOK {
			return
		}
		assertChildrenArray(t, rec.Body.Bytes())
		req := &Request{}
		if err := unmarshalRequest(body, req); err != nil {
			t.Fatalf("200 for a body that does not decode: %v", err)
		}
		var resp struct {
			Children []*unstructured.Unstructured `json:"children"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &resp)
		answered := map[string]bool{}
		for _, u := range resp.Children {
			answered[u.GetKind()+"/"+u.GetName()] = true
		}
		for key, byName := range req.Children {
			for _, u := range byName {
				ann := u.GetAnnotations()
				if strings.HasPrefix(key, "KafkaTopic.") && !answered["KafkaTopic/"+u.GetName()] &&
					ann["strimzi.io/managed"] != "false" && ann["sluice.dev/deletion"] != "allowed" {
					t.Fatalf("KafkaTopic %s left out without a release mark", u.GetName())
				}
			}
		}
	})
}

const fuzzSeedParent = `apiVersion: sluice.dev/v1alpha1
kind: StreamingApplication
metadata: {name: tiny, namespace: demo}
spec:
  image: example.com/tiny:1
  kafka: {cluster: k, bootstrapServers: "k:9092"}
  streamlets:
  - name: src
    runtime: akka
    outlets: [{name: out, schema: {format: json, name: Tick}}]
  - name: sink
    runtime: akka
    inlets: [{name: in, schema: {format: json, name: Tick}}]
  connections:
  - {from: src.out, to: [sink.in]}
`
