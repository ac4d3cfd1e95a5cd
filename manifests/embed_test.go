package manifests

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// compositeController is the part of a CompositeController the tests read; it is
// decoded strictly, so a field Controller must not produce fails the test.
type compositeController struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		GenerateSelector bool `json:"generateSelector"`
		ParentResource   struct {
			APIVersion          string `json:"apiVersion"`
			Resource            string `json:"resource"`
			IgnoreStatusChanges bool   `json:"ignoreStatusChanges"`
		} `json:"parentResource"`
		ChildResources []struct {
			APIVersion     string `json:"apiVersion"`
			Resource       string `json:"resource"`
			UpdateStrategy struct {
				Method string `json:"method"`
			} `json:"updateStrategy"`
		} `json:"childResources"`
		Hooks map[string]struct {
			Version string `json:"version"`
			Webhook struct {
				URL     string `json:"url"`
				Timeout string `json:"timeout"`
			} `json:"webhook"`
		} `json:"hooks"`
	} `json:"spec"`
}

func decodeController(t *testing.T, b []byte) compositeController {
	t.Helper()
	var cc compositeController
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cc); err != nil {
		t.Fatalf("decode controller: %v\n%s", err, b)
	}
	return cc
}

// childKinds lists "apiVersion resource" of every child kind, in order.
func childKinds(cc compositeController) []string {
	var kinds []string
	for _, c := range cc.Spec.ChildResources {
		kinds = append(kinds, c.APIVersion+" "+c.Resource)
	}
	return kinds
}

func TestComponents(t *testing.T) {
	if diff := cmp.Diff([]string{"flink", "kafka-users", "keda", "monitoring", "pod-health", "spark", "strimzi-v1beta2"}, Components()); diff != "" {
		t.Errorf("Components() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"flink", "kafka-users", "keda", "monitoring", "spark"}, DefaultComponents()); diff != "" {
		t.Errorf("DefaultComponents() mismatch (-want +got):\n%s", diff)
	}
}

func TestController(t *testing.T) {
	base := []string{
		"v1 configmaps",
		"v1 services",
		"apps/v1 deployments",
		"kafka.strimzi.io/v1 kafkatopics",
	}
	cases := []struct {
		name       string
		components []string
		want       []string
	}{
		{"base", nil, base},
		{"defaults", DefaultComponents(), append(append([]string(nil), base...),
			"flink.apache.org/v1beta1 flinkdeployments",
			"kafka.strimzi.io/v1 kafkausers",
			"keda.sh/v1alpha1 scaledobjects",
			"keda.sh/v1alpha1 triggerauthentications",
			"monitoring.coreos.com/v1 podmonitors",
			"monitoring.coreos.com/v1 prometheusrules",
			"sparkoperator.k8s.io/v1beta2 sparkapplications")},
		{"order is the callers'", []string{"spark", "flink"}, append(append([]string(nil), base...),
			"sparkoperator.k8s.io/v1beta2 sparkapplications",
			"flink.apache.org/v1beta1 flinkdeployments")},
		{"pod health adds no child kind", []string{"pod-health"}, base},
		{"strimzi v1beta2", []string{"strimzi-v1beta2"}, []string{
			"v1 configmaps",
			"v1 services",
			"apps/v1 deployments",
			"kafka.strimzi.io/v1beta2 kafkatopics",
		}},
		{"everything", Components(), []string{
			"v1 configmaps",
			"v1 services",
			"apps/v1 deployments",
			"kafka.strimzi.io/v1beta2 kafkatopics",
			"flink.apache.org/v1beta1 flinkdeployments",
			"kafka.strimzi.io/v1 kafkausers",
			"keda.sh/v1alpha1 scaledobjects",
			"keda.sh/v1alpha1 triggerauthentications",
			"monitoring.coreos.com/v1 podmonitors",
			"monitoring.coreos.com/v1 prometheusrules",
			"sparkoperator.k8s.io/v1beta2 sparkapplications",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Controller(tc.components...)
			if err != nil {
				t.Fatalf("Controller(%q): %v", tc.components, err)
			}
			cc := decodeController(t, b)
			if diff := cmp.Diff(tc.want, childKinds(cc)); diff != "" {
				t.Errorf("child kinds mismatch (-want +got):\n%s", diff)
			}
			checkControllerInvariants(t, cc)
		})
	}
}

// checkControllerInvariants checks what Sluice relies on in every rendering.
func checkControllerInvariants(t *testing.T, cc compositeController) {
	t.Helper()
	if cc.APIVersion != "metacontroller.k8s.io/v1alpha1" || cc.Kind != "CompositeController" || cc.Metadata.Name != "sluice" {
		t.Errorf("object is %s %s %q, want metacontroller.k8s.io/v1alpha1 CompositeController \"sluice\"", cc.APIVersion, cc.Kind, cc.Metadata.Name)
	}
	if !cc.Spec.GenerateSelector {
		t.Error("generateSelector is not true")
	}
	p := cc.Spec.ParentResource
	if p.APIVersion != "sluice.dev/v1alpha1" || p.Resource != "streamingapplications" || !p.IgnoreStatusChanges {
		t.Errorf("parentResource = %+v, want sluice.dev/v1alpha1 streamingapplications with ignoreStatusChanges", p)
	}
	for _, c := range cc.Spec.ChildResources {
		if c.UpdateStrategy.Method != "InPlace" {
			t.Errorf("child %s %s: updateStrategy.method %q, want InPlace", c.APIVersion, c.Resource, c.UpdateStrategy.Method)
		}
	}
	seen := map[string]bool{}
	for _, c := range cc.Spec.ChildResources {
		if seen[c.Resource] {
			t.Errorf("child resource %s listed twice", c.Resource)
		}
		seen[c.Resource] = true
	}
	wantHooks := map[string]string{
		"sync":     "http://sluice.sluice-system.svc/sync",
		"finalize": "http://sluice.sluice-system.svc/finalize",
	}
	if _, ok := cc.Spec.Hooks["customize"]; ok {
		wantHooks["customize"] = "http://sluice.sluice-system.svc/customize"
	}
	if len(cc.Spec.Hooks) != len(wantHooks) {
		t.Errorf("hooks: got %d, want %d", len(cc.Spec.Hooks), len(wantHooks))
	}
	for name, url := range wantHooks {
		h, ok := cc.Spec.Hooks[name]
		if !ok {
			t.Errorf("hook %s missing", name)
			continue
		}
		if h.Version != "v2" || h.Webhook.URL != url || h.Webhook.Timeout != "10s" {
			t.Errorf("hook %s = %+v, want version v2, url %s, timeout 10s", name, h, url)
		}
	}
}

func TestControllerErrors(t *testing.T) {
	cases := []struct {
		name       string
		components []string
		is         error
	}{
		{"unknown", []string{"kafka"}, ErrUnknownComponent},
		{"unknown after known", []string{"spark", "Spark"}, ErrUnknownComponent},
		{"twice", []string{"flink", "flink"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Controller(tc.components...)
			if err == nil {
				t.Fatalf("Controller(%q) = %s, want an error", tc.components, b)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Controller(%q) error %v, want %v", tc.components, err, tc.is)
			}
		})
	}
}

func TestPatchOpApply(t *testing.T) {
	newObj := func() map[string]any {
		return map[string]any{"spec": map[string]any{"childResources": []any{
			map[string]any{"apiVersion": "v1", "resource": "configmaps"},
			map[string]any{"apiVersion": "kafka.strimzi.io/v1", "resource": "kafkatopics"},
		}}}
	}
	cases := []struct {
		name string
		op   patchOp
		want string // JSON of spec.childResources after the op; "" for an error
		is   error
	}{
		{"add", patchOp{Op: "add", Path: "/spec/childResources/-", Value: map[string]any{"resource": "x"}},
			`[{"apiVersion":"v1","resource":"configmaps"},{"apiVersion":"kafka.strimzi.io/v1","resource":"kafkatopics"},{"resource":"x"}]`, nil},
		{"replace", patchOp{Op: "replace", Path: "/spec/childResources/1/apiVersion", Value: "kafka.strimzi.io/v1beta2"},
			`[{"apiVersion":"v1","resource":"configmaps"},{"apiVersion":"kafka.strimzi.io/v1beta2","resource":"kafkatopics"}]`, nil},
		{"test passes", patchOp{Op: "test", Path: "/spec/childResources/1/resource", Value: "kafkatopics"},
			`[{"apiVersion":"v1","resource":"configmaps"},{"apiVersion":"kafka.strimzi.io/v1","resource":"kafkatopics"}]`, nil},
		{"test fails", patchOp{Op: "test", Path: "/spec/childResources/0/resource", Value: "kafkatopics"}, "", nil},
		{"add at an index", patchOp{Op: "add", Path: "/spec/childResources/0", Value: map[string]any{}}, "", ErrUnsupportedPatch},
		{"add a non-object", patchOp{Op: "add", Path: "/spec/childResources/-", Value: "x"}, "", nil},
		{"remove", patchOp{Op: "remove", Path: "/spec/childResources/0/resource"}, "", ErrUnsupportedPatch},
		{"other path", patchOp{Op: "replace", Path: "/spec/generateSelector", Value: false}, "", ErrUnsupportedPatch},
		{"whole entry", patchOp{Op: "replace", Path: "/spec/childResources/0", Value: map[string]any{}}, "", ErrUnsupportedPatch},
		{"nested field", patchOp{Op: "replace", Path: "/spec/childResources/0/updateStrategy/method", Value: "x"}, "", ErrUnsupportedPatch},
		{"index out of range", patchOp{Op: "replace", Path: "/spec/childResources/2/apiVersion", Value: "x"}, "", nil},
		{"index not canonical", patchOp{Op: "replace", Path: "/spec/childResources/01/apiVersion", Value: "x"}, "", nil},
		{"replace a missing field", patchOp{Op: "replace", Path: "/spec/childResources/0/updateStrategy", Value: "x"}, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := newObj()
			err := tc.op.apply(obj)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("apply(%+v) succeeded, want an error", tc.op)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("apply(%+v) error %v, want %v", tc.op, err, tc.is)
				}
				return
			}
			if err != nil {
				t.Fatalf("apply(%+v): %v", tc.op, err)
			}
			got, _ := json.Marshal(obj["spec"].(map[string]any)["childResources"])
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("childResources mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCRDIsACopy(t *testing.T) {
	a := CRD()
	a[0] = 'X'
	if b := CRD(); b[0] == 'X' {
		t.Error("CRD() returns the embedded bytes themselves; a caller could change them")
	}
}
