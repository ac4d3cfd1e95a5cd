package manifests

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

var (
	//go:embed crd/sluice.dev_streamingapplications.yaml
	crdYAML []byte

	//go:embed base/compositecontroller.yaml
	controllerYAML []byte

	//go:embed components/*/patch.yaml
	componentFS embed.FS
)

// Errors of Controller, for errors.Is.
var (
	// ErrUnknownComponent is returned for a component that manifests/components
	// does not hold.
	ErrUnknownComponent = errors.New("unknown component")
	// ErrUnsupportedPatch is returned for a component patch operation that
	// Controller does not apply: only adding to /spec/childResources/- and
	// replacing or testing a field of one /spec/childResources entry.
	ErrUnsupportedPatch = errors.New("unsupported patch operation")
)

// Components that add no child kind, and so are not defaults:
// strimzi-v1beta2 switches KafkaTopic to kafka.strimzi.io/v1beta2, and
// pod-health adds the customize hook that asks for the application's pods
// (which makes Metacontroller watch every Pod of the cluster).
const (
	componentStrimziV1beta2 = "strimzi-v1beta2"
	componentPodHealth      = "pod-health"
)

// Components lists the optional components in a stable order: "flink",
// "monitoring", "pod-health", "spark", "strimzi-v1beta2".
func Components() []string {
	entries, err := fs.ReadDir(componentFS, "components")
	if err != nil {
		panic(fmt.Sprintf("manifests: embedded components: %v", err)) // embedded at build time
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// DefaultComponents are the ones render uses by default: every child-kind
// component (flink, kafka-users, keda, monitoring, spark), not
// strimzi-v1beta2 or pod-health.
func DefaultComponents() []string {
	return slices.DeleteFunc(Components(), func(c string) bool {
		return c == componentStrimziV1beta2 || c == componentPodHealth
	})
}

// CRDSchema returns the StreamingApplication CRD's only version and its
// openAPIV3Schema, as JSON.
func CRDSchema() (version string, schema json.RawMessage, err error) {
	var crd struct {
		Spec struct {
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(crdYAML, &crd); err != nil {
		return "", nil, fmt.Errorf("decode the CRD: %w", err)
	}
	if n := len(crd.Spec.Versions); n != 1 {
		return "", nil, fmt.Errorf("the CRD has %d versions, want 1", n)
	}
	v := crd.Spec.Versions[0]
	return v.Name, v.Schema.OpenAPIV3Schema, nil
}

// CRD returns the StreamingApplication CRD YAML.
func CRD() []byte {
	return bytes.Clone(crdYAML)
}

// Controller returns the CompositeController of the base with the named
// components applied (their JSON6902 patches, in the given order), as JSON
// bytes of the object.
func Controller(components ...string) ([]byte, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(controllerYAML, &obj); err != nil {
		return nil, fmt.Errorf("base compositecontroller.yaml: %w", err)
	}
	seen := map[string]bool{}
	for _, c := range components {
		if seen[c] {
			return nil, fmt.Errorf("component %q: given twice", c)
		}
		seen[c] = true
		ops, err := componentPatch(c)
		if err != nil {
			return nil, err
		}
		for i, op := range ops {
			if err := op.apply(obj); err != nil {
				return nil, fmt.Errorf("component %q: patch operation %d (%s %s): %w", c, i, op.Op, op.Path, err)
			}
		}
	}
	return json.Marshal(obj)
}

// patchOp is one JSON6902 operation of a component's patch.yaml.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// componentPatch reads the patch of the named component.
func componentPatch(name string) ([]patchOp, error) {
	if !slices.Contains(Components(), name) {
		return nil, fmt.Errorf("component %q (known: %s): %w", name, strings.Join(Components(), ", "), ErrUnknownComponent)
	}
	b, err := componentFS.ReadFile(path.Join("components", name, "patch.yaml"))
	if err != nil {
		return nil, fmt.Errorf("component %q: %w", name, err)
	}
	var ops []patchOp
	if err := yaml.UnmarshalStrict(b, &ops); err != nil {
		return nil, fmt.Errorf("component %q: patch.yaml: %w", name, err)
	}
	return ops, nil
}

// Paths component patches touch: the child kinds, and the hooks.
const (
	childResourcesPath = "/spec/childResources/"
	hooksPath          = "/spec/hooks/"
)

// addHook adds a hook (such as customize) that the base does not have.
func (op patchOp) addHook(obj map[string]any, name string) error {
	if op.Op != "add" || name == "" || strings.ContainsAny(name, "/~") {
		return fmt.Errorf("only add of one hook under %s: %w", hooksPath, ErrUnsupportedPatch)
	}
	spec, _ := obj["spec"].(map[string]any)
	hooks, ok := spec["hooks"].(map[string]any)
	if !ok {
		return errors.New("the CompositeController has no spec.hooks")
	}
	if _, exists := hooks[name]; exists {
		return fmt.Errorf("spec.hooks.%s exists already", name)
	}
	value, ok := op.Value.(map[string]any)
	if !ok {
		return errors.New("add: value must be an object")
	}
	hooks[name] = value
	return nil
}

// apply applies the operation to the CompositeController obj. It knows the
// operations the components use: "add" of a new entry at the end of
// spec.childResources, and "replace" or "test" of one field of an entry.
func (op patchOp) apply(obj map[string]any) error {
	if hook, ok := strings.CutPrefix(op.Path, hooksPath); ok {
		return op.addHook(obj, hook)
	}
	rest, ok := strings.CutPrefix(op.Path, childResourcesPath)
	if !ok {
		return fmt.Errorf("path outside %s: %w", childResourcesPath, ErrUnsupportedPatch)
	}
	spec, ok := obj["spec"].(map[string]any)
	if !ok {
		return errors.New("the CompositeController has no spec")
	}
	list, ok := spec["childResources"].([]any)
	if !ok {
		return errors.New("the CompositeController has no spec.childResources list")
	}

	if op.Op == "add" {
		if rest != "-" {
			return fmt.Errorf("add only appends (%s-): %w", childResourcesPath, ErrUnsupportedPatch)
		}
		entry, ok := op.Value.(map[string]any)
		if !ok {
			return errors.New("add: value must be an object")
		}
		spec["childResources"] = append(list, entry)
		return nil
	}

	index, field, ok := strings.Cut(rest, "/")
	if !ok || field == "" || strings.ContainsAny(field, "/~") {
		return fmt.Errorf("%s needs a path %sN/FIELD: %w", op.Op, childResourcesPath, ErrUnsupportedPatch)
	}
	n, err := strconv.Atoi(index)
	if err != nil || n < 0 || n >= len(list) || index != strconv.Itoa(n) {
		return fmt.Errorf("no entry %q in spec.childResources (%d entries)", index, len(list))
	}
	entry, ok := list[n].(map[string]any)
	if !ok {
		return fmt.Errorf("spec.childResources[%d] is not an object", n)
	}
	current, exists := entry[field]
	if !exists {
		return fmt.Errorf("spec.childResources[%d] has no field %q", n, field)
	}
	switch op.Op {
	case "replace":
		entry[field] = op.Value
		return nil
	case "test":
		if !reflect.DeepEqual(current, op.Value) {
			return fmt.Errorf("test failed: spec.childResources[%d].%s is %v, not %v", n, field, current, op.Value)
		}
		return nil
	default:
		return fmt.Errorf("op %q: %w", op.Op, ErrUnsupportedPatch)
	}
}
