package draw

import (
	"fmt"
	"strings"

	"github.com/sluice-dev/sluice/graph"
)

// Mermaid draws the blueprint as a Mermaid flowchart (left to right), which
// GitHub and most Markdown viewers render: streamlets as rectangles (akka),
// subroutines (spark) or hexagons (flink) with runtime and scale, every
// reader of a topic an edge from its writer labelled with the topic and the
// inlet, a topic nothing reads a dotted edge to a small circle, and topics
// the application does not write as stadiums. Node ids are s0, s1, … in the
// blueprint's order, so names need no escaping. With a status (nil for
// none), every streamlet and topic is given the class of its health
// (healthy, waiting, degraded, failed, retained) and retained topics are
// drawn apart.
func Mermaid(bp *graph.Blueprint, st *graph.Status) string {
	v := newView(st)
	var b strings.Builder
	fmt.Fprintf(&b, "flowchart LR\n  %%%% StreamingApplication %s\n", bp.Name)
	ids := map[string]string{}
	classes := map[Health][]string{}
	var links []Health // the health of every link, in order
	for i, s := range bp.Streamlets {
		id := fmt.Sprintf("s%d", i)
		ids[s.Name] = id
		label := fmt.Sprintf("%s<br/>%s ×%d", s.Name, s.Runtime, s.Replicas)
		h, line := v.streamlet(s.Name)
		if line != "" {
			label += "<br/>" + line
		}
		open, close := mermaidShape(s.Runtime)
		fmt.Fprintf(&b, "  %s%s%s%s\n", id, open, quote(label), close)
		classes[h] = append(classes[h], id)
	}
	for i, t := range bp.Topics {
		h := v.topic(t.Name)
		from := ids[t.Streamlet]
		if t.Streamlet == "" {
			from = fmt.Sprintf("x%d", i)
			fmt.Fprintf(&b, "  %s([%s])\n", from, quote(t.Name+"<br/>(existing)"))
			classes[h] = append(classes[h], from)
		}
		if len(t.Readers) == 0 {
			end := fmt.Sprintf("e%d", i)
			fmt.Fprintf(&b, "  %s((\" \"))\n  %s -.->|%s| %s\n", end, from, quote(t.Name+" (no reader)"), end)
			links = append(links, h)
		}
		for _, r := range t.Readers {
			to, inlet, _ := strings.Cut(r, ".")
			fmt.Fprintf(&b, "  %s -->|%s| %s\n", from, quote(t.Name+" → "+inlet), ids[to])
			links = append(links, h)
		}
	}
	if v != nil {
		mermaidStyles(&b, v, classes, links)
	}
	return b.String()
}

// mermaidShape opens and closes a node of the runtime's shape.
func mermaidShape(r graph.Runtime) (string, string) {
	switch r {
	case graph.Spark:
		return "[[", "]]"
	case graph.Flink:
		return "{{", "}}"
	}
	return "[", "]"
}

// quote writes a Mermaid string: double quotes, with a double quote inside
// as its entity code.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"`
}

// mermaidStyles draws the retained topics and colours nodes and links by
// their health.
func mermaidStyles(b *strings.Builder, v *view, classes map[Health][]string, links []Health) {
	for i, name := range v.retained {
		id := fmt.Sprintf("r%d", i)
		fmt.Fprintf(b, "  %s([%s])\n", id, quote(name+"<br/>(retained)"))
		classes[Retained] = append(classes[Retained], id)
	}
	for _, h := range healths {
		c := colours[h]
		fmt.Fprintf(b, "  classDef %s fill:%s,stroke:%s\n", h, c.fill, c.line)
	}
	for _, h := range healths {
		if ids := classes[h]; len(ids) > 0 {
			fmt.Fprintf(b, "  class %s %s\n", strings.Join(ids, ","), h)
		}
	}
	for _, h := range healths {
		var idx []string
		for i, lh := range links {
			if lh == h {
				idx = append(idx, fmt.Sprint(i))
			}
		}
		if len(idx) > 0 {
			fmt.Fprintf(b, "  linkStyle %s stroke:%s,color:%s\n", strings.Join(idx, ","), colours[h].line, colours[h].line)
		}
	}
}
