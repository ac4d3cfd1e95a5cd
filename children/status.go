package children

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// StatusInput is everything the parent's status is computed from.
type StatusInput struct {
	// Blueprint is the resolved application; nil when the spec was rejected.
	Blueprint *graph.Blueprint
	// Generation is the parent's metadata.generation.
	Generation int64
	// Invalid lists why the spec was rejected (BlueprintValid=False).
	Invalid []string
	// Problems lists what else keeps the application from running as
	// written, such as a child kind the CompositeController does not list.
	Problems []string
	// Kinds are the child kinds the CompositeController lists.
	Kinds Kinds
	// Observed are the children Metacontroller observed.
	Observed Observed
	// Answered are the children of this answer.
	Answered []*unstructured.Unstructured
	// Retained names the topics kept although their outlet left the
	// blueprint (Retain policy).
	Retained map[string]bool
	// TopicNotes are extra messages per topic object name, e.g. partitions
	// kept above the spec because Kafka cannot shrink a topic.
	TopicNotes map[string]string
	// Pods is the pod-level health per streamlet, when the customize hook
	// asked for the application's pods (the pod-health component).
	Pods map[string]PodHealth
	// Previous is the parent's current status, for lastTransitionTime and
	// for what an invalid spec cannot recompute.
	Previous *graph.Status
	// Now is the time of this sync.
	Now time.Time
}

// Status computes the parent's status. It is deterministic: the same input
// gives the same status, so an unchanged application costs no parent write.
func Status(in StatusInput) graph.Status {
	st := graph.Status{}
	prev := in.Previous
	if prev == nil {
		prev = &graph.Status{}
	}
	st.Streamlets = streamletStatuses(in)
	st.Topics = topicStatuses(in)
	if bp := in.Blueprint; bp != nil {
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
	st.Problems = append(slices.Clone(in.Invalid), in.Problems...)

	ready := 0
	for _, s := range st.Streamlets {
		if s.Phase == graph.PhaseRunning {
			ready++
		}
	}
	st.StreamletsReady = fmt.Sprintf("%d/%d", ready, len(st.Streamlets))
	st.Phase = phase(in, st.Streamlets)

	conds := slices.Clone(prev.Conditions)
	set := func(condType string, ok bool, reason, message string) {
		status := metav1.ConditionFalse
		if ok {
			status = metav1.ConditionTrue
		}
		meta.SetStatusCondition(&conds, metav1.Condition{
			Type: condType, Status: status, Reason: reason, Message: truncate(message, maxConditionMessage),
			ObservedGeneration: in.Generation, LastTransitionTime: metav1.NewTime(in.Now.UTC().Truncate(time.Second)),
		})
	}
	valid := len(in.Invalid) == 0
	if valid {
		set(graph.ConditionBlueprintValid, true, "Valid", "the blueprint is valid")
	} else {
		set(graph.ConditionBlueprintValid, false, "Invalid", "spec rejected, children kept as last applied: "+strings.Join(in.Invalid, "; "))
	}
	topicsOK, topicsMsg := topicsReady(st.Topics)
	set(graph.ConditionTopicsReady, topicsOK, reasonFor(topicsOK, "TopicsReady", "TopicsNotReady"), topicsMsg)
	appliedOK, appliedReason, appliedMsg := childrenApplied(in)
	set(graph.ConditionChildrenApplied, appliedOK, appliedReason, appliedMsg)
	readyOK := valid && topicsOK && appliedOK && st.Phase == graph.PhaseRunning
	readyMsg := fmt.Sprintf("%s streamlets running", st.StreamletsReady)
	readyReason := string(st.Phase)
	switch {
	case !valid:
		readyReason, readyMsg = "BlueprintInvalid", "the spec was rejected; the last valid version keeps running"
	case !appliedOK:
		readyReason, readyMsg = appliedReason, appliedMsg
	case !topicsOK:
		readyReason, readyMsg = "TopicsNotReady", topicsMsg
	}
	set(graph.ConditionReady, readyOK, readyReason, readyMsg)
	st.Conditions = conds
	return st
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

// phase is the application's runtime health. A rejected edit does not change
// it: what still runs decides, and BlueprintValid tells the rest.
func phase(in StatusInput, streamlets []graph.StreamletStatus) graph.Phase {
	if in.Blueprint == nil && in.Observed.Count() == 0 {
		return graph.PhaseInvalid
	}
	counts := map[graph.Phase]int{}
	for _, s := range streamlets {
		counts[s.Phase]++
	}
	switch {
	case len(streamlets) == 0:
		return graph.PhasePending
	case counts[graph.PhaseFailed] == len(streamlets):
		return graph.PhaseFailed
	case counts[graph.PhaseFailed] > 0 || counts[graph.PhaseDegraded] > 0:
		return graph.PhaseDegraded
	case counts[graph.PhaseRunning] == len(streamlets):
		return graph.PhaseRunning
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
// rejected spec, every streamlet that still runs.
func streamletStatuses(in StatusInput) []graph.StreamletStatus {
	var out []graph.StreamletStatus
	if bp := in.Blueprint; bp != nil {
		for i := range bp.Streamlets {
			s := &bp.Streamlets[i]
			ss := graph.StreamletStatus{Name: s.Name, Runtime: s.Runtime, ExpectedReplicas: s.Replicas, Phase: graph.PhasePending, State: s.State}
			for _, wk := range workloadKinds {
				if wk.runtime != s.Runtime {
					continue
				}
				u, observed := in.Observed.Get(wk.kind, WorkloadName(bp.Name, s.Name))
				_, listed := in.Kinds[wk.kind]
				switch {
				case observed:
					h := wk.health(u)
					ss.ReadyReplicas, ss.Phase, ss.Message = h.Ready, h.Phase, h.Message
				case !listed:
					ss.Message = "not run: the CompositeController does not list " + wk.kind
				default:
					ss.Message = wk.kind + " not created yet"
				}
			}
			if s.State == "" && s.Runtime != graph.Akka {
				ss.Message = joinMessages(ss.Message, "no spec.state: restarts stateless")
			}
			out = append(out, withPods(ss, in.Pods))
		}
		return out
	}
	for _, wk := range workloadKinds {
		for _, u := range in.Observed.All(wk.kind) {
			h := wk.health(u)
			out = append(out, withPods(graph.StreamletStatus{
				Name: u.GetLabels()[LabelStreamlet], Runtime: wk.runtime,
				ExpectedReplicas: h.Expected, ReadyReplicas: h.Ready, Phase: h.Phase, Message: h.Message,
			}, in.Pods))
		}
	}
	slices.SortFunc(out, func(a, b graph.StreamletStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
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

// topicStatuses reports every answered topic, and every unmanaged topic the
// blueprint wires in.
func topicStatuses(in StatusInput) []graph.TopicStatus {
	readers := map[string]bool{}
	var out []graph.TopicStatus
	if bp := in.Blueprint; bp != nil {
		for _, t := range bp.Topics {
			readers[t.Name] = len(t.Readers) > 0
			if !t.Managed {
				out = append(out, graph.TopicStatus{Name: t.Name, Ready: true, Reader: readers[t.Name], Message: "existing topic, not managed by Sluice"})
			}
		}
	}
	for _, u := range in.Answered {
		if u.GetKind() != KafkaTopicKind {
			continue
		}
		name := nestedString(u, "spec", "topicName")
		if name == "" {
			name = u.GetName()
		}
		ts := graph.TopicStatus{Name: name, Retained: in.Retained[u.GetName()], Reader: readers[name]}
		if in.Blueprint == nil {
			ts.Reader = true // unknown while the spec is rejected; do not alarm
		}
		var msgs []string
		if obs, ok := in.Observed.Get(KafkaTopicKind, u.GetName()); ok {
			h := KafkaTopicHealth(obs, in.Now)
			ts.Ready = h.Ready
			msgs = append(msgs, h.Message)
		} else {
			msgs = append(msgs, "KafkaTopic not created yet")
		}
		if ts.Retained {
			msgs = append(msgs, "retained: its outlet left the blueprint (topicDeletionPolicy Retain)")
			if !ts.Reader {
				msgs = append(msgs, "no reader")
			}
		}
		msgs = append(msgs, in.TopicNotes[u.GetName()])
		ts.Message = strings.Join(slices.DeleteFunc(msgs, func(s string) bool { return s == "" }), "; ")
		out = append(out, ts)
	}
	slices.SortFunc(out, func(a, b graph.TopicStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func topicsReady(topics []graph.TopicStatus) (bool, string) {
	var waiting []string
	for _, t := range topics {
		if !t.Ready {
			waiting = append(waiting, t.Name)
		}
	}
	if len(waiting) == 0 {
		return true, fmt.Sprintf("%d topics ready", len(topics))
	}
	return false, fmt.Sprintf("%d of %d topics not ready (see status.topics): %s", len(waiting), len(topics), abbreviate(waiting))
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
func childrenApplied(in StatusInput) (bool, string, string) {
	if len(in.Problems) > 0 {
		return false, "KindNotListed", strings.Join(in.Problems, "; ")
	}
	var missing []string
	for _, u := range in.Answered {
		if _, ok := in.Observed.Get(u.GetKind(), u.GetName()); !ok {
			missing = append(missing, u.GetKind()+"/"+u.GetName())
		}
	}
	switch {
	case len(missing) == 0:
		return true, "AllApplied", fmt.Sprintf("%d children applied", len(in.Answered))
	case in.Observed.Count() == 0:
		return false, "Creating", fmt.Sprintf("%d children requested", len(in.Answered))
	default:
		return false, "NotObserved", fmt.Sprintf("%d children answered but not observed yet (refused by the API server if this persists; see Metacontroller's log): %s",
			len(missing), abbreviate(missing))
	}
}
