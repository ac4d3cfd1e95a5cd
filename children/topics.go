package children

import (
	"cmp"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// topicsKept is what the topic rules decided for one answer.
type topicsKept struct {
	answer   []*Child
	retained map[string]bool   // by KafkaTopic name
	notes    map[string]string // by KafkaTopic name
}

// keepTopics applies the topic rules of "never lose data" to the desired
// children, for every observed KafkaTopic:
//
//   - desired: its partitions never shrink (partitions.go);
//   - its Kafka topic is desired under another object name: it keeps the
//     observed object (held.go);
//   - its port turned managed: false: released in two steps (release.go);
//   - its outlet left the blueprint: retained under Retain (retain.go),
//     marked for deletion first under Delete (release.go).
//
// It returns the children to answer, the retained topics and a note per
// topic; an error only where an observed topic cannot be answered as it was.
func keepTopics(bp *graph.Blueprint, desired []*Child, observed Observed, unread Unread, kinds Kinds) ([]*Child, map[string]bool, map[string]string, error) {
	k := topicsKept{answer: desired, retained: map[string]bool{}, notes: map[string]string{}}
	byName, byTopic := map[string]*KafkaTopic{}, map[string]*KafkaTopic{}
	for _, c := range desired {
		if t, ok := c.typed.(*KafkaTopic); ok { // every desired KafkaTopic: Desired builds it
			byName[t.Name], byTopic[t.topicName()] = t, t
		}
	}
	observedTopics := observed.All(KafkaTopicKind)
	var last lastApplied
	adoptHeldTopics(byName, byTopic, observedTopics, observed, k.notes)
	released := map[string]bool{}
	for _, t := range bp.Topics {
		if !t.Managed {
			released[t.Name] = true
		}
	}
	for _, obs := range observedTopics {
		name := obs.GetName()
		if d, ok := byName[name]; ok {
			k.note(name, joinMessages(keepPartitions(d, obs), keepCluster(d, obs)))
			continue
		}
		kept, err := last.answer(obs, unread[KafkaTopicKind][name], kinds[KafkaTopicKind])
		if err != nil {
			return nil, nil, nil, err
		}
		holder, held := byTopic[topicName(kept)] // never released: a desired topic is managed
		switch {
		case released[topicName(kept)]:
			k.add(name, release(obs, kept))
		case bp.Policy == graph.Delete && !held:
			k.add(name, markForDeletion(obs, kept))
		case held:
			k.add(name, keepSecond(kept, holder))
		default:
			k.add(name, retain(kept))
			k.retained[name] = true
		}
	}
	SortChildren(k.answer)
	return k.answer, k.retained, k.notes, nil
}

// step is what a topic rule answers for one observed KafkaTopic: the object
// to answer (nil: leave it out) and a note for the status.
type step struct {
	answer *unstructured.Unstructured
	note   string
}

func (k *topicsKept) add(name string, s step) {
	if s.answer != nil {
		k.answer = append(k.answer, MapChild(s.answer))
	}
	k.note(name, s.note)
}

func (k *topicsKept) note(name, note string) {
	if note != "" {
		k.notes[name] = note
	}
}

// topicName is a KafkaTopic's Kafka name: spec.topicName, else its name.
func topicName(u *unstructured.Unstructured) string {
	name, _, _ := unstructured.NestedString(u.Object, "spec", "topicName")
	return cmp.Or(name, u.GetName())
}

// keepSecond keeps a second KafkaTopic of a topic the blueprint still
// wants under another object: deleting it would delete the topic.
func keepSecond(kept *unstructured.Unstructured, holder *KafkaTopic) step {
	unstructured.RemoveNestedField(kept.Object, "metadata", "annotations", AnnotationDeletion)
	return step{kept, fmt.Sprintf("KafkaTopic %s also names topic %s; kept, delete one of the two yourself", holder.Name, topicName(kept))}
}
