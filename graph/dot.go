package graph

import (
	"fmt"
	"strings"
)

// DOT draws a blueprint in Graphviz's language: streamlets as boxes (with
// runtime and scale), every reader of a topic as an edge from its writer
// labelled with the topic, and topics that no streamlet of the application
// writes as ellipses.
func DOT(bp *Blueprint) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n  rankdir=LR;\n  node [shape=box];\n", bp.Name)
	for _, s := range bp.Streamlets {
		fmt.Fprintf(&b, "  %q [label=%q];\n", s.Name, fmt.Sprintf("%s\n%s ×%d", s.Name, s.Runtime, s.Replicas))
	}
	for _, t := range bp.Topics {
		from := t.Streamlet
		if from == "" {
			from = "topic " + t.Name
			fmt.Fprintf(&b, "  %q [shape=ellipse, label=%q];\n", from, t.Name)
		}
		if len(t.Readers) == 0 {
			fmt.Fprintf(&b, "  %q [shape=point];\n  %q -> %q [label=%q, style=dashed];\n", "end "+t.Name, from, "end "+t.Name, t.Name)
		}
		for _, r := range t.Readers {
			to, inlet, _ := strings.Cut(r, ".")
			fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", from, to, t.Name+" → "+inlet)
		}
	}
	b.WriteString("}\n")
	return b.String()
}
