package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// maxValue is the longest value Write prints in full; -o json has them all.
const maxValue = 120

// Write prints the preview for a person: a summary line, every child that
// would be created (+), changed (~, with its fields) or deleted (-), then
// every topic with its fate, and the problems of an invalid spec.
func (r *Result) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "StreamingApplication %s/%s: %s\n", r.Namespace, r.Name, r.summary())
	for _, c := range r.Children {
		mark := map[Action]string{Create: "+", Change: "~", Delete: "-"}[c.Action]
		fmt.Fprintf(&b, "%s %s %s", mark, c.Kind, c.Name)
		if c.Note != "" {
			fmt.Fprintf(&b, " (%s)", c.Note)
		}
		b.WriteString("\n")
		for _, f := range c.Fields {
			if old, new, ok := multiline(f); ok {
				fmt.Fprintf(&b, "    %s:\n", f.Path)
				writeLines(&b, old, new)
				continue
			}
			fmt.Fprintf(&b, "    %s: %s → %s\n", f.Path, value(f.Old), value(f.New))
		}
	}
	if len(r.Topics) > 0 {
		b.WriteString("Topics:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, t := range r.Topics {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.Name, t.Fate, t.Note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.Problems) > 0 {
		b.WriteString("Problems (the status would list them; an invalid spec changes no child):\n")
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s\n", p)
		}
	}
	_, err := io.WriteString(w, trimLines(b.String()))
	return err
}

// summary counts the children by action.
func (r *Result) summary() string {
	n := map[Action]int{}
	for _, c := range r.Children {
		n[c.Action]++
	}
	if len(r.Children) == 0 {
		return "no child changes"
	}
	var parts []string
	for _, a := range []Action{Create, Change, Delete} {
		if n[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n[a], a))
		}
	}
	return strings.Join(parts, ", ")
}

// value prints one field value as compact JSON, "(none)" when absent.
func value(v any) string {
	if v == nil {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len([]rune(s)) <= maxValue {
		return s
	}
	if m, ok := v.(map[string]any); ok {
		// An object too long to print names its fields: the diff of a
		// change shows the fields that change, one by one.
		s = "{" + strings.Join(slices.Sorted(maps.Keys(m)), ", ") + "}"
		if len([]rune(s)) <= maxValue {
			return s
		}
	}
	return string([]rune(s)[:maxValue]) + "…"
}

// multiline returns a change of a string that spans lines on either side,
// split into lines.
func multiline(f Field) ([]string, []string, bool) {
	old, ok1 := f.Old.(string)
	new, ok2 := f.New.(string)
	if !ok1 || !ok2 || !strings.Contains(old+new, "\n") {
		return nil, nil, false
	}
	return strings.Split(old, "\n"), strings.Split(new, "\n"), true
}

// writeLines prints the lines that differ between two texts, - old and +
// new, between the lines they start and end with in common.
func writeLines(b *strings.Builder, old, new []string) {
	pre := 0
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	post := 0
	for post < len(old)-pre && post < len(new)-pre && old[len(old)-1-post] == new[len(new)-1-post] {
		post++
	}
	if pre > 0 {
		fmt.Fprintf(b, "        (%d lines the same)\n", pre)
	}
	for _, l := range old[pre : len(old)-post] {
		fmt.Fprintf(b, "      - %s\n", l)
	}
	for _, l := range new[pre : len(new)-post] {
		fmt.Fprintf(b, "      + %s\n", l)
	}
	if post > 0 {
		fmt.Fprintf(b, "        (%d lines the same)\n", post)
	}
}

// trimLines drops the trailing blanks tabwriter leaves after a last column.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
