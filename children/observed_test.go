package children

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestObservedFields: what the hook's reader keeps of an observed child is
// what the health readers' structs decode, and no more.
func TestObservedFields(t *testing.T) {
	tests := []struct {
		kind  string
		want  Fields
		whole bool
	}{
		{DeploymentKind, Fields{"metadata": nil, "spec": {"replicas": nil}, "status": nil}, false},
		{SparkApplicationKind, Fields{"spec": {"executor": {"instances": nil}, "dynamicAllocation": {"enabled": nil, "minExecutors": nil}}, "status": nil}, false},
		{FlinkDeploymentKind, Fields{"metadata": nil, "spec": {"job": {"parallelism": nil}}, "status": nil}, false},
		{ConfigMapKind, Fields{}, false},
		{KafkaTopicKind, Fields{"spec": {"partitions": nil, "replicas": nil, "topicName": nil}}, false},
		{ScaledObjectKind, nil, true},
		{"Unknown", nil, true},
	}
	for _, tt := range tests {
		got, whole := ObservedFields(tt.kind)
		if whole != tt.whole {
			t.Errorf("%s: whole %v, want %v", tt.kind, whole, tt.whole)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tt.kind, diff)
		}
	}
}

// TestFieldsOf: the fields are named as the converter names them: by tag,
// by Go name when untagged, an untagged embedded struct's inlined.
func TestFieldsOf(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type reader struct {
		inner
		Untagged int
		Skipped  int `json:"-"`
		Spec     struct {
			N *int32 `json:"n,omitempty"`
		} `json:"spec"`
		Status inner `json:"status"`
	}
	want := Fields{"a": nil, "Untagged": nil, "spec": {"n": nil}, "status": nil}
	if diff := cmp.Diff(want, fieldsOf[reader]()); diff != "" {
		t.Errorf("fieldsOf (-want +got):\n%s", diff)
	}
}

// TestJoinFields: a field read whole by one reader is read whole.
func TestJoinFields(t *testing.T) {
	got := joinFields(Fields{"a": {"b": nil}, "c": {"d": nil}}, Fields{"a": {"e": nil}, "c": nil, "f": nil})
	want := Fields{"a": {"b": nil, "e": nil}, "c": nil, "f": nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("joinFields (-want +got):\n%s", diff)
	}
}
