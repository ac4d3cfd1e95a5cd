package manifests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
)

// ksmConfig is the part of a kube-state-metrics custom-resource-state
// configuration that Sluice's file uses.
type ksmConfig struct {
	Kind string `json:"kind"`
	Spec struct {
		Resources []struct {
			GroupVersionKind struct {
				Group, Version, Kind string
			} `json:"groupVersionKind"`
			MetricNamePrefix string              `json:"metricNamePrefix"`
			LabelsFromPath   map[string][]string `json:"labelsFromPath"`
			Metrics          []struct {
				Name string `json:"name"`
				Help string `json:"help"`
				Each struct {
					Type     string `json:"type"`
					StateSet *struct {
						LabelName string   `json:"labelName"`
						Path      []string `json:"path"`
						List      []string `json:"list"`
					} `json:"stateSet"`
					Gauge *struct {
						Path           []string            `json:"path"`
						LabelsFromPath map[string][]string `json:"labelsFromPath"`
						ValueFrom      []string            `json:"valueFrom"`
					} `json:"gauge"`
				} `json:"each"`
			} `json:"metrics"`
		} `json:"resources"`
	} `json:"spec"`
}

func readKSMConfig(t *testing.T) ksmConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("monitoring", "kube-state-metrics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c ksmConfig
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		t.Fatalf("kube-state-metrics.yaml: %v", err)
	}
	return c
}

// crdSchema returns the CRD's openAPIV3Schema.
func crdSchema(t *testing.T) map[string]any {
	t.Helper()
	_, raw, err := CRDSchema()
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	return schema
}

// schemaAt walks fields of an object schema; ok is false at a field the
// schema does not declare.
func schemaAt(schema map[string]any, path []string) (map[string]any, bool) {
	for _, f := range path {
		props, _ := schema["properties"].(map[string]any)
		next, ok := props[f].(map[string]any)
		if !ok {
			return nil, false
		}
		schema = next
	}
	return schema, true
}

// TestKubeStateMetricsConfig: every path of the kube-state-metrics
// configuration is a field of the CRD's status (or metadata), every value
// read is one kube-state-metrics turns into a number, and the phase states
// are every phase Sluice writes.
func TestKubeStateMetricsConfig(t *testing.T) {
	c := readKSMConfig(t)
	if c.Kind != "CustomResourceStateMetrics" || len(c.Spec.Resources) != 1 {
		t.Fatalf("want one CustomResourceStateMetrics resource, got kind %q with %d", c.Kind, len(c.Spec.Resources))
	}
	r := c.Spec.Resources[0]
	if got := r.GroupVersionKind; got.Group != graph.Group || got.Version != graph.Version || got.Kind != graph.Kind {
		t.Errorf("groupVersionKind %+v, want %s/%s %s", got, graph.Group, graph.Version, graph.Kind)
	}
	root := crdSchema(t)
	root["properties"].(map[string]any)["metadata"] = map[string]any{"properties": map[string]any{
		"name": map[string]any{"type": "string"}, "namespace": map[string]any{"type": "string"},
	}}
	for label, path := range r.LabelsFromPath {
		if _, ok := schemaAt(root, path); !ok {
			t.Errorf("label %s: path %v is not in the CRD", label, path)
		}
	}
	numeric := func(s map[string]any) bool {
		switch s["type"] {
		case "integer", "number", "boolean":
			return true
		case "string": // a condition's status: "True", "False", "Unknown"
			enum, _ := s["enum"].([]any)
			return slices.Contains(enum, any("True"))
		}
		return false
	}
	for _, m := range r.Metrics {
		switch {
		case m.Each.StateSet != nil:
			s, ok := schemaAt(root, m.Each.StateSet.Path)
			if !ok || s["type"] != "string" {
				t.Errorf("%s: path %v is not a string of the CRD", m.Name, m.Each.StateSet.Path)
			}
			want := []string{string(graph.PhasePending), string(graph.PhaseRunning), string(graph.PhaseDegraded), string(graph.PhaseFailed), string(graph.PhaseInvalid), string(graph.PhaseSuspended)}
			if diff := cmp.Diff(want, m.Each.StateSet.List); diff != "" {
				t.Errorf("%s: states mismatch (-Sluice's phases +config):\n%s", m.Name, diff)
			}
		case m.Each.Gauge != nil:
			g := m.Each.Gauge
			s, ok := schemaAt(root, g.Path)
			if !ok {
				t.Errorf("%s: path %v is not in the CRD", m.Name, g.Path)
				continue
			}
			if s["type"] == "array" {
				s, _ = s["items"].(map[string]any)
			}
			if len(g.ValueFrom) > 0 {
				if v, ok := schemaAt(s, g.ValueFrom); !ok || !numeric(v) {
					t.Errorf("%s: valueFrom %v is not a number, boolean or condition status of %v", m.Name, g.ValueFrom, g.Path)
				}
			} else if !numeric(s) {
				t.Errorf("%s: path %v is not a number", m.Name, g.Path)
			}
			for label, lp := range g.LabelsFromPath {
				if v, ok := schemaAt(s, lp); !ok || v["type"] != "string" {
					t.Errorf("%s: label %s: %v is not a string of %v", m.Name, label, lp, g.Path)
				}
			}
		default:
			t.Errorf("%s: neither a StateSet nor a Gauge", m.Name)
		}
		if m.Help == "" {
			t.Errorf("%s: no help", m.Name)
		}
	}
}

// TestKubeStateMetricsConfigOnStatus: on a status the hook wrote (the
// rendered reference application's), every gauge's path holds values.
func TestKubeStateMetricsConfigOnStatus(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "hooks", "testdata", "render", "fraud-scoring.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Status map[string]any `json:"status"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		t.Fatal(err)
	}
	parent := map[string]any{"status": answer.Status}
	for _, m := range readKSMConfig(t).Spec.Resources[0].Metrics {
		g := m.Each.Gauge
		if g == nil || strings.HasSuffix(m.Name, "observed_generation") { // set by Metacontroller, not rendered
			continue
		}
		var v any = parent
		for _, f := range g.Path {
			v, _ = v.(map[string]any)[f]
		}
		items, _ := v.([]any)
		if len(items) == 0 {
			t.Errorf("%s: no values at %v in the rendered status", m.Name, g.Path)
			continue
		}
		for _, item := range items {
			var x any = item
			for _, f := range g.ValueFrom {
				x, _ = x.(map[string]any)[f]
			}
			if x == nil {
				t.Errorf("%s: an item at %v has no %v: %v", m.Name, g.Path, g.ValueFrom, item)
			}
		}
	}
}
