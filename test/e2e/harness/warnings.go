package harness

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// warningsKey is the context key of the warnings collected for one request.
type warningsKey struct{}

// warnings collects the Warning headers of the requests made with its context.
type warnings struct {
	mu   sync.Mutex
	list []string
}

// warningRouter hands each warning of the API server to the collector in the
// request's context; a warning outside noWarnings is logged.
type warningRouter struct{}

func (warningRouter) HandleWarningHeaderWithContext(ctx context.Context, code int, agent, text string) {
	if w, ok := ctx.Value(warningsKey{}).(*warnings); ok {
		w.mu.Lock()
		w.list = append(w.list, text)
		w.mu.Unlock()
		return
	}
	logf("API server warning: %s", text)
}

// noWarnings runs do with a context that collects the API server's warnings and
// fails when do fails or any warning came back: under fieldValidation=Strict a
// warning still means the server did not take the request quite as written.
func noWarnings(ctx context.Context, do func(context.Context) error) error {
	w := &warnings{}
	if err := do(context.WithValue(ctx, warningsKey{}, w)); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.list) > 0 {
		return fmt.Errorf("the API server warned: %s", strings.Join(w.list, "; "))
	}
	return nil
}

// WithoutWarnings is noWarnings for a call that returns a value: it returns call's
// value and fails when call fails or the API server warned.
func withoutWarnings[T any](ctx context.Context, call func(context.Context) (T, error)) (T, error) {
	var v T
	err := noWarnings(ctx, func(ctx context.Context) error {
		var err error
		v, err = call(ctx)
		return err
	})
	return v, err
}
