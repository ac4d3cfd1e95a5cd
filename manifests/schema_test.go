package manifests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
)

// Go types the schema describes specially.
var (
	scalarType       = reflect.TypeFor[graph.Scalar]()
	resourceListType = reflect.TypeFor[corev1.ResourceList]()
	quantityType     = reflect.TypeFor[resource.Quantity]()
	timeType         = reflect.TypeFor[metav1.Time]()
)

// goField is one JSON field of a Go struct, after inlining embedded structs.
type goField struct {
	name     string
	typ      reflect.Type
	required bool // neither omitempty/omitzero nor a pointer
}

// jsonFields lists the JSON fields of struct type t as encoding/json sees them.
func jsonFields(t reflect.Type) []goField {
	var fields []goField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				fields = append(fields, jsonFields(ft)...)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		omit := slices.ContainsFunc(strings.Split(opts, ","), func(o string) bool { return o == "omitempty" || o == "omitzero" })
		fields = append(fields, goField{name: name, typ: f.Type, required: !omit && f.Type.Kind() != reflect.Pointer})
	}
	return fields
}

// compareType checks that schema s describes Go type t, both ways, and returns a
// problem per mismatch, each prefixed with its path.
func compareType(path string, t reflect.Type, s *schema) []string {
	if s == nil {
		return []string{path + ": no schema for Go type " + t.String()}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case scalarType:
		if s.Type != "" || !s.PreserveUnknownFields || s.Properties != nil || s.Items != nil {
			return []string{path + ": graph.Scalar needs an untyped schema with x-kubernetes-preserve-unknown-fields"}
		}
		return nil
	case quantityType:
		if !s.IntOrString {
			return []string{path + ": a quantity needs x-kubernetes-int-or-string"}
		}
		return nil
	case timeType:
		if s.Type != "string" || s.Format != "date-time" {
			return []string{path + ": metav1.Time needs type string, format date-time"}
		}
		return nil
	}
	if t == resourceListType {
		if s.Type != "object" || s.AdditionalProperties == nil || !s.AdditionalProperties.IntOrString {
			return []string{path + ": a resource list needs an object of int-or-string quantities"}
		}
		return nil
	}

	wantType := func(want string) []string {
		if s.Type != want {
			return []string{fmt.Sprintf("%s: Go %s needs type %q, schema has %q", path, t, want, s.Type)}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		return wantType("string")
	case reflect.Bool:
		return wantType("boolean")
	case reflect.Int32, reflect.Int64:
		if p := wantType("integer"); p != nil {
			return p
		}
		if want := fmt.Sprintf("int%d", t.Bits()); s.Format != want {
			return []string{fmt.Sprintf("%s: Go %s needs format %s, schema has %q", path, t, want, s.Format)}
		}
		return nil
	case reflect.Float32, reflect.Float64:
		return wantType("number")
	case reflect.Slice:
		if p := wantType("array"); p != nil {
			return p
		}
		return compareType(path+"[]", t.Elem(), s.Items)
	case reflect.Map:
		if p := wantType("object"); p != nil {
			return p
		}
		if t.Key().Kind() != reflect.String {
			return []string{path + ": map keys must be strings"}
		}
		if len(s.Properties) > 0 {
			return []string{path + ": a Go map needs additionalProperties, not properties"}
		}
		return compareType(path+"{}", t.Elem(), s.AdditionalProperties)
	case reflect.Struct:
		if p := wantType("object"); p != nil {
			return p
		}
		var problems []string
		fields := jsonFields(t)
		var required []string
		for _, f := range fields {
			p, ok := s.Properties[f.name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s.%s: Go field has no schema property", path, f.name))
				continue
			}
			problems = append(problems, compareType(path+"."+f.name, f.typ, p)...)
			if f.required {
				required = append(required, f.name)
			}
		}
		for name := range s.Properties {
			if !slices.ContainsFunc(fields, func(f goField) bool { return f.name == name }) {
				problems = append(problems, fmt.Sprintf("%s.%s: schema property has no Go field", path, name))
			}
		}
		slices.Sort(required)
		gotRequired := slices.Sorted(slices.Values(s.Required))
		if !slices.Equal(required, gotRequired) {
			problems = append(problems, fmt.Sprintf("%s: required is %q, the Go type says %q", path, gotRequired, required))
		}
		return problems
	default:
		return []string{fmt.Sprintf("%s: Go kind %s has no schema mapping in this test", path, t.Kind())}
	}
}

func TestSchemaMatchesGoTypes(t *testing.T) {
	root := loadSchema(t)
	if root.Type != "object" {
		t.Fatalf("root type %q, want object", root.Type)
	}
	if diff := cmp.Diff([]string{"apiVersion", "kind", "metadata", "spec", "status"}, slices.Sorted(maps.Keys(root.Properties))); diff != "" {
		t.Errorf("root properties mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"spec"}, root.Required); diff != "" {
		t.Errorf("root required mismatch (-want +got):\n%s", diff)
	}
	app := reflect.TypeFor[graph.StreamingApplication]()
	specField, _ := app.FieldByName("Spec")
	statusField, _ := app.FieldByName("Status")
	var problems []string
	problems = append(problems, compareType("spec", specField.Type, root.Properties["spec"])...)
	problems = append(problems, compareType("status", statusField.Type, root.Properties["status"])...)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestCompareTypeFindsDrift proves the comparison above fails where it should.
func TestCompareTypeFindsDrift(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type embedded struct {
		E int32 `json:"e,omitempty"`
	}
	type goType struct {
		Name     string                  `json:"name"`
		Count    *int32                  `json:"count,omitempty"`
		Items    []inner                 `json:"items,omitempty"`
		Config   map[string]graph.Scalar `json:"config,omitempty"`
		Requests corev1.ResourceList     `json:"requests,omitempty"`
		embedded `json:",inline"`
	}
	good := func() *schema {
		return &schema{Type: "object", Required: []string{"name"}, Properties: map[string]*schema{
			"name":     {Type: "string"},
			"count":    {Type: "integer", Format: "int32"},
			"items":    {Type: "array", Items: &schema{Type: "object", Required: []string{"a"}, Properties: map[string]*schema{"a": {Type: "string"}}}},
			"config":   {Type: "object", AdditionalProperties: &schema{PreserveUnknownFields: true}},
			"requests": {Type: "object", AdditionalProperties: &schema{IntOrString: true}},
			"e":        {Type: "integer", Format: "int32"},
		}}
	}
	if p := compareType("x", reflect.TypeFor[goType](), good()); len(p) != 0 {
		t.Fatalf("the matching schema has problems: %q", p)
	}
	cases := []struct {
		name   string
		change func(s *schema)
		want   string
	}{
		{"missing property", func(s *schema) { delete(s.Properties, "count") }, "x.count: Go field has no schema property"},
		{"extra property", func(s *schema) { s.Properties["extra"] = &schema{Type: "string"} }, "x.extra: schema property has no Go field"},
		{"wrong type", func(s *schema) { s.Properties["name"].Type = "integer" }, `x.name: Go string needs type "string"`},
		{"wrong format", func(s *schema) { s.Properties["count"].Format = "int64" }, "x.count: Go int32 needs format int32"},
		{"not required", func(s *schema) { s.Required = nil }, "x: required is"},
		{"required too much", func(s *schema) { s.Required = []string{"count", "name"} }, "x: required is"},
		{"nested", func(s *schema) { s.Properties["items"].Items.Properties["a"].Type = "boolean" }, "x.items[].a:"},
		{"typed scalar", func(s *schema) { s.Properties["config"].AdditionalProperties.Type = "string" }, "x.config{}: graph.Scalar"},
		{"quantity", func(s *schema) { s.Properties["requests"].AdditionalProperties = &schema{Type: "string"} }, "x.requests: a resource list"},
		{"inline field", func(s *schema) { delete(s.Properties, "e") }, "x.e: Go field has no schema property"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.change(s)
			p := compareType("x", reflect.TypeFor[goType](), s)
			if !slices.ContainsFunc(p, func(p string) bool { return strings.HasPrefix(p, tc.want) }) {
				t.Errorf("problems %q, want one starting %q", p, tc.want)
			}
		})
	}
}

// TestSchemaEnumsMatchGoConstants keeps the enums equal to graph's constants.
func TestSchemaEnumsMatchGoConstants(t *testing.T) {
	spec := loadSchema(t).Properties["spec"]
	st := spec.Properties["streamlets"].Items
	cases := []struct {
		path string
		s    *schema
		want []string
	}{
		{"spec.topicDeletionPolicy", spec.Properties["topicDeletionPolicy"], []string{string(graph.Retain), string(graph.Delete)}},
		{"spec.kafka.authentication.type", spec.Properties["kafka"].Properties["authentication"].Properties["type"], []string{graph.AuthSCRAMSHA512, graph.AuthTLS}},
		{"spec.streamlets[].runtime", st.Properties["runtime"], []string{string(graph.Akka), string(graph.Spark), string(graph.Flink)}},
		{"spec.runtimes.flink.version", spec.Properties["runtimes"].Properties["flink"].Properties["version"], graph.FlinkVersions},
		{"spec.streamlets[].flink.version", st.Properties["flink"].Properties["version"], graph.FlinkVersions},
		{"spec.streamlets[].configParameters[].type", st.Properties["configParameters"].Items.Properties["type"], []string{
			string(graph.TypeBool), string(graph.TypeInt32), string(graph.TypeInt64), string(graph.TypeDouble),
			string(graph.TypeString), string(graph.TypeDuration), string(graph.TypeMemorySize),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			var got []string
			for _, e := range tc.s.Enum {
				got = append(got, fmt.Sprint(e))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("enum mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// validate checks value v (decoded from JSON with UseNumber) against s, the
// structural schema subset the CRD uses, and returns every problem prefixed with
// its path. Unknown fields are problems, as the API server's pruning would drop
// them. CEL rules are not evaluated here.
func validate(path string, s *schema, v any) []string {
	bad := func(format string, args ...any) []string {
		return []string{path + ": " + fmt.Sprintf(format, args...)}
	}
	if v == nil {
		return bad("null is not allowed")
	}
	if s.IntOrString {
		switch v := v.(type) {
		case string:
			if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(v) {
				return bad("%q does not match %s", v, s.Pattern)
			}
			return nil
		case json.Number:
			if _, err := v.Int64(); err != nil {
				return bad("%s is not an integer", v)
			}
			return nil
		default:
			return bad("want an integer or a string, got %T", v)
		}
	}
	if s.Type == "" {
		if s.PreserveUnknownFields {
			return nil
		}
		return bad("schema has no type")
	}

	var problems []string
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("want an object, got %T", v)
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				problems = append(problems, fmt.Sprintf("%s.%s: required", path, r))
			}
		}
		if s.MaxProperties != nil && int64(len(obj)) > *s.MaxProperties {
			problems = append(problems, fmt.Sprintf("%s: %d entries, at most %d", path, len(obj), *s.MaxProperties))
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			switch p, ok := s.Properties[k]; {
			case ok:
				problems = append(problems, validate(path+"."+k, p, obj[k])...)
			case s.AdditionalProperties != nil:
				problems = append(problems, validate(path+"."+k, s.AdditionalProperties, obj[k])...)
			case s.PreserveUnknownFields:
			default:
				problems = append(problems, fmt.Sprintf("%s.%s: unknown field", path, k))
			}
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			return bad("want an array, got %T", v)
		}
		if s.MaxItems != nil && int64(len(list)) > *s.MaxItems {
			problems = append(problems, fmt.Sprintf("%s: %d items, at most %d", path, len(list), *s.MaxItems))
		}
		if s.MinItems != nil && int64(len(list)) < *s.MinItems {
			problems = append(problems, fmt.Sprintf("%s: %d items, at least %d", path, len(list), *s.MinItems))
		}
		seen := map[string]bool{}
		for i, item := range list {
			problems = append(problems, validate(fmt.Sprintf("%s[%d]", path, i), s.Items, item)...)
			var key string
			switch s.ListType {
			case "set":
				b, _ := json.Marshal(item)
				key = string(b)
			case "map":
				obj, _ := item.(map[string]any)
				var parts []string
				for _, k := range s.ListMapKeys {
					parts = append(parts, fmt.Sprint(obj[k]))
				}
				key = strings.Join(parts, "\x00")
			default:
				continue
			}
			if seen[key] {
				problems = append(problems, fmt.Sprintf("%s[%d]: duplicate in a %s list", path, i, s.ListType))
			}
			seen[key] = true
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return bad("want a string, got %T", v)
		}
		n := int64(utf8.RuneCountInString(str))
		if s.MaxLength != nil && n > *s.MaxLength {
			problems = append(problems, fmt.Sprintf("%s: %d characters, at most %d", path, n, *s.MaxLength))
		}
		if s.MinLength != nil && n < *s.MinLength {
			problems = append(problems, fmt.Sprintf("%s: %d characters, at least %d", path, n, *s.MinLength))
		}
		if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(str) {
			problems = append(problems, fmt.Sprintf("%s: %q does not match %s", path, str, s.Pattern))
		}
		if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return e == str }) {
			problems = append(problems, fmt.Sprintf("%s: %q is not one of %v", path, str, s.Enum))
		}
	case "integer", "number":
		num, ok := v.(json.Number)
		if !ok {
			return bad("want a %s, got %T", s.Type, v)
		}
		f, err := num.Float64()
		if err != nil {
			return bad("%s is not a number", num)
		}
		if s.Type == "integer" {
			i, err := strconv.ParseInt(num.String(), 10, 64)
			if err != nil {
				return bad("%s is not an integer", num)
			}
			if s.Format == "int32" && (i < math.MinInt32 || i > math.MaxInt32) {
				problems = append(problems, fmt.Sprintf("%s: %d does not fit int32", path, i))
			}
		}
		if m := s.Minimum; m != nil && (f < *m || s.ExclusiveMinimum && f == *m) {
			problems = append(problems, fmt.Sprintf("%s: %s is below the minimum %v", path, num, *m))
		}
		if m := s.Maximum; m != nil && f > *m {
			problems = append(problems, fmt.Sprintf("%s: %s is above the maximum %v", path, num, *m))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad("want a boolean, got %T", v)
		}
	default:
		return bad("schema type %q unknown to this validator", s.Type)
	}
	return problems
}

// objectSchema returns root for validating whole objects: metadata is
// ObjectMeta, which the API server validates itself, not through the CRD.
func objectSchema(root *schema) *schema {
	s := *root
	s.Properties = maps.Clone(root.Properties)
	s.Properties["metadata"] = &schema{Type: "object", PreserveUnknownFields: true}
	return &s
}

// decodeYAML decodes one YAML document the way the API server sees it.
func decodeYAML(t *testing.T, b []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatalf("YAML: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	return v
}

// TestExamplesValidate validates every example against the CRD's schema and
// decodes it, strictly, into graph.StreamingApplication.
func TestExamplesValidate(t *testing.T) {
	root := objectSchema(loadSchema(t))
	files, err := filepath.Glob(filepath.Join("examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d examples, want at least 2", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			obj := decodeYAML(t, b)
			for _, p := range validate("", root, obj) {
				t.Error(p)
			}
			m := obj.(map[string]any)
			if m["apiVersion"] != graph.APIVersion || m["kind"] != graph.Kind {
				t.Errorf("apiVersion/kind %v/%v, want %s/%s", m["apiVersion"], m["kind"], graph.APIVersion, graph.Kind)
			}

			j, err := yaml.YAMLToJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(j))
			dec.DisallowUnknownFields()
			var app graph.StreamingApplication
			if err := dec.Decode(&app); err != nil {
				t.Errorf("decode into graph.StreamingApplication: %v", err)
			}
		})
	}
}

// TestValidatorRefuses proves that the validator above finds what it must.
func TestValidatorRefuses(t *testing.T) {
	root := objectSchema(loadSchema(t))
	const valid = `
apiVersion: sluice.dev/v1alpha1
kind: StreamingApplication
metadata: {name: tiny, namespace: demo}
spec:
  kafka: {cluster: c, bootstrapServers: "k:9092"}
  streamlets:
  - name: gen
    runtime: akka
    replicas: 1
    outlets: [{name: out, schema: {format: avro, name: a.B}}]
    config: {rate: 5}
    resources: {requests: {cpu: 100m, memory: 1Gi}}
  - name: sink
    runtime: akka
    inlets: [{name: in, schema: {format: avro, name: a.B}}]
  connections:
  - {from: gen.out, to: [sink.in]}
`
	if p := validate("", root, decodeYAML(t, []byte(valid))); len(p) != 0 {
		t.Fatalf("the valid object has problems: %q", p)
	}
	cases := []struct {
		name    string
		replace [2]string // replace [0] by [1] in the valid object
		want    string
	}{
		{"unknown field", [2]string{"replicas: 1", "replica: 1"}, ".spec.streamlets[0].replica: unknown field"},
		{"unknown top-level field", [2]string{"kind: StreamingApplication", "kind: StreamingApplication\nextra: 1"}, ".extra: unknown field"},
		{"wrong type", [2]string{"replicas: 1", `replicas: "1"`}, ".spec.streamlets[0].replicas: want a integer, got string"},
		{"wrong type of object", [2]string{"kafka: {cluster: c, bootstrapServers: \"k:9092\"}", "kafka: [c]"}, ".spec.kafka: want an object"},
		{"missing required", [2]string{`{cluster: c, bootstrapServers: "k:9092"}`, "{cluster: c}"}, ".spec.kafka.bootstrapServers: required"},
		{"missing required in a list", [2]string{"runtime: akka\n    replicas", "replicas"}, ".spec.streamlets[0].runtime: required"},
		{"enum", [2]string{"runtime: akka\n    replicas", "runtime: storm\n    replicas"}, `.spec.streamlets[0].runtime: "storm" is not one of`},
		{"pattern", [2]string{"name: gen", "name: Gen"}, `.spec.streamlets[0].name: "Gen" does not match`},
		{"minimum", [2]string{"replicas: 1", "replicas: -1"}, ".spec.streamlets[0].replicas: -1 is below the minimum 0"},
		{"quantity", [2]string{"cpu: 100m", "cpu: lots"}, `.spec.streamlets[0].resources.requests.cpu: "lots" does not match`},
		{"duplicate map key", [2]string{"name: sink", "name: gen"}, ".spec.streamlets[1]: duplicate in a map list"},
		{"maxLength", [2]string{"name: gen", "name: g" + strings.Repeat("e", 63)}, ".spec.streamlets[0].name: 64 characters, at most 63"},
		{"minItems", [2]string{"to: [sink.in]", "to: []"}, ".spec.connections[0].to: 0 items, at least 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(valid, tc.replace[0], tc.replace[1], 1)
			if doc == valid {
				t.Fatalf("%q not found in the valid object", tc.replace[0])
			}
			p := validate("", root, decodeYAML(t, []byte(doc)))
			if !slices.ContainsFunc(p, func(p string) bool { return strings.HasPrefix(p, tc.want) }) {
				t.Errorf("problems %q, want one starting %q", p, tc.want)
			}
		})
	}
}
