package children

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// statusInput is everything the parent's status is computed from: the
// answer's input and what the answer decided.
type statusInput struct {
	// blueprint is the resolved application; nil when the spec was rejected.
	blueprint *graph.Blueprint
	// generation is the parent's metadata.generation.
	generation int64
	// invalid lists why the spec was rejected (BlueprintValid=False).
	invalid []string
	// problems lists what else keeps the application from running as
	// written, such as a child kind the CompositeController does not list.
	problems []string
	// kinds are the child kinds the CompositeController lists.
	kinds Kinds
	// observed are the children Metacontroller observed.
	observed Observed
	// answered are the children of this answer.
	answered []*unstructured.Unstructured
	// retained names the topics kept although their outlet left the
	// blueprint (Retain policy).
	retained map[string]bool
	// topicNotes are extra messages per topic object name, e.g. partitions
	// kept above the spec because Kafka cannot shrink a topic.
	topicNotes map[string]string
	// pods is the pod-level health per streamlet, when the customize hook
	// asked for the application's pods (the pod-health component).
	pods map[string]PodHealth
	// previous is the parent's current status, for lastTransitionTime and
	// for what an invalid spec cannot recompute.
	previous *graph.Status
	// now is the time of this sync.
	now time.Time
}

// status computes the parent's status. It is deterministic: the same input
// gives the same status, so an unchanged application costs no parent write.
func status(in statusInput) graph.Status {
	st := graph.Status{}
	prev := in.previous
	if prev == nil {
		prev = &graph.Status{}
	}
	wasReady := prev.Phase == graph.PhaseRunning || prev.Phase == graph.PhaseDegraded
	streamlets, rolling := streamletStatuses(in, wasReady)
	st.Streamlets = streamlets
	st.Topics = topicStatuses(in)
	if bp := in.blueprint; bp != nil {
		st.DefaultedParameters = bp.DefaultedParameters()
		for i := range bp.Streamlets {
			if s := &bp.Streamlets[i]; s.Endpoint != nil {
				st.Endpoints = append(st.Endpoints, graph.EndpointStatus{
					Streamlet: s.Name, Service: WorkloadName(bp.Name, s.Name), Port: s.Endpoint.ContainerPort, URL: EndpointURL(bp, s),
				})
			}
		}
	} else {
		// What runs is the last valid spec: keep what it reported.
		st.DefaultedParameters, st.Endpoints = prev.DefaultedParameters, prev.Endpoints
	}
	st.Problems = append(slices.Clone(in.invalid), in.problems...)

	ready := 0
	for _, s := range st.Streamlets {
		if s.Phase == graph.PhaseRunning {
			ready++
		}
	}
	st.StreamletsReady = fmt.Sprintf("%d/%d", ready, len(st.Streamlets))
	topics := summarizeTopics(st.Topics)
	st.Phase = applicationPhase(phaseInput{
		invalidAndNothingRuns: in.blueprint == nil && in.observed.Count() == 0,
		streamlets:            st.Streamlets,
		rolling:               rolling,
		topicsReady:           topics.ok,
		wasReady:              wasReady,
	})

	conds := slices.Clone(prev.Conditions)
	set := func(condType string, status metav1.ConditionStatus, reason, message string) {
		meta.SetStatusCondition(&conds, metav1.Condition{
			Type: condType, Status: status, Reason: reason, Message: truncate(message, maxConditionMessage),
			ObservedGeneration: in.generation, LastTransitionTime: metav1.NewTime(in.now.UTC().Truncate(time.Second)),
		})
	}
	valid := len(in.invalid) == 0
	nothingCreated := in.observed.Count() == 0
	if valid {
		set(graph.ConditionBlueprintValid, metav1.ConditionTrue, "Valid", "the blueprint is valid")
	} else {
		set(graph.ConditionBlueprintValid, metav1.ConditionFalse, "Invalid", "spec rejected, children kept as last applied: "+strings.Join(in.invalid, "; "))
	}
	switch {
	case !valid && nothingCreated:
		set(graph.ConditionTopicsReady, metav1.ConditionUnknown, "BlueprintInvalid", "no topic was created: the blueprint is invalid")
	default:
		set(graph.ConditionTopicsReady, conditionStatus(topics.ok), reasonFor(topics.ok, "TopicsReady", "TopicsNotReady"), topics.message)
	}
	appliedOK, appliedReason, appliedMsg := childrenApplied(in)
	set(graph.ConditionChildrenApplied, conditionStatus(appliedOK), appliedReason, appliedMsg)
	if names := sortedNames(rolling); len(names) > 0 && st.Phase == graph.PhaseRunning {
		set(graph.ConditionProgressing, metav1.ConditionTrue, "RollingOut", "rolling out an edit: "+abbreviate(names))
	} else {
		set(graph.ConditionProgressing, metav1.ConditionFalse, "Settled", "no rollout in progress")
	}
	readyOK := valid && topics.ok && appliedOK && st.Phase == graph.PhaseRunning
	readyReason, readyMsg := string(st.Phase), streamletsMessage(st.StreamletsReady, st.Streamlets)
	switch {
	case !valid && nothingCreated:
		readyReason, readyMsg = "BlueprintInvalid", "nothing was created: the blueprint is invalid (see BlueprintValid)"
	case !valid:
		readyReason, readyMsg = "BlueprintInvalid", "the spec was rejected; the last valid version keeps running"
	case !appliedOK:
		readyReason, readyMsg = appliedReason, appliedMsg
	case !topics.ok && st.Phase != graph.PhaseFailed:
		readyReason, readyMsg = "TopicsNotReady", topics.message
	}
	set(graph.ConditionReady, conditionStatus(readyOK), readyReason, readyMsg)
	st.Conditions = conds
	return st
}

func conditionStatus(ok bool) metav1.ConditionStatus {
	if ok {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}

// streamletsMessage is "N/M streamlets running", naming the streamlets that
// are not, with their phase and message.
func streamletsMessage(ready string, streamlets []graph.StreamletStatus) string {
	var culprits []string
	for _, s := range streamlets {
		if s.Phase == graph.PhaseRunning {
			continue
		}
		c := fmt.Sprintf("%s (%s", s.Name, s.Phase)
		if s.Message != "" {
			c += ": " + s.Message
		}
		culprits = append(culprits, c+")")
	}
	msg := ready + " streamlets running"
	if len(culprits) > 0 {
		msg += "; not running: " + abbreviate(culprits)
	}
	return msg
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

// phaseInput is what the application's phase is decided from.
type phaseInput struct {
	// invalidAndNothingRuns: the spec was rejected and no child exists.
	invalidAndNothingRuns bool
	streamlets            []graph.StreamletStatus
	// rolling names the streamlets whose operator rolls out an edit.
	rolling map[string]bool
	// topicsReady: every topic Sluice manages is Ready.
	topicsReady bool
	// wasReady: the application ran before (its previous phase was
	// Running or Degraded), so what does not run now is an outage, not a
	// start.
	wasReady bool
}

// applicationPhase is the one place that orders the phases; the first rule
// that holds decides:
//
//  1. Invalid: the spec was rejected and nothing of it runs.
//  2. Pending: there is no streamlet to run yet.
//  3. Failed: every streamlet failed.
//  4. Degraded: a streamlet failed or is degraded (a rollout that failed or
//     stalled, pods lost, a crash loop).
//  5. Running: every streamlet runs and every managed topic is Ready; a
//     streamlet rolling out an edit while it still serves counts as running
//     (the Progressing condition says so).
//  6. Running: the application ran before and the streamlets that do not
//     run only roll out an edit (resubmitted, not created yet), topics Ready.
//  7. Degraded: the application ran before; a streamlet or topic is lost.
//  8. Pending: it never ran yet.
func applicationPhase(in phaseInput) graph.Phase {
	if in.invalidAndNothingRuns {
		return graph.PhaseInvalid
	}
	if len(in.streamlets) == 0 {
		return graph.PhasePending
	}
	counts := map[graph.Phase]int{}
	onlyRolling := true
	for _, s := range in.streamlets {
		counts[s.Phase]++
		if s.Phase != graph.PhaseRunning && !in.rolling[s.Name] {
			onlyRolling = false
		}
	}
	switch {
	case counts[graph.PhaseFailed] == len(in.streamlets):
		return graph.PhaseFailed
	case counts[graph.PhaseFailed] > 0 || counts[graph.PhaseDegraded] > 0:
		return graph.PhaseDegraded
	case counts[graph.PhaseRunning] == len(in.streamlets) && in.topicsReady:
		return graph.PhaseRunning
	case in.wasReady && onlyRolling && in.topicsReady:
		return graph.PhaseRunning
	case in.wasReady:
		return graph.PhaseDegraded
	default:
		return graph.PhasePending
	}
}

// workloadKinds are the kinds that run a streamlet, with their health reader.
var workloadKinds = []struct {
	kind    string
	runtime graph.Runtime
	health  func(*unstructured.Unstructured) Health
}{
	{"Deployment", graph.Akka, DeploymentHealth},
	{SparkApplicationKind, graph.Spark, SparkHealth},
	{FlinkDeploymentKind, graph.Flink, FlinkHealth},
}

// streamletStatuses reports every streamlet of the blueprint, or, for a
// rejected spec, every streamlet that still runs. It also names the
// streamlets whose operator rolls out an edit; a workload not created yet
// counts as one when the application ran before (a streamlet just added).
func streamletStatuses(in statusInput, wasReady bool) ([]graph.StreamletStatus, map[string]bool) {
	var out []graph.StreamletStatus
	rolling := map[string]bool{}
	if bp := in.blueprint; bp != nil {
		for i := range bp.Streamlets {
			s := &bp.Streamlets[i]
			ss := graph.StreamletStatus{Name: s.Name, Runtime: s.Runtime, ExpectedReplicas: s.Replicas, Phase: graph.PhasePending, State: s.State}
			for _, wk := range workloadKinds {
				if wk.runtime != s.Runtime {
					continue
				}
				u, observed := in.observed.Get(wk.kind, WorkloadName(bp.Name, s.Name))
				_, listed := in.kinds[wk.kind]
				switch {
				case observed:
					h := wk.health(u)
					ss.ReadyReplicas, ss.Phase, ss.Message = h.Ready, h.Phase, h.Message
					rolling[s.Name] = h.Rolling
				case !listed:
					ss.Message = "not run: the CompositeController does not list " + wk.kind
				default:
					ss.Message = wk.kind + " not created yet"
					rolling[s.Name] = wasReady
				}
			}
			if s.State == "" && s.Runtime != graph.Akka {
				ss.Message = joinMessages(ss.Message, "no spec.state: restarts stateless")
			}
			out = append(out, withPods(ss, in.pods))
		}
		return out, onlyTrue(rolling)
	}
	for _, wk := range workloadKinds {
		for _, u := range in.observed.All(wk.kind) {
			h := wk.health(u)
			name := u.GetLabels()[LabelStreamlet]
			rolling[name] = h.Rolling
			out = append(out, withPods(graph.StreamletStatus{
				Name: name, Runtime: wk.runtime,
				ExpectedReplicas: h.Expected, ReadyReplicas: h.Ready, Phase: h.Phase, Message: h.Message,
			}, in.pods))
		}
	}
	slices.SortFunc(out, func(a, b graph.StreamletStatus) int { return strings.Compare(a.Name, b.Name) })
	return out, onlyTrue(rolling)
}

func onlyTrue(m map[string]bool) map[string]bool {
	maps.DeleteFunc(m, func(_ string, v bool) bool { return !v })
	return m
}

func sortedNames(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}

// withPods adds what the streamlet's pods say: restarts, and containers
// waiting for a person (CrashLoopBackOff, image pull failures), which make a
// streamlet that is not Failed Degraded.
func withPods(ss graph.StreamletStatus, pods map[string]PodHealth) graph.StreamletStatus {
	h, ok := pods[ss.Name]
	if !ok {
		return ss
	}
	ss.Restarts = h.Restarts
	if trouble := h.Trouble(); trouble != "" {
		if ss.Phase != graph.PhaseFailed {
			ss.Phase = graph.PhaseDegraded
		}
		ss.Message = joinMessages(ss.Message, trouble)
	}
	return ss
}

func joinMessages(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// topicStatuses reports every Kafka topic the application uses, once each
// (the CRD keys status.topics by name): every topic of an answered
// KafkaTopic, and every existing topic the blueprint wires in. A topic with
// more than one answered KafkaTopic, or wired in as existing while its
// KafkaTopic is released, is one entry whose message tells both.
func topicStatuses(in statusInput) []graph.TopicStatus {
	readers := map[string]bool{}
	byName := map[string]*graph.TopicStatus{}
	msgs := map[string][]string{}
	entry := func(name string) *graph.TopicStatus {
		ts, ok := byName[name]
		if !ok {
			ts = &graph.TopicStatus{Name: name, Ready: true, Reader: readers[name]}
			if in.blueprint == nil {
				ts.Reader = true // unknown while the spec is rejected; do not alarm
			}
			byName[name] = ts
		}
		return ts
	}
	if bp := in.blueprint; bp != nil {
		for _, t := range bp.Topics {
			readers[t.Name] = len(t.Readers) > 0
		}
		for _, t := range bp.Topics {
			if !t.Managed {
				entry(t.Name)
				msgs[t.Name] = append(msgs[t.Name], "existing topic, not managed by Sluice")
			}
		}
	}
	for _, u := range in.answered {
		if u.GetKind() != KafkaTopicKind {
			continue
		}
		name := cmp.Or(nestedString(u, "spec", "topicName"), u.GetName())
		_, seen := byName[name]
		ts := entry(name)
		releasing := u.GetAnnotations()[AnnotationStrimziManaged] == "false"
		if !releasing && (!seen || ts.Managed) {
			ts.Managed = true
		}
		if in.retained[u.GetName()] {
			ts.Retained = true
		}
		var m []string
		if obs, ok := in.observed.Get(KafkaTopicKind, u.GetName()); ok {
			h := KafkaTopicHealth(obs, in.now)
			ts.Ready = ts.Ready && h.Ready
			m = append(m, h.Message)
		} else {
			ts.Ready = false
			m = append(m, "KafkaTopic not created yet")
		}
		if in.retained[u.GetName()] {
			m = append(m, "retained: its outlet left the blueprint (topicDeletionPolicy Retain)")
			if !ts.Reader {
				m = append(m, "no reader")
			}
		}
		m = append(m, in.topicNotes[u.GetName()])
		if seen && !releasing {
			m = append([]string{"KafkaTopic " + u.GetName() + ":"}, m...)
		}
		msgs[name] = append(msgs[name], m...)
	}
	out := make([]graph.TopicStatus, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		ts := byName[name]
		ts.Message = strings.Join(slices.DeleteFunc(msgs[name], func(s string) bool { return s == "" }), "; ")
		ts.Message = strings.ReplaceAll(ts.Message, ":; ", ": ")
		out = append(out, *ts)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// topicSummary is the TopicsReady verdict: managed topics counted, existing
// ones listed apart.
type topicSummary struct {
	ok      bool
	message string
}

func summarizeTopics(topics []graph.TopicStatus) topicSummary {
	var managed, waiting, existing []string
	for _, t := range topics {
		if !t.Managed {
			existing = append(existing, t.Name)
			continue
		}
		managed = append(managed, t.Name)
		if !t.Ready {
			waiting = append(waiting, t.Name)
		}
	}
	s := topicSummary{ok: len(waiting) == 0}
	if s.ok {
		s.message = fmt.Sprintf("%d managed topics ready", len(managed))
	} else {
		s.message = fmt.Sprintf("%d of %d managed topics not ready (see status.topics): %s", len(waiting), len(managed), abbreviate(waiting))
	}
	if len(existing) > 0 {
		s.message += fmt.Sprintf("; %s not managed by Sluice: %s", count(len(existing), "existing topic"), abbreviate(existing))
	}
	return s
}

// count is "1 thing" or "n things".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// abbreviate lists at most five names, so that a condition stays readable.
func abbreviate(names []string) string {
	const most = 5
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
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
	for _, u := range in.answered {
		if _, ok := in.observed.Get(u.GetKind(), u.GetName()); !ok {
			missing = append(missing, u.GetKind()+"/"+u.GetName())
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
