package draw

import (
	"fmt"
	"strings"

	"github.com/sluice-dev/sluice/graph"
)

// dotShapes are the node shapes of each runtime.
var dotShapes = map[graph.Runtime]string{graph.Akka: "box", graph.Spark: "box3d", graph.Flink: "component"}

// DOT draws the blueprint in Graphviz's language, one digraph: streamlets as
// boxes (akka), 3D boxes (spark) or components (flink) with runtime and
// scale, every reader of a topic an edge from its writer labelled with the
// topic and the inlet, a topic nothing reads a dashed edge to a point, and
// topics the application does not write as ellipses. With a status (nil
// for none), every streamlet is filled and every edge coloured by health,
// and retained topics are drawn apart.
func DOT(bp *graph.Blueprint, st *graph.Status) string {
	v := newView(st)
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n  rankdir=LR;\n  node [shape=box];\n", bp.Name)
	for _, s := range bp.Streamlets {
		label := fmt.Sprintf("%s\n%s ×%d", s.Name, s.Runtime, s.Replicas)
		h, line := v.streamlet(s.Name)
		if line != "" {
			label += "\n" + line
		}
		fmt.Fprintf(&b, "  %q [shape=%s, label=%q%s];\n", s.Name, dotShapes[s.Runtime], label, dotFill(h))
	}
	for _, t := range bp.Topics {
		h := v.topic(t.Name)
		from := t.Streamlet
		if from == "" {
			from = "topic " + t.Name
			fmt.Fprintf(&b, "  %q [shape=ellipse, label=%q%s];\n", from, t.Name+"\n(existing)", dotFill(h))
		}
		if len(t.Readers) == 0 {
			fmt.Fprintf(&b, "  %q [shape=point];\n  %q -> %q [label=%q, style=dashed%s];\n", "end "+t.Name, from, "end "+t.Name, t.Name+"\n(no reader)", dotLine(h))
		}
		for _, r := range t.Readers {
			to, inlet, _ := strings.Cut(r, ".")
			fmt.Fprintf(&b, "  %q -> %q [label=%q%s];\n", from, to, t.Name+" → "+inlet, dotLine(h))
		}
	}
	if v != nil {
		for _, name := range v.retained {
			fmt.Fprintf(&b, "  %q [shape=ellipse, style=\"dashed,filled\", label=%q%s];\n", "retained "+name, name+"\n(retained)", dotColours(Retained))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func dotFill(h Health) string {
	if h == None {
		return ""
	}
	return ", style=filled" + dotColours(h)
}

func dotColours(h Health) string {
	c := colours[h]
	return fmt.Sprintf(", fillcolor=%q, color=%q", c.fill, c.line)
}

func dotLine(h Health) string {
	if h == None {
		return ""
	}
	return fmt.Sprintf(", color=%q, fontcolor=%q", colours[h].line, colours[h].line)
}
