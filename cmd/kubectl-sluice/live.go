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
	deadline := e.now().Add(timeout)
	var previous *graph.Status
	fmt.Fprintf(e.out, "Waiting up to %s for application %s to be Ready:\n", timeout, name)
	for {
		live, err := c.App(ctx, ns, name)
		if err != nil {
			return err
		}
		a := application(live)
		if a.Status != nil && a.Status.ObservedGeneration == a.Generation {
			printLines(e.out, report.Progress(previous, a.Status))
			previous = a.Status
		}
		ready, why := a.Ready()
		if ready {
			fmt.Fprintf(e.out, "[Done] Application %s is Ready: %s.\n", name, why)
			return nil
		}
		if !e.now().Before(deadline) {
			return no("application %s is not Ready after %s: %s", name, timeout, why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e.poll):
		}
	}
}

// waitGone reads the application every poll until it is gone.
func (e *env) waitGone(ctx context.Context, c *kube.Client, ns, name string, timeout time.Duration) error {
	deadline := e.now().Add(timeout)
	for {
		_, err := c.App(ctx, ns, name)
		if errors.Is(err, kube.ErrNotFound) {
			fmt.Fprintf(e.out, "[Done] Application %s is deleted.\n", name)
			return nil
		}
		if err != nil {
			return err
		}
		if !e.now().Before(deadline) {
			return no("application %s still exists after %s (kubectl sluice status %s -n %s says why)", name, timeout, name, ns)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e.poll):
		}
	}
}
