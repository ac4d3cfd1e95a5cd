package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"
	"golang.org/x/sync/semaphore"
)

// Config configures the hook's HTTP handler.
type Config struct {
	// MaxBodyBytes caps a request body; larger ones get 413.
	MaxBodyBytes int64
	// Timeout caps the time spent on one request; Metacontroller gives up
	// after 10 s by default.
	Timeout time.Duration
	// LargeRequestBytes and LargeRequestsBudget bound the hook's memory,
	// which grows with the bytes being answered: the bodies over
	// LargeRequestBytes being read and answered at once declare at most
	// LargeRequestsBudget bytes together (a body of unknown length counts as
	// MaxBodyBytes, one over the budget as all of it, so it is served
	// alone); the others wait for their turn within the timeout. A request
	// the handler gave up on (503) holds its turn until it ends, so
	// Metacontroller's retries cannot pile up large syncs.
	// LargeRequestsBudget 0 sets no bound.
	LargeRequestBytes   int64
	LargeRequestsBudget int64
	// Logger receives one line per hook call.
	Logger *slog.Logger
	// Now is the clock handed to Sync and Finalize.
	Now func() time.Time
}

// DefaultConfig is the configuration `sluice serve` starts with.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes: MaxRequestBytes, Timeout: 9 * time.Second,
		// What the hook's memory limit holds (limits.go); requests under
		// an eighth of the body limit, every ordinary application, never
		// wait.
		LargeRequestBytes: MaxRequestBytes / 8, LargeRequestsBudget: LargeRequestsBudget,
		Logger: slog.Default(), Now: time.Now,
	}
}

// Handler serves Metacontroller's hooks and the probes.
type Handler struct {
	cfg      Config
	router   *httprouter.Router
	draining atomic.Bool
	metrics  *metrics
	// large holds the declared bytes of the large requests being served;
	// nil: no bound.
	large *semaphore.Weighted
}

// NewHandler returns the hook server's handler with every route.
func NewHandler(cfg Config) *Handler {
	h := &Handler{cfg: cfg, router: httprouter.New(), metrics: newMetrics()}
	if cfg.LargeRequestsBudget > 0 {
		h.large = semaphore.NewWeighted(cfg.LargeRequestsBudget)
	}
	h.router.POST("/sync", hook(h, "sync", readBody, serve(syncReading)))
	h.router.POST("/finalize", hook(h, "finalize", readBody, serve(finalizeReading)))
	h.router.POST("/customize", hook(h, "customize", readCustomize, func(req *CustomizeRequest, _ time.Time) (*CustomizeResponse, error) {
		return Customize(req)
	}))
	h.router.GET("/healthz", func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
		writeText(w, http.StatusOK, "ok")
	})
	h.router.GET("/readyz", func(w http.ResponseWriter, _ *http.Request, _ httprouter.Params) {
		if h.draining.Load() {
			writeText(w, http.StatusServiceUnavailable, "shutting down")
			return
		}
		writeText(w, http.StatusOK, "ok")
	})
	h.router.Handler(http.MethodGet, "/metrics", h.metrics.handler())
	h.router.PanicHandler = func(w http.ResponseWriter, r *http.Request, v any) {
		cfg.Logger.Error("hook panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
		writeText(w, http.StatusInternalServerError, "internal error")
	}
	return h
}

// ServeHTTP serves one request within the configured time.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.TimeoutHandler(h.router, h.cfg.Timeout, "hook timed out\n").ServeHTTP(w, r)
}

// Drain makes /readyz fail, so that the Service stops sending requests
// before the server shuts down.
func (h *Handler) Drain() { h.draining.Store(true) }

// logged is what a request or answer adds to the hook's log line.
type logged interface{ logAttrs() []any }

// outcomer is an answer that says which outcome it is, for the metrics.
type outcomer interface{ outcome(hook string) string }

func (r *CustomizeResponse) outcome(string) string { return outcomeNormal }

func (r *Request) logAttrs() []any {
	if r == nil || r.Parent == nil {
		return nil
	}
	return []any{"parent", r.Parent.GetNamespace() + "/" + r.Parent.GetName()}
}

func (r *CustomizeRequest) logAttrs() []any {
	if r == nil {
		return nil
	}
	return (&Request{Parent: r.Parent}).logAttrs()
}

func (r *CustomizeResponse) logAttrs() []any { return []any{"related", len(r.RelatedResources)} }

// answer is a hook's answer: it says what it is for the metrics and the log,
// and encodes itself.
type answer interface {
	logged
	outcomer
	// encode appends the answer to b.
	encode(b []byte) ([]byte, error)
}

// hook reads a request body with read, calls fn and encodes its answer;
// every error maps to its status code here. read returns what it read even
// with an error, for the log line.
func hook[Req logged, Resp answer](h *Handler, name string, read func([]byte) (Req, error), fn func(Req, time.Time) (Resp, error)) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
		start := h.cfg.Now()
		defer h.metrics.begin(name)()
		var req Req
		release, err := h.turn(r)
		defer release()
		size := -1
		in, out := getBuffer(), getBuffer() // buffers.go
		defer putBuffer(in)
		defer putBuffer(out)
		if err == nil {
			*in, err = readAll(*in, http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes), h.prealloc(r))
			size = len(*in)
			if err == nil {
				req, err = read(*in)
			}
		}
		var resp Resp
		if err == nil {
			resp, err = fn(req, start)
		}
		code := http.StatusOK
		var body []byte
		if err == nil {
			*out = slices.Grow(*out, answerRoom(size))
			if body, err = resp.encode(*out); err == nil {
				*out = body[:0] // back to the pool, however it grew
			}
		}
		if err != nil {
			code = statusCode(err)
			body = []byte(err.Error() + "\n")
		}
		took := h.cfg.Now().Sub(start)
		outcome := ""
		if err == nil {
			outcome = resp.outcome(name)
		}
		h.metrics.observe(name, code, took, size, outcome)
		attrs := append([]any{"hook", name, "code", code, "ms", took.Milliseconds()}, req.logAttrs()...)
		if err != nil {
			h.cfg.Logger.Warn("hook refused", append(attrs, "error", err.Error())...)
			writeText(w, code, string(body))
			return
		}
		h.cfg.Logger.Info("hook answered", append(attrs, resp.logAttrs()...)...)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(body)
	}
}

// readCustomize decodes a customize request.
func readCustomize(body []byte) (*CustomizeRequest, error) {
	req := &CustomizeRequest{}
	return req, unmarshalRequest(body, req)
}

func (r *CustomizeResponse) encode(b []byte) ([]byte, error) {
	j, err := json.Marshal(r)
	return append(b, j...), err
}

// errBusy: no turn for a large request came within the timeout.
var errBusy = errors.New("hook busy with other large requests")

// turn refuses a body declared over the limit without reading it, and waits,
// for a large request, until the budget has room for its declared bytes or
// the request's time is up; release ends the turn.
func (h *Handler) turn(r *http.Request) (release func(), err error) {
	if r.ContentLength > h.cfg.MaxBodyBytes {
		return func() {}, &http.MaxBytesError{Limit: h.cfg.MaxBodyBytes}
	}
	if !h.isLarge(r) {
		return func() {}, nil
	}
	weight := h.cfg.MaxBodyBytes
	if r.ContentLength >= 0 {
		weight = r.ContentLength
	}
	weight = min(weight, h.cfg.LargeRequestsBudget)
	if err := h.large.Acquire(r.Context(), weight); err != nil {
		return func() {}, fmt.Errorf("%w: %w", errBusy, err)
	}
	return func() { h.large.Release(weight) }, nil
}

// isLarge reports whether a request takes a turn of the large requests'
// budget.
func (h *Handler) isLarge(r *http.Request) bool {
	return h.large != nil && (r.ContentLength < 0 || r.ContentLength > h.cfg.LargeRequestBytes)
}

// prealloc is how much of a body's declared length is allocated before it
// is read: all of it for a large request, which holds its bytes of the
// budget, at most maxPreallocated otherwise (the pooled buffers grow to the
// ordinary bodies they read), so that a request declaring a length it never
// sends makes the hook allocate little.
func (h *Handler) prealloc(r *http.Request) int64 {
	if h.isLarge(r) {
		return r.ContentLength // -1 when unknown: nothing is allocated ahead
	}
	return min(r.ContentLength, maxPreallocated)
}

// unmarshalRequest decodes one JSON request into v, and nothing after it.
func unmarshalRequest(b []byte, v any) error {
	// Unmarshal refuses data after the object too.
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// statusCode maps an error to the HTTP status Metacontroller gets. Every one
// of them makes Metacontroller change nothing and retry.
func statusCode(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errForeign):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	case errors.Is(err, errBusy):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg)
}
