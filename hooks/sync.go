package hooks

import (
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
)

// notReadyResync is how soon Metacontroller calls again while the
// application is not Ready, so time-based messages (a topic operator that
// never answers) appear without a child event.
const notReadyResync = 60

// Sync computes Metacontroller's answer to a sync request; now is the time of
// the call. It never answers fewer children than it means to: an invalid
// spec keeps every observed child as last applied, and no observed topic is
// left out unless the topic deletion policy and the two-step marks allow it.
// A request it cannot read is an error wrapping ErrMalformed.
func Sync(req *Request, now time.Time) (*Response, error) {
	obs, err := read(req)
	if err != nil {
		return nil, err
	}
	in := children.StatusInput{
		Kinds: obs.kinds, Observed: obs.observed,
		Previous: previousStatus(req.Parent), Now: now, Generation: req.Parent.GetGeneration(),
	}
	if pods := relatedPods(req); len(pods) > 0 {
		in.Pods = children.PodsHealth(pods)
	}

	bp, invalid := resolveParent(req.Parent)
	if len(invalid) > 0 {
		in.Invalid = invalid
		in.Answered = frozen(obs)
		return answer(in), nil
	}
	desired, problems, err := children.Desired(bp, obs.kinds)
	if err != nil {
		return nil, fmt.Errorf("build children of %s/%s: %w", bp.Namespace, bp.Name, err)
	}
	in.Blueprint, in.Problems = bp, problems
	in.Answered, in.Retained, in.TopicNotes = keepTopics(bp, desired, obs)
	return answer(in), nil
}

// answer wraps the status around the answered children.
func answer(in children.StatusInput) *Response {
	st := children.Status(in)
	resp := &Response{Status: &st, Children: ChildList(in.Answered)}
	if st.Phase != graph.PhaseRunning || len(in.Invalid) > 0 {
		resp.ResyncAfterSeconds = notReadyResync
	}
	return resp
}

// resolveParent decodes and resolves the parent; the problems say why it
// cannot be used.
func resolveParent(parent *unstructured.Unstructured) (*graph.Blueprint, []string) {
	// Everything but the status, which is read separately: a bad status must
	// not block a good spec. A shallow copy: nothing here is written.
	obj := make(map[string]any, len(parent.Object))
	for k, v := range parent.Object {
		if k != "status" {
			obj[k] = v
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, []string{fmt.Sprintf("spec: %v", err)}
	}
	app, err := graph.FromJSON(b)
	if err != nil {
		return nil, []string{fmt.Sprintf("spec: %v", err)}
	}
	bp, problems := graph.Resolve(app)
	return bp, problems.Strings()
}

// previousStatus is the parent's current status; unreadable counts as none.
func previousStatus(parent *unstructured.Unstructured) *graph.Status {
	raw, ok := parent.Object["status"]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var st graph.Status
	if json.Unmarshal(b, &st) != nil {
		return nil
	}
	return &st
}

// keepTopics applies the topic rules of "Never lose data" to the desired
// children: partitions never shrink; a Kafka topic that an observed
// KafkaTopic already holds keeps that KafkaTopic; an observed topic whose
// outlet left the blueprint stays (Retain) or is first marked for deletion
// (Delete); a topic whose port turned unmanaged is first marked unmanaged,
// then dropped. It returns the children to answer, the retained topics and
// notes per topic.
func keepTopics(bp *graph.Blueprint, desired []*unstructured.Unstructured, obs observation) (answer []*unstructured.Unstructured, retained map[string]bool, notes map[string]string) {
	retained, notes = map[string]bool{}, map[string]string{}
	byName, byTopic := map[string]*unstructured.Unstructured{}, map[string]*unstructured.Unstructured{}
	for _, u := range desired {
		if u.GetKind() == children.KafkaTopicKind {
			byName[u.GetName()], byTopic[topicName(u)] = u, u
		}
	}
	observedTopics := obs.observed.All(children.KafkaTopicKind)
	adoptHeldTopics(byName, byTopic, observedTopics, obs, notes)
	released := map[string]bool{}
	for _, t := range bp.Topics {
		if !t.Managed {
			released[t.Name] = true
		}
	}
	answer = desired
	apiVersion := obs.kinds[children.KafkaTopicKind]
	for _, observed := range observedTopics {
		name := observed.GetName()
		if d, ok := byName[name]; ok {
			if note := keepPartitions(d, observed); note != "" {
				notes[name] = note
			}
			continue
		}
		kept := asLastApplied(observed, apiVersion)
		topic := topicName(kept)
		holder, held := byTopic[topic] // never released: a desired topic is managed
		switch {
		case released[topic]:
			if hasAnnotation(observed, children.AnnotationStrimziManaged, "false") {
				continue // released: Strimzi lets go of it, the Kafka topic stays
			}
			answer = append(answer, withAnnotation(kept, children.AnnotationStrimziManaged, "false"))
			notes[name] = "port turned managed: false; releasing the topic from Strimzi before dropping its KafkaTopic"
		case bp.Policy == graph.Delete && !held:
			if hasAnnotation(observed, children.AnnotationDeletion, "allowed") {
				continue // marked last time: now Metacontroller deletes it
			}
			answer = append(answer, withAnnotation(kept, children.AnnotationDeletion, "allowed"))
			notes[name] = "outlet left the blueprint; topic deletion allowed (topicDeletionPolicy Delete), deleting next"
		default:
			// Kept: retained (its outlet left the blueprint), or a second
			// KafkaTopic of a topic the blueprint still wants, which
			// deleting would delete.
			unstructured.RemoveNestedField(kept.Object, "metadata", "annotations", children.AnnotationDeletion)
			answer = append(answer, kept)
			if held {
				notes[name] = fmt.Sprintf("KafkaTopic %s also names topic %s; kept, delete one of the two yourself", holder.GetName(), topic)
			} else {
				retained[name] = true
			}
		}
	}
	children.SortObjects(answer)
	return answer, retained, notes
}

// adoptHeldTopics answers a desired KafkaTopic under the name of the observed
// KafkaTopic that already holds its Kafka topic, where the desired name is not
// observed yet (the object name of a topic changed with Sluice's naming
// contract, or with an outlet's rename): Strimzi refuses a second KafkaTopic
// for one topic, and dropping the first would delete the topic. The maps are
// updated in place.
func adoptHeldTopics(byName, byTopic map[string]*unstructured.Unstructured, observedTopics []*unstructured.Unstructured, obs observation, notes map[string]string) {
	for _, observed := range observedTopics {
		name := observed.GetName()
		d, ok := byTopic[topicName(observed)]
		if _, desired := byName[name]; desired || !ok {
			continue
		}
		if _, exists := obs.observed.Get(children.KafkaTopicKind, d.GetName()); exists {
			continue
		}
		delete(byName, d.GetName())
		notes[name] = fmt.Sprintf("kept as KafkaTopic %s, which already holds topic %s (Sluice would name it %s)", name, topicName(d), d.GetName())
		d.SetName(name)
		byName[name] = d
	}
}

// keepPartitions raises a desired topic's partitions to the observed count
// (Kafka cannot shrink a topic) and notes a replication factor change.
func keepPartitions(desired, observed *unstructured.Unstructured) string {
	var note string
	obsP, obsFound, _ := unstructured.NestedInt64(observed.Object, "spec", "partitions")
	desP, desFound, _ := unstructured.NestedInt64(desired.Object, "spec", "partitions")
	if obsFound && (!desFound || obsP > desP) {
		_ = unstructured.SetNestedField(desired.Object, obsP, "spec", "partitions")
		if desFound {
			note = fmt.Sprintf("partitions stay at %d: Kafka cannot shrink a topic (spec asks %d)", obsP, desP)
		}
	}
	obsR, obsRFound, _ := unstructured.NestedInt64(observed.Object, "spec", "replicas")
	desR, desRFound, _ := unstructured.NestedInt64(desired.Object, "spec", "replicas")
	if obsRFound && desRFound && obsR != desR {
		change := fmt.Sprintf("replication factor change from %d to %d: Strimzi applies it only with Cruise Control", obsR, desR)
		if note != "" {
			note += "; "
		}
		note += change
	}
	return note
}

// topicName is a KafkaTopic's Kafka name: spec.topicName, else its name.
func topicName(u *unstructured.Unstructured) string {
	if n, _, _ := unstructured.NestedString(u.Object, "spec", "topicName"); n != "" {
		return n
	}
	return u.GetName()
}
