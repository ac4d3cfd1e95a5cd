package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/edit"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/kube"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/report"
	"github.com/sluice-dev/sluice/graph"
)

func scaleCommand(e *env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "scale APP STREAMLET N",
		Short: "Scale one streamlet: pods (akka), executors (spark), parallelism (flink)",
		Long: `Sets one streamlet's replicas: the pods of an akka streamlet, the executors of
a Spark streamlet, the parallelism of a Flink streamlet. Only that field is
applied, with server-side apply (field manager kubectl-sluice): a field
another manager owns (a GitOps tool's) is a conflict to resolve, or to take
over with --force-conflicts. Only that streamlet's workload changes.`,
		Args: args(3, "APP, STREAMLET and N"),
		RunE: func(cmd *cobra.Command, a []string) error {
			n, err := strconv.ParseInt(a[2], 10, 32)
			if err != nil || n < 0 {
				return usageError{fmt.Sprintf("N: %q is not a number of replicas (0 or more)", a[2])}
			}
			replicas := int32(n)
			return e.editStreamlet(cmd.Context(), a[0], a[1], force, func(app *graph.StreamingApplication, s *graph.Streamlet) (func(*unstructured.Unstructured), string, error) {
				s.Replicas = &replicas
				if problems := graph.Validate(app); len(problems) > 0 {
					printLines(e.errOut, problems.Strings())
					return nil, "", no("%d problems; nothing was sent", len(problems))
				}
				return func(cfg *unstructured.Unstructured) { edit.Scale(cfg, a[1], replicas) }, report.Scaled(a[0], a[1], replicas), nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force-conflicts", false, "take over the field when another field manager owns it")
	return cmd
}

func savepointCommand(e *env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "savepoint APP STREAMLET",
		Short: "Ask the Flink operator for a savepoint of a Flink streamlet now",
		Long: `Raises a Flink streamlet's flink.savepointTriggerNonce by one, which makes the
Flink operator take a savepoint now; the streamlet's status shows its location
and time once taken. Only that field is applied, with server-side apply (field
manager kubectl-sluice; --force-conflicts as for scale).`,
		Args: args(2, "APP and STREAMLET"),
		RunE: func(cmd *cobra.Command, a []string) error {
			return e.editStreamlet(cmd.Context(), a[0], a[1], force, func(_ *graph.StreamingApplication, s *graph.Streamlet) (func(*unstructured.Unstructured), string, error) {
				if s.Runtime != graph.Flink {
					return nil, "", fmt.Errorf("streamlet %s of application %s runs on %s; only Flink streamlets take savepoints", a[1], a[0], s.Runtime)
				}
				var nonce int64 = 1
				if s.Flink != nil && s.Flink.SavepointTriggerNonce != nil {
					nonce = *s.Flink.SavepointTriggerNonce + 1
				}
				return func(cfg *unstructured.Unstructured) { edit.Savepoint(cfg, a[1], nonce) }, report.SavepointAsked(a[0], a[1], nonce), nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force-conflicts", false, "take over the field when another field manager owns it")
	return cmd
}

func configureCommand(e *env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "configure APP STREAMLET.KEY=VALUE...",
		Short: "Set configuration parameters; only the streamlets they touch restart",
		Long: `Sets configuration values of an application's streamlets, each checked
against the streamlet's declared parameters (the key, its type, its pattern)
before anything is sent; prints what changes and which streamlets restart
(their configuration checksum changes, nothing else does). Only those values
are applied, with server-side apply (field manager kubectl-sluice;
--force-conflicts as for scale).`,
		Args: func(_ *cobra.Command, a []string) error {
			if len(a) < 2 {
				return usageError{fmt.Sprintf("want APP and at least one STREAMLET.KEY=VALUE, got %d arguments", len(a))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			settings, err := edit.ParseSettings(a[1:])
			if err != nil {
				return usageError{err.Error()}
			}
			c, live, app, err := e.liveApplication(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			merged, problems := edit.Merge(app, settings)
			if len(problems) > 0 {
				printLines(e.errOut, problems)
				return no("%d problems; nothing was sent", len(problems))
			}
			before, _ := graph.Resolve(app)
			after, _ := graph.Resolve(merged)
			var changes []edit.ParameterChange
			if before != nil && after != nil {
				changes = edit.ParameterChanges(before, after)
			}
			if before != nil && len(changes) == 0 {
				printLines(e.out, report.Configured(a[0], nil))
				return nil
			}
			if err := applyOwned(cmd.Context(), c, live, force, func(cfg *unstructured.Unstructured) error {
				return edit.Configure(cfg, app, settings)
			}); err != nil {
				return err
			}
			printLines(e.out, report.Configured(a[0], changes))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force-conflicts", false, "take over the fields when another field manager owns them")
	return cmd
}

// liveApplication reads an application as it is live, and as graph types
// it.
func (e *env) liveApplication(ctx context.Context, name string) (*kube.Client, *unstructured.Unstructured, *graph.StreamingApplication, error) {
	c, err := e.client()
	if err != nil {
		return nil, nil, nil, err
	}
	live, err := c.App(ctx, c.Namespace, name)
	if err != nil {
		return nil, nil, nil, err
	}
	app, err := typed(live)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, live, app, nil
}

// editStreamlet reads the live application and its streamlet, asks plan
// what to change in the fields kubectl-sluice owns and what to say once it
// is applied, and applies only that (applyOwned).
func (e *env) editStreamlet(ctx context.Context, appName, name string, force bool,
	plan func(app *graph.StreamingApplication, s *graph.Streamlet) (change func(cfg *unstructured.Unstructured), done string, err error)) error {
	c, live, app, err := e.liveApplication(ctx, appName)
	if err != nil {
		return err
	}
	s, err := streamletOf(app, appName, name)
	if err != nil {
		return err
	}
	change, done, err := plan(app, s)
	if err != nil {
		return err
	}
	if err := applyOwned(ctx, c, live, force, func(cfg *unstructured.Unstructured) error {
		change(cfg)
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintln(e.out, done)
	return nil
}

// streamletOf is the streamlet of an application by name, or an error that
// lists the ones it has.
func streamletOf(app *graph.StreamingApplication, appName, name string) (*graph.Streamlet, error) {
	i := slices.IndexFunc(app.Spec.Streamlets, func(s graph.Streamlet) bool { return s.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("application %s has no streamlet %q; its streamlets: %s", appName, name, strings.Join(edit.StreamletNames(app), ", "))
	}
	return &app.Spec.Streamlets[i], nil
}

// applyOwned applies the fields kubectl-sluice owns in the live application
// (see edit.Owned), changed by change: only those, so that another field
// manager's are a conflict rather than overwritten.
func applyOwned(ctx context.Context, c *kube.Client, live *unstructured.Unstructured, force bool, change func(cfg *unstructured.Unstructured) error) error {
	cfg, err := edit.Owned(live, edit.FieldManager)
	if err != nil {
		return err
	}
	if err := change(cfg); err != nil {
		return err
	}
	_, err = c.Apply(ctx, cfg, kube.ApplyOptions{Force: force})
	return err
}
