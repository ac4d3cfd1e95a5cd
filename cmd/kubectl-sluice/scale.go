package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

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
			c, err := e.client()
			if err != nil {
				return err
			}
			live, err := c.App(cmd.Context(), c.Namespace, a[0])
			if err != nil {
				return err
			}
			app, err := typed(live)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(app.Spec.Streamlets, func(s graph.Streamlet) bool { return s.Name == a[1] })
			if i < 0 {
				return fmt.Errorf("application %s has no streamlet %q; its streamlets: %s", a[0], a[1], strings.Join(edit.StreamletNames(app), ", "))
			}
			replicas := int32(n)
			app.Spec.Streamlets[i].Replicas = &replicas
			if problems := graph.Validate(app); len(problems) > 0 {
				printLines(e.errOut, problems.Strings())
				return no("%d problems; nothing was sent", len(problems))
			}
			cfg, err := edit.Owned(live, edit.FieldManager)
			if err != nil {
				return err
			}
			edit.Scale(cfg, a[1], replicas)
			if _, err := c.Apply(cmd.Context(), cfg, kube.ApplyOptions{Force: force}); err != nil {
				return err
			}
			fmt.Fprintln(e.out, report.Scaled(a[0], a[1], replicas))
			return nil
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
			c, err := e.client()
			if err != nil {
				return err
			}
			live, err := c.App(cmd.Context(), c.Namespace, a[0])
			if err != nil {
				return err
			}
			app, err := typed(live)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(app.Spec.Streamlets, func(s graph.Streamlet) bool { return s.Name == a[1] })
			switch {
			case i < 0:
				return fmt.Errorf("application %s has no streamlet %q; its streamlets: %s", a[0], a[1], strings.Join(edit.StreamletNames(app), ", "))
			case app.Spec.Streamlets[i].Runtime != graph.Flink:
				return fmt.Errorf("streamlet %s of application %s runs on %s; only Flink streamlets take savepoints", a[1], a[0], app.Spec.Streamlets[i].Runtime)
			}
			var nonce int64 = 1
			if f := app.Spec.Streamlets[i].Flink; f != nil && f.SavepointTriggerNonce != nil {
				nonce = *f.SavepointTriggerNonce + 1
			}
			cfg, err := edit.Owned(live, edit.FieldManager)
			if err != nil {
				return err
			}
			edit.Savepoint(cfg, a[1], nonce)
			if _, err := c.Apply(cmd.Context(), cfg, kube.ApplyOptions{Force: force}); err != nil {
				return err
			}
			fmt.Fprintln(e.out, report.SavepointAsked(a[0], a[1], nonce))
			return nil
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
			c, err := e.client()
			if err != nil {
				return err
			}
			live, err := c.App(cmd.Context(), c.Namespace, a[0])
			if err != nil {
				return err
			}
			app, err := typed(live)
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
			cfg, err := edit.Owned(live, edit.FieldManager)
			if err != nil {
				return err
			}
			if err := edit.Configure(cfg, app, settings); err != nil {
				return err
			}
			if _, err := c.Apply(cmd.Context(), cfg, kube.ApplyOptions{Force: force}); err != nil {
				return err
			}
			printLines(e.out, report.Configured(a[0], changes))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force-conflicts", false, "take over the fields when another field manager owns them")
	return cmd
}
