package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/kube"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/report"
	"github.com/sluice-dev/sluice/graph"
)

// specJSON is a live application without its status, as graph reads it.
func specJSON(live *unstructured.Unstructured) ([]byte, error) {
	obj := make(map[string]any, len(live.Object))
	for k, v := range live.Object {
		if k != "status" {
			obj[k] = v
		}
	}
	return json.Marshal(obj)
}

// typed decodes a live application (its spec; the status apart).
func typed(live *unstructured.Unstructured) (*graph.StreamingApplication, error) {
	b, err := specJSON(live)
	if err != nil {
		return nil, err
	}
	app, err := graph.FromJSON(b)
	if app == nil {
		return nil, fmt.Errorf("application %s/%s: %w", live.GetNamespace(), live.GetName(), err)
	}
	return app, nil
}

// statusOf decodes a live application's status; nil when it has none.
func statusOf(live *unstructured.Unstructured) *graph.Status {
	return graph.StatusOf(live.Object)
}

// application is what report knows of a live application.
func application(live *unstructured.Unstructured) report.Application {
	return report.Application{Namespace: live.GetNamespace(), Name: live.GetName(), Generation: live.GetGeneration(),
		Created: live.GetCreationTimestamp().Time, Status: statusOf(live)}
}

// waitReady reads the application every poll until it is Ready for its
// generation, printing each streamlet's progress as it changes; a timeout
// is a negative answer saying why it is not Ready.
func (e *env) waitReady(ctx context.Context, c *kube.Client, ns, name string, timeout time.Duration) error {
	var previous *graph.Status
	fmt.Fprintf(e.out, "Waiting up to %s for application %s to be Ready:\n", timeout, name)
	return e.repeat(ctx, e.now().Add(timeout), func() (bool, string, error) {
		live, err := c.App(ctx, ns, name)
		if err != nil {
			return false, "", err
		}
		a := application(live)
		if a.Status != nil && a.Status.ObservedGeneration == a.Generation {
			printLines(e.out, report.Progress(previous, a.Status))
			previous = a.Status
		}
		ready, why := a.Ready()
		if ready {
			fmt.Fprintf(e.out, "[Done] Application %s is Ready: %s.\n", name, why)
		}
		return ready, why, nil
	}, func(why string) error {
		return no("application %s is not Ready after %s: %s", name, timeout, why)
	})
}

// waitGone reads the application every poll until it is gone.
func (e *env) waitGone(ctx context.Context, c *kube.Client, ns, name string, timeout time.Duration) error {
	return e.repeat(ctx, e.now().Add(timeout), func() (bool, string, error) {
		_, err := c.App(ctx, ns, name)
		if errors.Is(err, kube.ErrNotFound) {
			fmt.Fprintf(e.out, "[Done] Application %s is deleted.\n", name)
			return true, "", nil
		}
		return false, "", err
	}, func(string) error {
		return no("application %s still exists after %s (kubectl sluice status %s -n %s says why)", name, timeout, name, ns)
	})
}

// repeat calls step every poll until it is done or fails, the context ends,
// or the deadline passes (the zero deadline: never); then late says why,
// from step's last word.
func (e *env) repeat(ctx context.Context, deadline time.Time, step func() (done bool, why string, err error), late func(why string) error) error {
	for {
		done, why, err := step()
		if done || err != nil {
			return err
		}
		if !deadline.IsZero() && !e.now().Before(deadline) {
			return late(why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e.poll):
		}
	}
}
