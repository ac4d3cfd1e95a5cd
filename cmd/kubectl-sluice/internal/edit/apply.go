package edit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// FieldManager is the field manager of every write of kubectl sluice.
const FieldManager = "kubectl-sluice"

// Owned is the apply configuration that holds exactly the fields of live
// that manager owns through server-side apply (its managedFields entry of
// operation Apply on the main resource), with apiVersion, kind, name and
// namespace. Applying it unchanged changes nothing; applying it with one
// field changed changes that field and nothing else, where applying the one
// field alone would drop every other field the manager owns (server-side
// apply removes the fields a manager no longer applies).
func Owned(live *unstructured.Unstructured, manager string) (*unstructured.Unstructured, error) {
	out := map[string]any{}
	for _, mf := range live.GetManagedFields() {
		if mf.Manager != manager || mf.Operation != "Apply" || mf.Subresource != "" || mf.FieldsV1 == nil {
			continue
		}
		var set map[string]any
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &set); err != nil {
			return nil, fmt.Errorf("managedFields of %s: %w", manager, err)
		}
		if m, ok := project(live.Object, set).(map[string]any); ok {
			out = m
		}
	}
	cfg := &unstructured.Unstructured{Object: out}
	cfg.SetAPIVersion(live.GetAPIVersion())
	cfg.SetKind(live.GetKind())
	cfg.SetName(live.GetName())
	cfg.SetNamespace(live.GetNamespace())
	unstructured.RemoveNestedField(cfg.Object, "metadata", "managedFields")
	return cfg, nil
}

// project keeps the parts of v named by a managedFields set (FieldsV1: "f:"
// a field, "k:" a list item by its keys, "v:" a list item by value, "i:" by
// index, "." the node itself); an empty set is the whole value.
func project(v any, set map[string]any) any {
	if len(set) == 0 {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sub := range set {
			name, ok := strings.CutPrefix(k, "f:")
			if !ok {
				continue
			}
			if child, present := v[name]; present {
				subset, _ := sub.(map[string]any)
				out[name] = project(child, subset)
			}
		}
		return out
	case []any:
		var out []any
		for i, item := range v {
			if sub, ok := listItem(item, i, set); ok {
				out = append(out, project(item, sub))
			}
		}
		return out
	}
	return v
}

// listItem finds the set of a list item: by its keys, its value or index.
func listItem(item any, i int, set map[string]any) (map[string]any, bool) {
	for k, sub := range set {
		subset, _ := sub.(map[string]any)
		switch {
		case strings.HasPrefix(k, "k:"):
			var keys map[string]any
			m, ok := item.(map[string]any)
			if !ok || json.Unmarshal([]byte(k[2:]), &keys) != nil {
				continue
			}
			if matches(m, keys) {
				return subset, true
			}
		case strings.HasPrefix(k, "v:"):
			var val any
			if json.Unmarshal([]byte(k[2:]), &val) == nil && equalJSON(val, item) {
				return subset, true
			}
		case k == fmt.Sprintf("i:%d", i):
			return subset, true
		}
	}
	return nil, false
}

func matches(item, keys map[string]any) bool {
	for k, want := range keys {
		if !equalJSON(item[k], want) {
			return false
		}
	}
	return true
}

// equalJSON compares two values as JSON (int64 and float64 alike).
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		return reflect.DeepEqual(a, b)
	}
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}

// streamletItem returns the spec.streamlets item of cfg for a streamlet,
// adding one with only its name when cfg has none.
func streamletItem(cfg *unstructured.Unstructured, name string) map[string]any {
	spec, _ := cfg.Object["spec"].(map[string]any)
	if spec == nil {
		spec = map[string]any{}
		cfg.Object["spec"] = spec
	}
	list, _ := spec["streamlets"].([]any)
	for _, s := range list {
		if m, ok := s.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	m := map[string]any{"name": name}
	spec["streamlets"] = append(list, m)
	return m
}

// Scale sets one streamlet's replicas in an apply configuration (see Owned).
func Scale(cfg *unstructured.Unstructured, streamlet string, replicas int32) {
	streamletItem(cfg, streamlet)["replicas"] = int64(replicas)
}

// Savepoint sets a Flink streamlet's savepointTriggerNonce in an apply
// configuration (see Owned): a new value asks the Flink operator for a
// savepoint now.
func Savepoint(cfg *unstructured.Unstructured, streamlet string, nonce int64) {
	item := streamletItem(cfg, streamlet)
	flink, _ := item["flink"].(map[string]any)
	if flink == nil {
		flink = map[string]any{}
		item["flink"] = flink
	}
	flink["savepointTriggerNonce"] = nonce
}

// Configure sets configuration values in an apply configuration (see
// Owned), typed as Merge types them for the application's parameters.
func Configure(cfg *unstructured.Unstructured, app *graph.StreamingApplication, settings []Setting) error {
	for _, set := range settings {
		s := streamlet(app, set.Streamlet)
		if s == nil {
			return fmt.Errorf("%s: no streamlet %q", set, set.Streamlet)
		}
		var t graph.ParameterType
		for _, p := range s.ConfigParameters {
			if p.Key == set.Key {
				t = p.Type
			}
		}
		var v any
		b, _ := typed(t, set.Value).MarshalJSON() // a Scalar always marshals
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		item := streamletItem(cfg, set.Streamlet)
		config, _ := item["config"].(map[string]any)
		if config == nil {
			config = map[string]any{}
			item["config"] = config
		}
		config[set.Key] = v
	}
	return nil
}
