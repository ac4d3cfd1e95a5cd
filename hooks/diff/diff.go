package diff

import (
	cmpstd "cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/hooks"
)

// Action is what Metacontroller does with one child.
type Action string

// Actions on a child.
const (
	Create Action = "create"
	Change Action = "change"
	Delete Action = "delete"
)

// Fate is what happens to one topic (a KafkaTopic child).
type Fate string

// Fates of a topic.
const (
	// Kept is a topic the blueprint still writes (perhaps with changes).
	Kept Fate = "kept"
	// Created is a new topic.
	Created Fate = "created"
	// Retained is a topic whose outlet left the blueprint under Retain: it
	// stays as last applied.
	Retained Fate = "retained"
	// Released is a topic Strimzi lets go of (strimzi.io/managed: "false")
	// before its KafkaTopic is removed: the Kafka topic keeps its data.
	Released Fate = "released"
	// Deleted is a topic deleted with its data (sluice.dev/deletion: allowed).
	Deleted Fate = "deleted"
)

// ControllerUIDLabel is the label Metacontroller puts on every child: the
// uid of its parent (the CompositeController's generated selector).
const ControllerUIDLabel = "controller-uid"

// Result is the preview of one sync of one application.
type Result struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Changed is true when a child would be created, changed or deleted.
	Changed bool `json:"changed"`
	// Children lists the children that would be created, changed or
	// deleted, by kind and name.
	Children []Child `json:"children"`
	// Topics lists every KafkaTopic, observed or answered, with its fate.
	Topics []Topic `json:"topics"`
	// Problems are the answered status's problems: with an invalid spec the
	// hook keeps every child as last applied.
	Problems []string `json:"problems,omitempty"`
}

// Child is one child that would be created, changed or deleted.
type Child struct {
	Action Action `json:"action"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	// Fields are the changed fields of a change, against the child's
	// last-applied configuration.
	Fields []Field `json:"fields,omitempty"`
	// Note says more: a child without a last-applied configuration.
	Note string `json:"note,omitempty"`
}

// Field is one changed field: its path and its value before and after
// (nil when absent).
type Field struct {
	Path string `json:"path"`
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
}

// Topic is what happens to one topic.
type Topic struct {
	// Name is the Kafka topic's name.
	Name string `json:"name"`
	Fate Fate   `json:"fate"`
	// Note says why and what it means for the data.
	Note string `json:"note,omitempty"`
}

// Compute answers req as the sync hook does and compares the answer with the
// observed children of req: a child answered but not observed is created, an
// observed child left out is deleted, and an answered child that differs from
// its last-applied configuration (what Metacontroller applied last) is
// changed.
func Compute(req *hooks.Request, now time.Time) (*Result, error) {
	resp, err := hooks.Sync(req, now)
	if err != nil {
		return nil, err
	}
	return compare(req, resp)
}

// key names a child within one application: kinds are unique in a request.
type key struct{ kind, name string }

func compare(req *hooks.Request, resp *hooks.Response) (*Result, error) {
	ns := req.Parent.GetNamespace()
	observed := map[key]*unstructured.Unstructured{}
	for _, byName := range req.Children {
		for _, u := range byName {
			observed[key{u.GetKind(), u.GetName()}] = u
		}
	}
	res := &Result{Namespace: ns, Name: req.Parent.GetName(), Children: []Child{}, Topics: []Topic{}}
	if resp.Status != nil {
		res.Problems = resp.Status.Problems
	}
	answered := map[key]*unstructured.Unstructured{}
	for _, want := range resp.Children {
		k := key{want.GetKind(), want.GetName()}
		answered[k] = want
		have, ok := observed[k]
		if !ok {
			res.Children = append(res.Children, Child{Action: Create, Kind: k.kind, Name: k.name})
			continue
		}
		c, err := changeOf(have, applied(want, req.Parent))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", k.kind, k.name, err)
		}
		if c != nil {
			res.Children = append(res.Children, *c)
		}
	}
	for k := range observed {
		if _, ok := answered[k]; !ok {
			res.Children = append(res.Children, Child{Action: Delete, Kind: k.kind, Name: k.name})
		}
	}
	slices.SortFunc(res.Children, func(a, b Child) int {
		return cmpstd.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name))
	})
	res.Changed = len(res.Children) > 0
	res.Topics = topics(observed, answered, resp.Status)
	return res, nil
}

// applied is an answered child as Metacontroller applies it, and so as its
// last-applied configuration records it: in the parent's namespace, with the
// controller-uid label of the parent.
func applied(want, parent *unstructured.Unstructured) *unstructured.Unstructured {
	u := want.DeepCopy()
	if u.GetNamespace() == "" {
		u.SetNamespace(parent.GetNamespace())
	}
	labels := u.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[ControllerUIDLabel] = string(parent.GetUID())
	u.SetLabels(labels)
	return u
}

// changeOf compares an answered child with the observed one's last-applied
// configuration; nil when Metacontroller would apply nothing new.
func changeOf(have, want *unstructured.Unstructured) (*Child, error) {
	c := &Child{Action: Change, Kind: want.GetKind(), Name: want.GetName()}
	last, ok := have.GetAnnotations()[children.AnnotationLastApplied]
	if !ok {
		c.Note = "no last-applied configuration: Metacontroller applies the whole answer"
		return c, nil
	}
	var old any
	if err := json.Unmarshal([]byte(last), &old); err != nil {
		return nil, fmt.Errorf("annotation %s: %w", children.AnnotationLastApplied, err)
	}
	now, err := jsonValue(want.Object)
	if err != nil {
		return nil, err
	}
	c.Fields = Fields(old, now)
	if len(c.Fields) == 0 {
		return nil, nil
	}
	return c, nil
}

// jsonValue is v as encoding/json decodes it (numbers as float64), so that
// values compare equal however they were built.
func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

// topics says what happens to every KafkaTopic, observed or answered.
func topics(observed, answered map[key]*unstructured.Unstructured, st *graph.Status) []Topic {
	status := map[string]graph.TopicStatus{}
	if st != nil {
		for _, t := range st.Topics {
			status[t.Name] = t
		}
	}
	var out []Topic
	seen := map[string]bool{}
	for _, m := range []map[key]*unstructured.Unstructured{answered, observed} {
		for k, u := range m {
			if k.kind != children.KafkaTopicKind || seen[k.name] {
				continue
			}
			seen[k.name] = true
			out = append(out, topicFate(kafkaName(u), observed[k], answered[k], status))
		}
	}
	slices.SortFunc(out, func(a, b Topic) int { return strings.Compare(a.Name, b.Name) })
	if out == nil {
		out = []Topic{}
	}
	return out
}

// kafkaName is a KafkaTopic's Kafka topic name: spec.topicName, else its
// object name.
func kafkaName(u *unstructured.Unstructured) string {
	if n, _, _ := unstructured.NestedString(u.Object, "spec", "topicName"); n != "" {
		return n
	}
	return u.GetName()
}

// The notes of each fate.
const (
	noteCreated  = "new topic"
	noteRetained = "its outlet left the blueprint: kept as last applied (topicDeletionPolicy Retain); release and delete it yourself when no longer needed"
	noteReleased = "marked strimzi.io/managed: \"false\", then its KafkaTopic is removed: Strimzi lets go and the Kafka topic keeps its data"
	noteDropped  = "its KafkaTopic is removed; it carries strimzi.io/managed: \"false\", so the Kafka topic keeps its data"
	noteDeleted  = "marked sluice.dev/deletion: allowed, then deleted: Strimzi deletes the Kafka topic and its data (topicDeletionPolicy Delete)"
	noteGone     = "its KafkaTopic is deleted, carrying sluice.dev/deletion: allowed: Strimzi deletes the Kafka topic and its data"
	noteUnmarked = "left out without a release mark: the admission policy sluice-keep-topics refuses its deletion"
)

func topicFate(name string, have, want *unstructured.Unstructured, status map[string]graph.TopicStatus) Topic {
	t := Topic{Name: name, Fate: Kept}
	switch {
	case want == nil:
		ann := have.GetAnnotations()
		switch {
		case ann[children.AnnotationDeletion] == "allowed":
			t.Fate, t.Note = Deleted, noteGone
		case ann[children.AnnotationStrimziManaged] == "false":
			t.Fate, t.Note = Released, noteDropped
		default:
			t.Fate, t.Note = Deleted, noteUnmarked
		}
	case want.GetAnnotations()[children.AnnotationDeletion] == "allowed":
		t.Fate, t.Note = Deleted, noteDeleted
	case want.GetAnnotations()[children.AnnotationStrimziManaged] == "false":
		t.Fate, t.Note = Released, noteReleased
	case have == nil:
		t.Fate, t.Note = Created, noteCreated
	case status[name].Retained:
		t.Fate, t.Note = Retained, noteRetained
		if !status[name].Reader {
			t.Note += "; no reader"
		}
	}
	return t
}
