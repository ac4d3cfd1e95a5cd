package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/report"
)

func statusCommand(e *env) *cobra.Command {
	var output string
	var watch bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "status APP [-o json|yaml] [--watch]",
		Short: "Show an application's phase, conditions, streamlets, topics and endpoints; exit 0 only when Ready",
		Long: `Prints the application's phase and conditions, then a table per streamlet
(name, runtime, ready/expected, phase, message) and per topic (name, ready,
managed, retained, reader, message), its endpoints and the parameters that
fell back to their defaults; -o json or -o yaml prints the status itself.
Exits 0 only when the application is Ready for its last edit, 1 otherwise,
so scripts can wait on it. --watch prints the status again whenever it
changes and ends when the application is Ready (or --timeout passes, exit 1).`,
		Args: args(1, "APP"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if output != "" && output != "json" && output != "yaml" {
				return usageError{fmt.Sprintf("-o %s: want json or yaml", output)}
			}
			return e.status(cmd.Context(), a[0], output, watch, timeout)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "", "json or yaml: print the status itself")
	f.BoolVarP(&watch, "watch", "w", false, "print the status whenever it changes, until Ready")
	f.DurationVar(&timeout, "timeout", 0, "how long --watch waits (0: until Ready or interrupted)")
	return cmd
}

// status prints the application's status, again whenever it changes with
// watch, and is a negative answer unless it is Ready (by timeout, if set,
// with watch).
func (e *env) status(ctx context.Context, name, output string, watch bool, timeout time.Duration) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = e.now().Add(timeout)
	}
	var last string
	return e.repeat(ctx, deadline, func() (bool, string, error) {
		live, err := c.App(ctx, c.Namespace, name)
		if err != nil {
			return false, "", err
		}
		if rv := live.GetResourceVersion(); rv != last {
			if last != "" {
				fmt.Fprintln(e.out, "---")
			}
			last = rv
			if err := e.printStatus(output, application(live), live.Object["status"]); err != nil {
				return false, "", err
			}
		}
		ready, why := application(live).Ready()
		if !ready && !watch {
			return false, why, no("")
		}
		return ready, why, nil
	}, func(why string) error {
		return no("application %s is not Ready after %s: %s", name, timeout, why)
	})
}

func (e *env) printStatus(output string, a report.Application, raw any) error {
	switch output {
	case "json":
		b, err := json.MarshalIndent(raw, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.out, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(raw)
		if err != nil {
			return err
		}
		_, err = e.out.Write(b)
		return err
	}
	return report.Status(e.out, a)
}

func listCommand(e *env) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list [-A]",
		Short: "List the applications of the namespace, or of every namespace with -A",
		Args:  args(0, "no argument"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.client()
			if err != nil {
				return err
			}
			ns := c.Namespace
			if all {
				ns = ""
			}
			items, err := c.Apps(cmd.Context(), ns)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				where := "namespace " + ns
				if all {
					where = "any namespace"
				}
				fmt.Fprintf(e.errOut, "No StreamingApplications in %s.\n", where)
				return nil
			}
			apps := make([]report.Application, len(items))
			for i := range items {
				apps[i] = application(&items[i])
			}
			return report.List(e.out, apps, all, e.now())
		},
	}
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "list the applications of every namespace")
	return cmd
}
