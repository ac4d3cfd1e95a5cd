package children

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Observed holds the children Metacontroller observed, by kind and then by
// name (children live in the parent's namespace).
type Observed map[string]map[string]*unstructured.Unstructured

// Get returns the observed child of a kind and name.
func (o Observed) Get(kind, name string) (*unstructured.Unstructured, bool) {
	u, ok := o[kind][name]
	return u, ok
}

// All returns the observed children of a kind, sorted by name.
func (o Observed) All(kind string) []*unstructured.Unstructured {
	names := slices.Sorted(maps.Keys(o[kind]))
	out := make([]*unstructured.Unstructured, len(names))
	for i, n := range names {
		out[i] = o[kind][n]
	}
	return out
}

// Unread holds, by kind and name, what hooks read of observed children
// without decoding it: the answer decodes it only for a child it keeps as
// last applied, a frozen, retained or released child. A child not in it was
// decoded whole, its annotations included.
type Unread map[string]map[string]UnreadChild

// UnreadChild is what hooks kept raw of one observed child, as it came on the
// wire.
type UnreadChild struct {
	// LastApplied is its last-applied annotation, a JSON string still
	// quoted, left out of the child's annotations; nil when the child
	// carries its annotation, if any.
	LastApplied []byte
	// Object is the whole child, when the observed child holds only the
	// fields the answer reads of its kind (ObservedFields).
	Object []byte
}

// Fields names the fields of a JSON object a reader reads: each name maps to
// the fields read within it, nil for the whole value.
type Fields map[string]Fields

// observedFields is, by kind, what the answer reads of an observed child
// besides its apiVersion, kind, metadata and status: the fields of the
// health readers' structs, and nothing of the children only counted. A kind
// not listed is read whole (ScaledObject's spec is read by the scaling
// rules; a KafkaUser is small).
var observedFields = map[string]Fields{
	// The topic rules (topics.go, partitions.go) and inletPartitions
	// (autoscale.go) read these; not the config, most of a topic's bytes.
	KafkaTopicKind: {"spec": {"topicName": nil, "partitions": nil, "replicas": nil}},
	// keepScalerReplicas (autoscale.go) reads spec.replicas too.
	DeploymentKind:            joinFields(fieldsOf[observedDeployment](), Fields{"spec": {"replicas": nil}}),
	SparkApplicationKind:      fieldsOf[observedSparkApplication](),
	FlinkDeploymentKind:       joinFields(fieldsOf[observedFlinkDeployment](), fieldsOf[observedFlinkState]()),
	ConfigMapKind:             {},
	ServiceKind:               {},
	PodMonitorKind:            {},
	PrometheusRuleKind:        {},
	TriggerAuthenticationKind: {},
}

// fieldsOf names the fields a reader's struct T decodes, as apimachinery's
// converter names them (decode, health.go): those of its anonymous struct
// fields one by one, any other field whole.
func fieldsOf[T any]() Fields {
	return structFields(reflect.TypeFor[T]())
}

func structFields(t reflect.Type) Fields {
	out := Fields{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
			continue
		case name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct:
			out = joinFields(out, structFields(f.Type)) // inlined
			continue
		case name == "":
			name = f.Name // the converter's name for an untagged field
		}
		if f.Type.Kind() == reflect.Struct && f.Type.Name() == "" {
			out[name] = structFields(f.Type)
		} else {
			out[name] = nil
		}
	}
	return out
}

// joinFields is every field any of fs names.
func joinFields(fs ...Fields) Fields {
	out := Fields{}
	for _, f := range fs {
		for name, sub := range f {
			switch prev, seen := out[name]; {
			case !seen:
				out[name] = sub
			case prev != nil && sub != nil:
				out[name] = joinFields(prev, sub)
			default:
				out[name] = nil
			}
		}
	}
	return out
}

// ObservedFields returns what the answer reads of an observed child of a
// kind besides its apiVersion, kind, metadata and status; whole is true when
// it reads all of it. A reader may leave out the rest: the workloads' pod
// templates and the ConfigMaps' data are most of a request's bytes.
func ObservedFields(kind string) (fields Fields, whole bool) {
	fields, listed := observedFields[kind]
	return fields, !listed
}

// ReadsMetadata reports whether the answer reads a metadata field of an
// observed child. Of the fields the API server sets it reads generation and
// creationTimestamp (observedMeta, health.go) and no other: an answer
// strips them (frozen.go), so a reader may leave them out.
func ReadsMetadata(name string) bool {
	return !unreadMetadata[name]
}

var unreadMetadata = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range serverSetMetadata {
		m[f] = f != "generation" && f != "creationTimestamp"
	}
	return m
}()

// Count is the number of observed children of every kind.
func (o Observed) Count() int {
	n := 0
	for _, byName := range o {
		n += len(byName)
	}
	return n
}

// Kinds returns the observed kinds, sorted.
func (o Observed) Kinds() []string {
	return slices.Sorted(maps.Keys(o))
}
