package graph

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOverlay: a streamlet's runtime block overrides the runtime's defaults
// field by field (sizes inside driver and executor too, configuration key by
// key), and neither input changes.
func TestOverlay(t *testing.T) {
	def := &SparkSettings{
		Version: "3.5.3", Type: "Scala", ServiceAccountName: "spark",
		Driver:    &SparkPod{Cores: ptr(int32(1)), Memory: "1g"},
		SparkConf: map[string]string{"a": "1", "b": "2"},
	}
	over := &SparkSettings{
		Type:      "Java",
		Driver:    &SparkPod{Memory: "2g"},
		Executor:  &SparkPod{Cores: ptr(int32(4))},
		SparkConf: map[string]string{"b": "3", "c": "4"},
	}
	want := &SparkSettings{
		Version: "3.5.3", Type: "Java", ServiceAccountName: "spark",
		Driver:    &SparkPod{Cores: ptr(int32(1)), Memory: "2g"},
		Executor:  &SparkPod{Cores: ptr(int32(4))},
		SparkConf: map[string]string{"a": "1", "b": "3", "c": "4"},
	}
	defBefore, overBefore := *def, *over
	if diff := cmp.Diff(want, overlay(def, over)); diff != "" {
		t.Errorf("overlay mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&defBefore, def); diff != "" || def.Driver.Memory != "1g" || len(def.SparkConf) != 2 {
		t.Errorf("overlay changed the defaults (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(&overBefore, over); diff != "" {
		t.Errorf("overlay changed the override (-before +after):\n%s", diff)
	}
	for _, tc := range []struct {
		name      string
		def, over *FlinkSettings
		want      *FlinkSettings
	}{
		{"neither", nil, nil, &FlinkSettings{}},
		{"only defaults", &FlinkSettings{Version: "v1_20"}, nil, &FlinkSettings{Version: "v1_20"}},
		{"only the block", nil, &FlinkSettings{JobManager: &FlinkResource{Memory: "1g"}}, &FlinkSettings{JobManager: &FlinkResource{Memory: "1g"}}},
		{"a zero CPU still overrides", &FlinkSettings{TaskManager: &FlinkResource{CPU: ptr(2.0)}}, &FlinkSettings{TaskManager: &FlinkResource{CPU: ptr(0.0)}},
			&FlinkSettings{TaskManager: &FlinkResource{CPU: ptr(0.0)}}},
	} {
		if diff := cmp.Diff(tc.want, overlay(tc.def, tc.over)); diff != "" {
			t.Errorf("%s: overlay mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestNamelessStreamletPath: a streamlet without a name is named by its
// position as written, in every problem, as type errors name it.
func TestNamelessStreamletPath(t *testing.T) {
	app := with(func(a *StreamingApplication) {
		a.Spec.Streamlets = append(a.Spec.Streamlets, Streamlet{Runtime: Akka, Inlets: []Port{{Name: "x", Schema: Schema{Format: "avro", Name: "X"}}}})
	})
	var got []string
	for _, p := range Validate(app) {
		got = append(got, p.Path)
	}
	want := []string{"spec.streamlets[4].inlets[x]", "spec.streamlets[4].name"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problem paths mismatch (-want +got):\n%s", diff)
	}
}
