package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/kube"
	"github.com/sluice-dev/sluice/hooks"
	"github.com/sluice-dev/sluice/hooks/diff"
)

func diffCommand(e *env) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "diff FILE [-o text|json]",
		Short: "Preview what applying FILE does to the live application's children and topics",
		Long: `Runs the very function the Sluice hook runs on what Metacontroller would send
after FILE is applied: the application as the API server would store it (a
server-side dry run), under the live CompositeController, with the live
children (every kind the controller lists, by the controller-uid label).
Prints every child that would be created (+), changed (~, field by field
against the configuration Metacontroller last applied to it) or deleted (-),
and for every topic whether it is kept, created, retained, released or
deleted. Exits 0 when no child changes, 1 when one does, 2 on error (as
kubectl diff). An application that does not exist yet is all creates.`,
		Args: args(1, "FILE"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if output != "text" && output != "json" {
				return usageError{fmt.Sprintf("-o %s: want text or json", output)}
			}
			doc, n, err := e.validApp(a[0])
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%d problems: an invalid application changes no child; fix them first", n)
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			if err := doc.namespace(c.Namespace, c.ExplicitNamespace); err != nil {
				return err
			}
			res, err := e.preview(cmd.Context(), c, doc)
			if err != nil {
				return err
			}
			if output == "json" {
				b, err := json.MarshalIndent(res, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(e.out, "%s\n", b)
			} else if err := res.Write(e.out); err != nil {
				return err
			}
			if res.Changed {
				return no("")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

// preview runs the hook's function on the sync request Metacontroller would
// send once doc is applied: the parent as a server-side dry run stores it,
// under the live controller, with the live children.
func (e *env) preview(ctx context.Context, c *kube.Client, doc *document) (*diff.Result, error) {
	controller, err := c.Controller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.App(ctx, doc.obj.GetNamespace(), doc.obj.GetName()); err != nil && !errors.Is(err, kube.ErrNotFound) {
		return nil, err
	}
	parent, err := c.Apply(ctx, doc.obj, kube.ApplyOptions{DryRun: true, Force: true})
	if err != nil {
		return nil, err
	}
	if parent.GetUID() == "" {
		parent.SetUID(hooks.RenderUID)
	}
	observed, err := c.Children(ctx, controller, parent)
	if err != nil {
		return nil, err
	}
	return diff.Compute(&hooks.Request{Controller: controller, Parent: parent, Children: observed}, e.now())
}
