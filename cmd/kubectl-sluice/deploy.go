package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/edit"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/kube"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/report"
	"github.com/sluice-dev/sluice/graph"
)

// deployFlags are deploy's options.
type deployFlags struct {
	conf, confFiles []string
	dryRun          string
	wait, force     bool
	timeout         time.Duration
}

func deployCommand(e *env) *cobra.Command {
	var o deployFlags
	cmd := &cobra.Command{
		Use:   "deploy FILE [--conf STREAMLET.KEY=VALUE]... [--conf-file F] [--dry-run=client|server] [--wait]",
		Short: "Validate an application, print the defaults it uses, and apply it",
		Long: `Reads the StreamingApplication of FILE (- is standard input), sets the
--conf values (and those of each --conf-file: one STREAMLET.KEY=VALUE a line,
# comments) into its streamlets' config, and validates it with the same code
as the hook, against the declared parameters: every problem is printed at
once, and nothing is sent (exit 1). Then it prints every default the
application will use, applies it with server-side apply (field manager
kubectl-sluice; --force-conflicts takes over fields another manager owns) and
prints that the deployment has started. With --wait it follows the status,
streamlet by streamlet, until the application is Ready or --timeout passes
(exit 1). --dry-run=client sends nothing; --dry-run=server lets the API server
check everything and stores nothing.`,
		Args: args(1, "FILE"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if o.dryRun != "none" && o.dryRun != "client" && o.dryRun != "server" {
				return usageError{fmt.Sprintf("--dry-run=%s: want none, client or server", o.dryRun)}
			}
			return e.deploy(cmd.Context(), a[0], o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.conf, "conf", nil, "a configuration value, STREAMLET.KEY=VALUE (repeatable)")
	f.StringArrayVar(&o.confFiles, "conf-file", nil, "a file of configuration values, one STREAMLET.KEY=VALUE a line (repeatable)")
	f.StringVar(&o.dryRun, "dry-run", "none", "none, client (send nothing) or server (the API server checks, stores nothing)")
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.BoolVar(&o.wait, "wait", false, "follow the status until the application is Ready")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long --wait waits")
	f.BoolVar(&o.force, "force-conflicts", false, "take over fields another field manager owns")
	return cmd
}

// deploy validates the application of file with its settings, prints the
// defaults it uses and applies it (or, with a dry run, only checks it), then
// with wait follows it until Ready.
func (e *env) deploy(ctx context.Context, file string, o deployFlags) error {
	settings, err := e.settings(o.conf, o.confFiles)
	if err != nil {
		return err
	}
	doc, bp, err := e.configured(file, settings)
	if err != nil {
		return err
	}
	printLines(e.out, report.Defaults(bp))
	if o.dryRun == "client" {
		fmt.Fprintf(e.out, "[Done] Application `%s` is valid (dry run: nothing was sent).\n", doc.app.Name)
		return nil
	}
	c, err := e.client()
	if err != nil {
		return err
	}
	if err := doc.namespace(c.Namespace, c.ExplicitNamespace); err != nil {
		return err
	}
	if _, err := c.Apply(ctx, doc.obj, kube.ApplyOptions{DryRun: o.dryRun == "server", Force: o.force}); err != nil {
		return err
	}
	if o.dryRun == "server" {
		fmt.Fprintf(e.out, "[Done] The API server accepts application `%s` (server dry run: nothing was stored).\n", doc.app.Name)
		return nil
	}
	fmt.Fprintln(e.out, report.Deployed(doc.app.Name))
	if o.wait {
		return e.waitReady(ctx, c, doc.obj.GetNamespace(), doc.obj.GetName(), o.timeout)
	}
	return nil
}

// configured reads the application of file, sets the settings into its
// streamlets' config and validates the result: every problem is printed, and
// the error says nothing was sent.
func (e *env) configured(file string, settings []edit.Setting) (*document, *graph.Blueprint, error) {
	doc, problems, err := e.readApp(file)
	if err != nil {
		return nil, nil, err
	}
	if doc == nil {
		printLines(e.errOut, problems)
		return nil, nil, no("%s is not a valid StreamingApplication; nothing was sent", file)
	}
	merged, more := edit.Merge(doc.app, settings)
	problems = append(problems, prefix(doc.file+": "+doc.app.Name, more)...)
	if len(problems) > 0 {
		printLines(e.errOut, problems)
		return nil, nil, no("%d problems; nothing was sent", len(problems))
	}
	bp, resolved := graph.Resolve(merged)
	if len(resolved) > 0 { // Merge validated it
		printLines(e.errOut, resolved.Strings())
		return nil, nil, no("%d problems; nothing was sent", len(resolved))
	}
	if err := edit.Configure(doc.obj, doc.app, settings); err != nil {
		return nil, nil, err
	}
	return doc, bp, nil
}
