package children

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluice-dev/sluice/graph"
)

// topicStatuses reports every Kafka topic the application uses, once each
// (the CRD keys status.topics by name): every topic of an answered
// KafkaTopic, and every existing topic the blueprint wires in. A topic with
// more than one answered KafkaTopic, or wired in as existing while its
// KafkaTopic is released, is one entry whose message tells both.
func topicStatuses(in statusInput) []graph.TopicStatus {
	t := newTopicTable(in.blueprint)
	for _, c := range in.answered {
		if c.Kind() == KafkaTopicKind {
			t.addKafkaTopic(in, answeredTopic(c))
		}
	}
	return t.statuses()
}

// topicTable gathers the status of each Kafka topic by name.
type topicTable struct {
	entries map[string]*topicEntry
	// readers tells whether an inlet reads each topic; nil while the spec
	// is rejected, when it is unknown (and no alarm is raised).
	readers map[string]bool
}

type topicEntry struct {
	status   graph.TopicStatus
	messages []string
}

// newTopicTable starts the table with the existing topics the blueprint
// wires in.
func newTopicTable(bp *graph.Blueprint) *topicTable {
	t := &topicTable{entries: map[string]*topicEntry{}}
	if bp == nil {
		return t
	}
	t.readers = map[string]bool{}
	for _, topic := range bp.Topics {
		t.readers[topic.Name] = len(topic.Readers) > 0
	}
	for _, topic := range bp.Topics {
		if !topic.Managed {
			e, _ := t.entry(topic.Name)
			e.messages = append(e.messages, "existing topic, not managed by Sluice")
		}
	}
	return t
}

// entry returns the entry of a topic, and whether it was there already.
func (t *topicTable) entry(name string) (*topicEntry, bool) {
	if e, ok := t.entries[name]; ok {
		return e, true
	}
	e := &topicEntry{status: graph.TopicStatus{Name: name, Ready: true, Reader: t.readers == nil || t.readers[name]}}
	t.entries[name] = e
	return e, false
}

// topicIdentity is what the status reads of an answered KafkaTopic.
type topicIdentity struct {
	name, topic string
	releasing   bool // marked strimzi.io/managed: "false"
}

// answeredTopic reads an answered KafkaTopic: built, or kept as a map.
func answeredTopic(c *Child) topicIdentity {
	if t, ok := c.typed.(*KafkaTopic); ok {
		return topicIdentity{t.Name, t.topicName(), t.Annotations[AnnotationStrimziManaged] == "false"}
	}
	u := c.Object()
	return topicIdentity{u.GetName(), topicName(u), hasAnnotation(u, AnnotationStrimziManaged, "false")}
}

// addKafkaTopic adds what an answered KafkaTopic says of its topic: its
// health, whether it is retained or being released, and its notes.
func (t *topicTable) addKafkaTopic(in statusInput, kt topicIdentity) {
	e, seen := t.entry(kt.topic)
	if !kt.releasing && (!seen || e.status.Managed) {
		e.status.Managed = true
	}
	retained := in.retained[kt.name]
	e.status.Retained = e.status.Retained || retained
	var m []string
	if obs, ok := in.observed.Get(KafkaTopicKind, kt.name); ok {
		h := KafkaTopicHealth(obs, in.now)
		e.status.Ready = e.status.Ready && h.Ready
		m = append(m, h.Message)
	} else {
		e.status.Ready = false
		m = append(m, "KafkaTopic not created yet")
	}
	if retained {
		m = append(m, "retained: its outlet left the blueprint (topicDeletionPolicy Retain)")
		if !e.status.Reader {
			m = append(m, "no reader")
		}
	}
	msg := joinNonEmpty(append(m, in.topicNotes[kt.name]))
	if seen && !kt.releasing {
		msg = "KafkaTopic " + kt.name + ": " + msg
	}
	e.messages = append(e.messages, msg)
}

// statuses lists the entries, sorted by topic name.
func (t *topicTable) statuses() []graph.TopicStatus {
	if len(t.entries) == 0 {
		return nil
	}
	out := make([]graph.TopicStatus, 0, len(t.entries))
	for _, name := range slices.Sorted(maps.Keys(t.entries)) {
		e := t.entries[name]
		e.status.Message = joinNonEmpty(e.messages)
		out = append(out, e.status)
	}
	return out
}

func joinNonEmpty(msgs []string) string {
	return strings.Join(slices.DeleteFunc(msgs, func(s string) bool { return s == "" }), "; ")
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
