package children

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// workloadKinds are the kinds that run a streamlet, with their health reader.
var workloadKinds = []struct {
	kind    string
	runtime graph.Runtime
	health  func(*unstructured.Unstructured) Health
}{
	{DeploymentKind, graph.Akka, DeploymentHealth},
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
			ss, isRolling := streamletStatus(in, &bp.Streamlets[i], wasReady)
			rolling[ss.Name] = isRolling
			out = append(out, withPods(ss, in.pods))
		}
		return out, onlyTrue(rolling)
	}
	// The spec was rejected: what runs, one entry per streamlet (the CRD
	// keys the list by name), even while two workloads of one streamlet
	// exist (its runtime just changed).
	index := map[string]int{}
	for _, wk := range workloadKinds {
		for _, u := range in.observed.All(wk.kind) {
			h := wk.health(u)
			name := label(u, LabelStreamlet)
			rolling[name] = rolling[name] || h.Rolling
			if i, seen := index[name]; seen {
				out[i].Message = joinMessages(out[i].Message, "also a "+wk.kind+": "+cmp.Or(h.Message, string(h.Phase)))
				continue
			}
			index[name] = len(out)
			out = append(out, withPods(graph.StreamletStatus{
				Name: name, Runtime: wk.runtime,
				ExpectedReplicas: h.Expected, ReadyReplicas: h.Ready, Phase: h.Phase, Message: h.Message,
			}, in.pods))
		}
	}
	slices.SortFunc(out, func(a, b graph.StreamletStatus) int { return strings.Compare(a.Name, b.Name) })
	return out, onlyTrue(rolling)
}

// streamletStatus is one streamlet of the blueprint as its workload tells,
// and whether it rolls out an edit.
func streamletStatus(in statusInput, s *graph.ResolvedStreamlet, wasReady bool) (graph.StreamletStatus, bool) {
	ss := graph.StreamletStatus{Name: s.Name, Runtime: s.Runtime, ExpectedReplicas: s.Replicas, Phase: graph.PhasePending, State: s.State}
	var h Health
	var observed, rolling bool
	for _, wk := range workloadKinds {
		if wk.runtime != s.Runtime {
			continue
		}
		var u *unstructured.Unstructured
		u, observed = in.observed.Get(wk.kind, WorkloadName(in.blueprint.Name, s.Name))
		_, listed := in.kinds[wk.kind]
		switch {
		case observed:
			h = wk.health(u)
			ss.ReadyReplicas, ss.Phase, ss.Message = h.Ready, h.Phase, h.Message
			rolling = h.Rolling
			if s.Autoscaling != nil {
				ss.ExpectedReplicas = h.Expected // the autoscaler's decision
			}
			if s.Runtime == graph.Flink {
				ss.Savepoint = FlinkSavepoint(u)
			}
		case !listed:
			ss.Message = "not run: the CompositeController does not list " + wk.kind
		default:
			ss.Message = wk.kind + " not created yet"
			rolling = wasReady
		}
	}
	var suspending bool
	if ss, suspending = withSuspend(ss, s, h, observed); suspending {
		rolling = true
	}
	if s.State == "" && s.Runtime != graph.Akka {
		ss.Message = joinMessages(ss.Message, "no spec.state: restarts stateless")
	}
	ss.Message = joinMessages(ss.Message, statelessUpgrades(s))
	var scaling string
	ss.Autoscaling, scaling = autoscalingStatus(in, s)
	ss.Message = joinMessages(ss.Message, scaling)
	ss.Message = joinMessages(ss.Message, kafkaCredentials(in, s))
	return ss, rolling
}

// kafkaCredentials says what a streamlet waits for of its own Kafka users
// when users are managed; "" once every one is Ready, or without managed
// users.
func kafkaCredentials(in statusInput, s *graph.ResolvedStreamlet) string {
	if _, listed := in.kinds[KafkaUserKind]; !listed {
		return ""
	}
	var waiting []string
	for _, cluster := range managedUsers(in.blueprint, s) {
		name := graph.ClusterUserName(in.blueprint.Name, s.Name, cluster)
		u, ok := in.observed.Get(KafkaUserKind, name)
		if !ok {
			waiting = append(waiting, "waiting for Kafka credentials: KafkaUser "+name+" not created yet")
			continue
		}
		if problem := KafkaUserHealth(u); problem != "" {
			waiting = append(waiting, problem)
		}
	}
	return strings.Join(waiting, "; ")
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
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
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
