package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/graph"
)

// Application is what status and list know of one application.
type Application struct {
	Namespace, Name string
	Generation      int64
	Created         time.Time
	// Status is nil before Metacontroller wrote one.
	Status *graph.Status
}

// Ready reports whether the application is Ready for the generation it is
// at: its Ready condition is True and the status is of that generation.
// The reason says why not.
func (a Application) Ready() (bool, string) {
	st := a.Status
	if st == nil {
		return false, "no status yet: Metacontroller has not synced it (is Sluice installed?)"
	}
	if st.ObservedGeneration != a.Generation {
		return false, fmt.Sprintf("the status is of generation %d, the application is at %d: Metacontroller has not synced the last edit yet", st.ObservedGeneration, a.Generation)
	}
	for _, c := range st.Conditions {
		if c.Type == graph.ConditionReady {
			if c.Status == metav1.ConditionTrue {
				return true, c.Message
			}
			return false, c.Message
		}
	}
	return false, "no Ready condition"
}

// Status prints an application's status: its phase and conditions, then a
// table per streamlet and per topic, its endpoints and the parameters that
// fell back to their defaults.
func Status(w io.Writer, a Application) error {
	var b strings.Builder
	if err := status(&b, a); err != nil {
		return err
	}
	_, err := io.WriteString(w, trimLines(b.String()))
	return err
}

func status(w io.Writer, a Application) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	st := a.Status
	if st == nil {
		fmt.Fprintf(tw, "StreamingApplication %s/%s: no status yet\n", a.Namespace, a.Name)
		return tw.Flush()
	}
	fmt.Fprintf(tw, "StreamingApplication %s/%s: %s, %s streamlets ready (generation %d, status of %d)\n",
		a.Namespace, a.Name, orDash(string(st.Phase)), orDash(st.StreamletsReady), a.Generation, st.ObservedGeneration)
	if len(st.Conditions) > 0 {
		fmt.Fprintf(tw, "\nCONDITION\tSTATUS\tREASON\tMESSAGE\n")
		for _, c := range st.Conditions {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Type, c.Status, c.Reason, oneLine(c.Message))
		}
	}
	if len(st.Problems) > 0 {
		fmt.Fprintf(tw, "\nPROBLEM\n")
		for _, p := range st.Problems {
			fmt.Fprintf(tw, "%s\n", p)
		}
	}
	if len(st.Streamlets) > 0 {
		fmt.Fprintf(tw, "\nSTREAMLET\tRUNTIME\tREADY\tPHASE\tMESSAGE\n")
		for _, s := range st.Streamlets {
			fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\n", s.Name, s.Runtime, s.ReadyReplicas, s.ExpectedReplicas, s.Phase, oneLine(s.Message))
		}
	}
	if len(st.Topics) > 0 {
		fmt.Fprintf(tw, "\nTOPIC\tREADY\tMANAGED\tRETAINED\tREADER\tMESSAGE\n")
		for _, t := range st.Topics {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, yesNo(t.Ready), yesNo(t.Managed), yesNo(t.Retained), yesNo(t.Reader), oneLine(t.Message))
		}
	}
	if len(st.Endpoints) > 0 {
		fmt.Fprintf(tw, "\nENDPOINT\tSERVICE\tURL\n")
		for _, e := range st.Endpoints {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Streamlet, e.Service, e.URL)
		}
	}
	if len(st.DefaultedParameters) > 0 {
		fmt.Fprintf(tw, "\nDEFAULTED PARAMETER\tVALUE\n")
		for _, d := range st.DefaultedParameters {
			fmt.Fprintf(tw, "%s.%s\t%s\n", d.Streamlet, d.Key, d.Value)
		}
	}
	return tw.Flush()
}

// List prints one line per application: name (with the namespace for
// more than one), phase, ready streamlets and age at now.
func List(w io.Writer, apps []Application, allNamespaces bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	if allNamespaces {
		fmt.Fprint(tw, "NAMESPACE\t")
	}
	fmt.Fprint(tw, "NAME\tPHASE\tREADY\tAGE\n")
	slices.SortFunc(apps, func(a, b Application) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	for _, a := range apps {
		if allNamespaces {
			fmt.Fprintf(tw, "%s\t", a.Namespace)
		}
		phase, ready := "-", "-"
		if a.Status != nil {
			phase, ready = orDash(string(a.Status.Phase)), orDash(a.Status.StreamletsReady)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, phase, ready, Age(now.Sub(a.Created)))
	}
	return tw.Flush()
}

// Age is a duration as kubectl prints ages: 45s, 12m, 5h, 3d.
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// Progress lists one line per streamlet whose readiness differs from the
// previous status (nil at first): a wait prints these as they change.
func Progress(previous, current *graph.Status) []string {
	seen := map[string]string{}
	if previous != nil {
		for _, s := range previous.Streamlets {
			seen[s.Name] = progressLine(s)
		}
	}
	var out []string
	if current == nil {
		return nil
	}
	for _, s := range current.Streamlets {
		if line := progressLine(s); seen[s.Name] != line {
			out = append(out, line)
		}
	}
	return out
}

func progressLine(s graph.StreamletStatus) string {
	line := fmt.Sprintf("  %s (%s): %d/%d %s", s.Name, s.Runtime, s.ReadyReplicas, s.ExpectedReplicas, s.Phase)
	if s.Message != "" {
		line += ": " + oneLine(s.Message)
	}
	return line
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// trimLines drops the blanks tabwriter leaves after an empty last column.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
