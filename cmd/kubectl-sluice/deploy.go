package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/edit"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/kube"
	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/report"
	"github.com/sluice-dev/sluice/graph"
)

func deployCommand(e *env) *cobra.Command {
	var conf, confFiles []string
	var dryRun string
	var wait, force bool
	var timeout time.Duration
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
			if dryRun != "none" && dryRun != "client" && dryRun != "server" {
				return usageError{fmt.Sprintf("--dry-run=%s: want none, client or server", dryRun)}
			}
			settings, err := e.settings(conf, confFiles)
			if err != nil {
				return err
			}
			doc, bp, err := e.configured(a[0], settings)
			if err != nil {
				return err
			}
			printLines(e.out, report.Defaults(bp))
			if dryRun == "client" {
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
			if _, err := c.Apply(cmd.Context(), doc.obj, kube.ApplyOptions{DryRun: dryRun == "server", Force: force}); err != nil {
				return err
			}
			if dryRun == "server" {
				fmt.Fprintf(e.out, "[Done] The API server accepts application `%s` (server dry run: nothing was stored).\n", doc.app.Name)
				return nil
			}
			fmt.Fprintln(e.out, report.Deployed(doc.app.Name))
			if wait {
				return e.waitReady(cmd.Context(), c, doc.obj.GetNamespace(), doc.obj.GetName(), timeout)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&conf, "conf", nil, "a configuration value, STREAMLET.KEY=VALUE (repeatable)")
	f.StringArrayVar(&confFiles, "conf-file", nil, "a file of configuration values, one STREAMLET.KEY=VALUE a line (repeatable)")
	f.StringVar(&dryRun, "dry-run", "none", "none, client (send nothing) or server (the API server checks, stores nothing)")
	f.Lookup("dry-run").NoOptDefVal = "client"
	f.BoolVar(&wait, "wait", false, "follow the status until the application is Ready")
	f.DurationVar(&timeout, "timeout", 5*time.Minute, "how long --wait waits")
	f.BoolVar(&force, "force-conflicts", false, "take over fields another field manager owns")
	return cmd
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
