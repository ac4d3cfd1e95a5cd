package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/graph/draw"
)

func graphCommand(e *env) *cobra.Command {
	var format, file string
	var status bool
	cmd := &cobra.Command{
		Use:   "graph (APP | -f FILE) [--format dot|mermaid] [--status]",
		Short: "Draw an application's blueprint as Graphviz DOT or Mermaid",
		Long: `Draws the blueprint of a live application (APP) or of a file (-f FILE):
streamlets shaped by runtime with their scale, an edge per topic and reader
labelled with the topic, existing topics as their own nodes. --format
mermaid writes a Mermaid flowchart, which renders in Markdown and needs no
Graphviz; dot writes Graphviz's language (dot -Tsvg). --status colours every
streamlet and topic of a live application by its health and adds its
retained topics.`,
		Args: func(_ *cobra.Command, a []string) error {
			if (len(a) == 1) == (file != "") || len(a) > 1 {
				return usageError{"want APP or -f FILE"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			var render func(*graph.Blueprint, *graph.Status) string
			switch format {
			case "dot":
				render = draw.DOT
			case "mermaid":
				render = draw.Mermaid
			default:
				return usageError{fmt.Sprintf("--format %s: want dot or mermaid", format)}
			}
			if file != "" {
				if status {
					return usageError{"--status colours a live application: name APP instead of -f FILE"}
				}
				return e.drawFile(file, render)
			}
			return e.drawLive(cmd.Context(), a[0], status, render)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "dot", "dot or mermaid")
	f.StringVarP(&file, "filename", "f", "", "draw the application of this file instead of a live one")
	f.BoolVar(&status, "status", false, "colour streamlets and topics by their health")
	return cmd
}

// drawFile draws the valid application of a file.
func (e *env) drawFile(file string, render func(*graph.Blueprint, *graph.Status) string) error {
	doc, n, err := e.validApp(file)
	if err != nil {
		return err
	}
	if n > 0 {
		return no("%d problems: only a valid application can be drawn", n)
	}
	bp, _ := graph.Resolve(doc.app)
	_, err = io.WriteString(e.out, render(bp, nil))
	return err
}

// drawLive draws a live application, coloured by its status if asked.
func (e *env) drawLive(ctx context.Context, name string, status bool, render func(*graph.Blueprint, *graph.Status) string) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	live, err := c.App(ctx, c.Namespace, name)
	if err != nil {
		return err
	}
	b, err := specJSON(live)
	if err != nil {
		return err
	}
	bp, problems := graph.ResolveJSON(b)
	if len(problems) > 0 {
		printLines(e.errOut, problems.Strings())
		return no("the live application is invalid (its status says so too): only a valid application can be drawn")
	}
	var st *graph.Status
	if status {
		st = statusOf(live)
	}
	_, err = io.WriteString(e.out, render(bp, st))
	return err
}
