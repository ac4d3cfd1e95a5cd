package e2e

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kafkaTopic returns a valid Strimzi v1 KafkaTopic with spec fields added by mod.
func kafkaTopic(namespace, name string, spec map[string]any) *unstructured.Unstructured {
	s := map[string]any{"partitions": int64(3), "replicas": int64(1)}
	for k, v := range spec {
		s[k] = v
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kafka.strimzi.io/v1",
		"kind":       "KafkaTopic",
		"metadata": map[string]any{
			"name":      name,
			"namespace": namespace,
			"labels":    map[string]any{"strimzi.io/cluster": "e2e"},
		},
		"spec": s,
	}}
}

// TestHarnessRejectsWrongChildren proves that the checks the other tests rely on can
// fail: the API server, with dryRun=All and fieldValidation=Strict, refuses a
// KafkaTopic with an unknown spec field or a wrongly typed one, and accepts a correct
// one.
func TestHarnessRejectsWrongChildren(t *testing.T) {
	c := setup(t)
	ns := c.newNamespace(t, "selftest")
	tests := []struct {
		name    string
		spec    map[string]any
		wantErr bool
	}{
		{name: "valid", spec: map[string]any{"config": map[string]any{"retention.ms": int64(7200000)}}},
		{name: "unknown-field", spec: map[string]any{"partitionz": int64(3)}, wantErr: true},
		{name: "wrong-type", spec: map[string]any{"partitions": "many"}, wantErr: true},
		{name: "below-minimum", spec: map[string]any{"partitions": int64(0)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.api.dryRunStrict(ctx(t), kafkaTopic(ns, "selftest-"+tt.name, tt.spec))
			switch {
			case tt.wantErr && err == nil:
				t.Fatal("the API server accepted a wrong KafkaTopic: the harness cannot catch wrong children")
			case tt.wantErr && !isRefused(err):
				t.Fatalf("want a validation refusal, got %v", err)
			case !tt.wantErr && err != nil:
				t.Fatalf("the API server refused a correct KafkaTopic: %v", err)
			}
			t.Logf("API server said: %v", err)
		})
	}
	// Dry runs store nothing.
	list, err := c.api.dyn.Resource(kafkaTopicsGVR).Namespace(ns).List(ctx(t), listAll)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Items); n != 0 {
		t.Errorf("dry-run creates stored %d KafkaTopics, want 0", n)
	}
}
