package children

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/graph"
)

// conditionSet sets conditions on the previous ones, so that a condition
// keeps its lastTransitionTime while its status does not change.
type conditionSet struct {
	conds      []metav1.Condition
	generation int64
	now        time.Time
}

func (c *conditionSet) set(condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&c.conds, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: truncate(message, maxConditionMessage),
		ObservedGeneration: c.generation, LastTransitionTime: metav1.NewTime(c.now.UTC().Truncate(time.Second)),
	})
}

// conditions sets the status's conditions on the previous ones: what the
// blueprint, topics and children say, whether an edit rolls out, Ready, and
// kstatus' pair.
func conditions(in statusInput, previous []metav1.Condition, st *graph.Status, topics topicSummary, rolling map[string]bool) []metav1.Condition {
	c := &conditionSet{conds: slices.Clone(previous), generation: in.generation, now: in.now}
	valid := len(in.invalid) == 0
	nothingCreated := !valid && in.observed.Count() == 0
	switch {
	case valid:
		c.set(graph.ConditionBlueprintValid, metav1.ConditionTrue, "Valid", "the blueprint is valid")
	default:
		c.set(graph.ConditionBlueprintValid, metav1.ConditionFalse, "Invalid", "spec rejected, children kept as last applied: "+strings.Join(in.invalid, "; "))
	}
	switch {
	case nothingCreated:
		c.set(graph.ConditionTopicsReady, metav1.ConditionUnknown, "BlueprintInvalid", "no topic was created: the blueprint is invalid")
	default:
		c.set(graph.ConditionTopicsReady, conditionStatus(topics.ok), reasonFor(topics.ok, "TopicsReady", "TopicsNotReady"), topics.message)
	}
	appliedOK, appliedReason, appliedMsg := childrenApplied(in)
	c.set(graph.ConditionChildrenApplied, conditionStatus(appliedOK), appliedReason, appliedMsg)
	switch names := sortedNames(rolling); {
	case len(names) > 0 && st.Phase == graph.PhaseRunning:
		c.set(graph.ConditionProgressing, metav1.ConditionTrue, "RollingOut", "rolling out an edit: "+abbreviate(names))
	default:
		c.set(graph.ConditionProgressing, metav1.ConditionFalse, "Settled", "no rollout in progress")
	}
	r := readiness(st, topics, valid, nothingCreated, appliedOK, appliedReason, appliedMsg)
	c.set(graph.ConditionReady, conditionStatus(r.ok), r.reason, r.message)
	c.kstatus(r, !valid || st.Phase == graph.PhaseFailed || st.Phase == graph.PhaseDegraded)
	return c.conds
}

// ready is the Ready condition's verdict.
type ready struct {
	ok              bool
	reason, message string
}

// readiness decides Ready and says why not, most telling reason first.
func readiness(st *graph.Status, topics topicSummary, valid, nothingCreated, appliedOK bool, appliedReason, appliedMsg string) ready {
	r := ready{reason: string(st.Phase), message: streamletsMessage(st.StreamletsReady, st.Streamlets)}
	suspended := st.Phase == graph.PhaseSuspended
	switch {
	case suspended && valid && appliedOK:
		r.message = fmt.Sprintf("%s suspended; set spec.suspend (or each streamlet's suspend) to false to resume", count(len(st.Streamlets), "streamlet"))
	case nothingCreated:
		r.reason, r.message = "BlueprintInvalid", "nothing was created: the blueprint is invalid (see BlueprintValid)"
	case !valid:
		r.reason, r.message = "BlueprintInvalid", "the spec was rejected; the last valid version keeps running"
	case !appliedOK:
		r.reason, r.message = appliedReason, appliedMsg
	case !topics.ok && st.Phase != graph.PhaseFailed:
		r.reason, r.message = "TopicsNotReady", topics.message
	}
	// A suspended application is as its spec asks: Ready, so that GitOps
	// tools and kubectl wait see it reconciled (its topics' readiness is
	// TopicsReady's to tell).
	r.ok = valid && appliedOK && (st.Phase == graph.PhaseRunning && topics.ok || suspended)
	return r
}

// kstatus sets kstatus' abnormal-true pair (Flux, kubectl wait, cli-utils):
// Stalled when a person must act, Reconciling while the application heads
// for Ready on its own.
func (c *conditionSet) kstatus(r ready, stalled bool) {
	progressing := meta.IsStatusConditionTrue(c.conds, graph.ConditionProgressing)
	switch {
	case stalled:
		c.set(graph.ConditionStalled, metav1.ConditionTrue, r.reason, r.message)
	default:
		c.set(graph.ConditionStalled, metav1.ConditionFalse, "NotStalled", "nothing needs a person")
	}
	switch {
	case !stalled && r.ok && progressing:
		c.set(graph.ConditionReconciling, metav1.ConditionTrue, "RollingOut", r.message)
	case !stalled && !r.ok:
		c.set(graph.ConditionReconciling, metav1.ConditionTrue, r.reason, r.message)
	default:
		c.set(graph.ConditionReconciling, metav1.ConditionFalse, "Reconciled", "the application is as its spec asks, or stalled")
	}
}

func conditionStatus(ok bool) metav1.ConditionStatus {
	if ok {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}

// maxConditionMessage is metav1.Condition's limit on messages; a longer one
// would make the API server refuse the whole status.
const maxConditionMessage = 32768

// truncate cuts s to at most n bytes, on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	const mark = " …(truncated)"
	if len(s) <= n {
		return s
	}
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

func reasonFor(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// childrenApplied checks that every answered child was observed: one that
// never shows up was refused by the API server (invalid, name taken, quota),
// and Metacontroller reports that only in its log and in a rate-limited
// event.
func childrenApplied(in statusInput) (bool, string, string) {
	if len(in.problems) > 0 {
		return false, "KindNotListed", strings.Join(in.problems, "; ")
	}
	var missing []string
	for _, c := range in.answered {
		if _, ok := in.observed.Get(c.Kind(), c.Name()); !ok {
			missing = append(missing, c.Kind()+"/"+c.Name())
		}
	}
	switch {
	case len(missing) == 0:
		return true, "AllApplied", fmt.Sprintf("%d children applied", len(in.answered))
	case in.observed.Count() == 0:
		return false, "Creating", fmt.Sprintf("%d children requested", len(in.answered))
	default:
		return false, "NotObserved", fmt.Sprintf("%d children answered but not observed yet (refused by the API server if this persists; see Metacontroller's log): %s",
			len(missing), abbreviate(missing))
	}
}
