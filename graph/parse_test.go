package graph

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/google/go-cmp/cmp"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const minimal = `apiVersion: sluice.dev/v1alpha1
kind: StreamingApplication
metadata: {name: tiny, namespace: demo}
spec:
  image: example.com/tiny:1
  kafka: {cluster: k, bootstrapServers: "k:9092"}
  streamlets:
  - name: src
    runtime: akka
    replicas: 2
    outlets: [{name: out, schema: {format: json, name: Tick}}]
    configParameters:
    - {key: rate, type: int32, default: 5}
    config: {rate: 7}
`

func TestParseStrict(t *testing.T) {
	tests := []struct {
		name, doc string
		err       error
		want      string
	}{
		{"misspelt field", strings.Replace(minimal, "replicas: 2", "replica: 2", 1), ErrUnknownField, "spec.streamlets[src].replica: unknown field"},
		{"unknown top-level spec field", strings.Replace(minimal, "  image:", "  imge: x\n  image:", 1), ErrUnknownField, "spec.imge: unknown field"},
		{"field name in the wrong case", strings.Replace(minimal, "replicas: 2", "Replicas: 2", 1), ErrUnknownField, "spec.streamlets[src].Replicas: unknown field"},
		{"unknown field of a port's schema", strings.Replace(minimal, "name: Tick}", "name: Tick, fingerprnt: x}", 1), ErrUnknownField,
			"spec.streamlets[src].outlets[out].schema.fingerprnt: unknown field (misspelt, or not part of sluice.dev/v1alpha1)"},
		{"unknown field of a nameless streamlet", strings.Replace(minimal, "- name: src", "- nam: src", 1), ErrUnknownField, "spec.streamlets[0].nam: unknown field"},
		{"duplicate field", strings.Replace(minimal, "replicas: 2", "replicas: 2\n    replicas: 3", 1), ErrMalformed, "replicas"},
		{"wrong type", strings.Replace(minimal, "replicas: 2", "replicas: two", 1), ErrWrongType, "spec.streamlets[src].replicas: must be an integer"},
		{"config value is a map", strings.Replace(minimal, "{rate: 7}", "{rate: {x: 1}}", 1), ErrWrongType, "string, number or boolean"},
		{"wrong kind", strings.Replace(minimal, "kind: StreamingApplication", "kind: Application", 1), ErrNotApplication, "Application/tiny"},
		{"not YAML", "spec: [", ErrMalformed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app, err := Parse([]byte(tc.doc))
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error %v, want %v containing %q", err, tc.err, tc.want)
			}
			// Unknown fields and values of the wrong type leave the rest of
			// the application to validate.
			if wantApp := tc.err == ErrUnknownField || tc.err == ErrWrongType; (app != nil) != wantApp {
				t.Errorf("Parse returned application %v, want one: %v", app != nil, wantApp)
			}
		})
	}
	app, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if got := app.Spec.Streamlets[0].Config["rate"].String(); got != "7" {
		t.Errorf("config rate = %q, want 7", got)
	}
}

// TestResolveSeed checks topics, consumer groups and defaults of the
// reference application.
func TestResolveSeed(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "manifests", "examples", "call-record-aggregator.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	bp, problems := Resolve(app)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var topics []string
	for _, tp := range bp.Topics {
		topics = append(topics, tp.Name+" <- "+strings.Join(tp.Readers, ","))
	}
	want := []string{
		"call-record-aggregator.cdr-aggregator.out <- console-egress.in",
		"call-record-aggregator.cdr-generator1.out <- merge.in-0",
		"call-record-aggregator.cdr-generator2.out <- merge.in-1",
		"call-record-aggregator.cdr-ingress.out <- merge.in-2",
		"call-record-aggregator.cdr-validator.invalid <- error-egress.in",
		"call-record-aggregator.cdr-validator.valid <- cdr-aggregator.in",
		"call-record-aggregator.merge.out <- cdr-validator.in",
	}
	if diff := cmp.Diff(want, topics); diff != "" {
		t.Errorf("topics mismatch (-want +got):\n%s", diff)
	}
	merge := bp.Streamlets[slices.IndexFunc(bp.Streamlets, func(s ResolvedStreamlet) bool { return s.Name == "merge" })]
	if got := merge.Inlets[0]; got.Topic != "call-record-aggregator.cdr-generator1.out" || got.ConsumerGroup != "call-record-aggregator.merge.in-0" {
		t.Errorf("merge.in-0 = %+v", got)
	}
	if merge.Replicas != 4 {
		t.Errorf("merge replicas %d, want 4", merge.Replicas)
	}
}

// FuzzParse: parsing and validating arbitrary documents never panics, and a
// document that parses round-trips through JSON to the same problems.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	if b, err := os.ReadFile(filepath.Join("..", "manifests", "examples", "call-record-aggregator.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("apiVersion: sluice.dev/v1alpha1\nkind: StreamingApplication\nspec: {streamlets: [{name: a}], connections: [{from: a.b, to: [a.c]}]}"))
	f.Add([]byte(strings.Replace(minimal, "replicas: 2", "replicas: [two]\n    Runtime: 1\n    config: {rate: null}", 1)))
	f.Add([]byte(`{"apiVersion":"sluice.dev/v1alpha1","kind":"StreamingApplication","spec":{"streamlets":"x","kafka":[1]}}{"kind":"Namespace"}`))
	f.Add([]byte(minimal + "---\n" + strings.Replace(minimal, "{rate: 7}", "{rate: [7]}", 1)))
	f.Fuzz(func(t *testing.T, doc []byte) {
		_, _ = ParseAll(doc)
		if js, err := yaml.YAMLToJSON(doc); err == nil {
			// The hook's decoder: no panic; problems only beside an application.
			if app, err := FromJSON(js); app != nil && err != nil && !errors.Is(err, ErrWrongType) {
				t.Errorf("FromJSON returned an application beside %v", err)
			}
			if bp, problems := ResolveJSON(js); bp != nil && len(problems) > 0 {
				t.Errorf("ResolveJSON returned a blueprint beside %v", problems)
			}
		}
		app, err := Parse(doc)
		if app == nil {
			return
		}
		// Beside an application there are only unknown fields and values of
		// the wrong type, each its own line.
		if err != nil {
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				if !errors.Is(e, ErrUnknownField) && !errors.Is(e, ErrWrongType) {
					t.Errorf("Parse returned an application beside %v", e)
				}
			}
		}
		problems := Validate(app) // also with unknown fields and wrong types: validate reports them all
		if err != nil {
			return
		}
		js, err := yaml.Marshal(app)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := Parse(js)
		if err != nil {
			t.Fatalf("a parsed application does not parse again: %v\n%s", err, js)
		}
		if diff := cmp.Diff(problems.Strings(), Validate(again).Strings()); diff != "" {
			t.Errorf("problems changed on round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzScalar(f *testing.F) {
	for _, s := range []string{`"x"`, `12`, `-1.5e3`, `true`, `false`, `null`, `{}`, `[1]`, `"\u00e9"`, `9223372036854775808`, `1e400`, `-0`, `7.0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Scalar
		if s.UnmarshalJSON(b) != nil {
			return
		}
		out, _ := s.MarshalJSON()
		var again Scalar
		if err := again.UnmarshalJSON(out); err != nil || again.String() != s.String() {
			t.Errorf("scalar %s does not round-trip: %v", b, err)
		}
		// ToUnstructured is what decoding its JSON as unstructured gives.
		var decoded any
		if err := kjson.UnmarshalCaseSensitivePreserveInts(out, &decoded); err == nil {
			if got := s.ToUnstructured(); !reflect.DeepEqual(got, decoded) {
				t.Errorf("scalar %s: ToUnstructured %#v, decoded %#v", b, got, decoded)
			}
		}
	})
}

// TestParseTypeErrors: a value of the wrong type is a problem at its path,
// with streamlets and ports by name, beside every other decode problem; the
// rest of the application is decoded and returned, so that it validates.
func TestParseTypeErrors(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"string for an integer", "replicas: 2", `replicas: "two"`,
			[]string{`spec.streamlets[src].replicas: must be an integer, not the string "two"`}},
		{"fraction for an integer", "replicas: 2", "replicas: 2.5",
			[]string{`spec.streamlets[src].replicas: must be an integer, not the number 2.5`}},
		{"integer out of range", "replicas: 2", "replicas: 99999999999",
			[]string{`spec.streamlets[src].replicas: must be an integer from -2147483648 to 2147483647, not the number 99999999999`}},
		{"list as a config value", "{rate: 7}", "{rate: [7]}",
			[]string{`spec.streamlets[src].config[rate]: must be a string, number or boolean, not a list`}},
		{"map as a config value", "{rate: 7}", "{rate: {x: 1}}",
			[]string{`spec.streamlets[src].config[rate]: must be a string, number or boolean, not an object`}},
		{"list as a parameter default", "default: 5}", "default: [5]}",
			[]string{`spec.streamlets[src].configParameters[rate].default: must be a string, number or boolean, not a list`}},
		{"string for a port's schema", "schema: {format: json, name: Tick}", `schema: "json"`,
			[]string{`spec.streamlets[src].outlets[out].schema: must be an object, not the string "json"`}},
		{"string for a boolean", "name: Tick}}]", `name: Tick}, topic: {managed: "no"}}]`,
			[]string{`spec.streamlets[src].outlets[out].topic.managed: must be true or false, not the string "no"`}},
		{"number for a string", "runtime: akka", "runtime: 5",
			[]string{`spec.streamlets[src].runtime: must be a string, not the number 5 (quote it)`}},
		{"number for a name", "- name: src", "- name: 5",
			[]string{`spec.streamlets[0].name: must be a string, not the number 5 (quote it)`}},
		{"object for a list", "  streamlets:\n", "  imagePullSecrets: {a: b}\n  streamlets:\n",
			[]string{`spec.imagePullSecrets: must be a list, not an object`}},
		{"string for a streamlet", "  streamlets:\n", "  streamlets:\n  - src\n",
			[]string{`spec.streamlets[0]: must be an object, not the string "src"`}},
		{"bad quantity", "    replicas: 2\n", "    replicas: 2\n    resources: {requests: {cpu: lots}}\n",
			[]string{`spec.streamlets[src].resources.requests[cpu]: must be a quantity such as 500m or 2Gi, not the string "lots"`}},
		{"number for a label", "namespace: demo}", "namespace: demo, labels: {tier: 1}}",
			[]string{`metadata.labels[tier]: must be a string, not the number 1 (quote it)`}},
		{"two at once", "replicas: 2", "replicas: two\n    image: [x]", []string{
			`spec.streamlets[src].image: must be a string, not a list`,
			`spec.streamlets[src].replicas: must be an integer, not the string "two"`,
		}},
		{"beside an unknown field", "replicas: 2", "replicas: two\n    replica: 2", []string{
			`spec.streamlets[src].replica: unknown field (misspelt, or not part of sluice.dev/v1alpha1)`,
			`spec.streamlets[src].replicas: must be an integer, not the string "two"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(minimal, tc.from, tc.to, 1)
			if doc == minimal {
				t.Fatalf("%q is not in the document", tc.from)
			}
			app, err := Parse([]byte(doc))
			if app == nil {
				t.Fatalf("Parse returned no application: %v", err)
			}
			if !errors.Is(err, ErrWrongType) {
				t.Errorf("Parse error %v does not match ErrWrongType", err)
			}
			if diff := cmp.Diff(tc.want, errorLines(err)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			// The rest was decoded: the value set next to the bad one.
			if app.Name != "tiny" || app.Spec.Kafka.Cluster != "k" {
				t.Errorf("the rest of the application was not decoded: %+v", app.ObjectMeta)
			}
		})
	}
}

// errorLines is an error as its lines, sorted as Parse sorts them: unknown
// fields first, then the values of the wrong type.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// TestFromJSONTypeErrors: the hook's decoder reports the same problems, with
// the application decoded beside them, and ResolveJSON reports them with
// every other problem of the application (and no blueprint).
func TestFromJSONTypeErrors(t *testing.T) {
	doc := strings.Replace(minimal, "replicas: 2", `replicas: "two"`, 1)
	doc = strings.Replace(doc, `bootstrapServers: "k:9092"`, `bootstrapServers: ""`, 1)
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	app, err := FromJSON(js)
	if app == nil || !errors.Is(err, ErrWrongType) {
		t.Fatalf("FromJSON = %v, %v; want an application and ErrWrongType", app, err)
	}
	want := []string{`spec.streamlets[src].replicas: must be an integer, not the string "two"`}
	if diff := cmp.Diff(want, errorLines(err)); diff != "" {
		t.Errorf("FromJSON problems mismatch (-want +got):\n%s", diff)
	}
	bp, problems := ResolveJSON(js)
	if bp != nil {
		t.Error("ResolveJSON returned a blueprint of an application with a value of the wrong type")
	}
	want = append(want, "spec.kafka.bootstrapServers: missing: streamlets need the Kafka bootstrap servers")
	if diff := cmp.Diff(want, problems.Strings()); diff != "" {
		t.Errorf("ResolveJSON problems mismatch (-want +got):\n%s", diff)
	}
	if _, problems := ResolveJSON([]byte("{")); len(problems) != 1 || !errors.Is(problems[0], ErrMalformed) {
		t.Errorf("ResolveJSON of broken JSON = %v, want one malformed problem", problems)
	}
}

// TestParseAll: every document of a YAML or JSON stream, empty ones skipped,
// each named by its application or its position; a document of another kind
// is refused by name.
func TestParseAll(t *testing.T) {
	other := strings.Replace(minimal, "name: tiny", "name: other", 1)
	broken := strings.Replace(other, "replicas: 2", "replicas: two", 1)
	ns := "apiVersion: v1\nkind: Namespace\nmetadata: {name: sluice-system}\n"
	toJSON := func(doc string) string {
		t.Helper()
		b, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	type result struct {
		Label string
		App   bool
		Err   string
	}
	tests := []struct {
		name, stream string
		want         []result
	}{
		{"one", minimal, []result{{"tiny", true, ""}}},
		{"two, the second broken", minimal + "---\n" + broken, []result{
			{"tiny", true, ""},
			{"other", true, `spec.streamlets[src].replicas: must be an integer, not the string "two"`},
		}},
		{"empty documents skipped", "---\n" + minimal + "---\n# nothing here\n---\n\n---\nnull\n---\n~ # none\n...\n---\n" + other + "---\n", []result{
			{"tiny", true, ""}, {"other", true, ""},
		}},
		{"another kind", ns + "---\n" + minimal, []result{
			{"document 1", false, "Namespace/sluice-system (apiVersion v1) is not a sluice.dev/v1alpha1 StreamingApplication"},
			{"tiny", true, ""},
		}},
		{"right kind, wrong version", strings.Replace(minimal, "v1alpha1", "v1", 1), []result{
			{"document 1", false, "StreamingApplication/tiny (apiVersion sluice.dev/v1) is not a sluice.dev/v1alpha1 StreamingApplication"},
		}},
		{"no kind", "metadata: {name: x}\n", []result{
			{"document 1", false, "an object without apiVersion and kind, named x, is not a sluice.dev/v1alpha1 StreamingApplication"},
		}},
		{"not an object", "- a\n- b\n", []result{
			{"document 1", false, "malformed application: the document is a list, not an object"},
		}},
		{"not YAML, then a good one", "spec: [\n---\n" + minimal, []result{
			{"document 1", false, "malformed application: yaml: line 1: did not find expected node content"},
			{"tiny", true, ""},
		}},
		{"the same name twice", minimal + "---\n" + minimal, []result{
			{"tiny (document 1)", true, ""}, {"tiny (document 2)", true, ""},
		}},
		{"a JSON document", toJSON(minimal), []result{{"tiny", true, ""}}},
		{"a JSON stream", toJSON(minimal) + "\n" + toJSON(other) + toJSON(ns), []result{
			{"tiny", true, ""}, {"other", true, ""},
			{"document 3", false, "Namespace/sluice-system (apiVersion v1) is not a sluice.dev/v1alpha1 StreamingApplication"},
		}},
		{"nothing", "# only a comment\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := ParseAll([]byte(tc.stream))
			if err != nil {
				t.Fatal(err)
			}
			var got []result
			for _, d := range docs {
				r := result{Label: d.Label, App: d.App != nil}
				if d.Err != nil {
					r.Err = d.Err.Error()
				}
				got = append(got, r)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("documents mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ParseAll([]byte("{\"a\": 1}\n{\"b\": 2}\n{")); err == nil || !strings.Contains(err.Error(), "document 3") {
		t.Errorf("a JSON stream broken at its third value: error %v, want one naming document 3", err)
	}
}

// TestParseOneDocument: Parse reads exactly one application, not the first
// of several.
func TestParseOneDocument(t *testing.T) {
	for _, doc := range []string{minimal + "---\n" + minimal, "", "---\n# nothing\n"} {
		if app, err := Parse([]byte(doc)); app != nil || !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%.40q) = %v, %v; want no application and ErrMalformed", doc, app != nil, err)
		}
	}
	if _, err := Parse([]byte("---\n" + minimal + "---\n")); err != nil {
		t.Errorf("Parse of one document between separators: %v", err)
	}
}

// FuzzFromJSON: FromJSON's decoder (encoding/json's semantics on the JSON v2
// decoder) accepts what encoding/json accepts and decodes it alike.
func FuzzFromJSON(f *testing.F) {
	for _, doc := range []string{minimal, strings.Replace(minimal, "replicas: 2", "Replicas: 2\n    replicas: 3", 1)} {
		if js, err := yaml.YAMLToJSON([]byte(doc)); err == nil {
			f.Add(js)
		}
	}
	if b, err := os.ReadFile(filepath.Join("..", "manifests", "examples", "call-record-aggregator.yaml")); err == nil {
		if js, err := yaml.YAMLToJSON(b); err == nil {
			f.Add(js)
		}
	}
	f.Add([]byte(`{"spec":{"streamlets":[{"name":"a","config":{"x":1e400}}]}}`))
	f.Add([]byte(`{"spec":{"streamlets":[{"name":"a\ud800","replicas":2.0}]},"SPEC":{}}`))
	f.Add([]byte("{\"spec\":{\"streamlets\":[{\"name\":\"\xff\"}]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, std StreamingApplication
		fastErr, stdErr := jsonv1.Unmarshal(data, &fast), json.Unmarshal(data, &std)
		if (fastErr == nil) != (stdErr == nil) {
			t.Fatalf("JSON v2 decoder: %v, encoding/json: %v", fastErr, stdErr)
		}
		if fastErr == nil {
			if diff := cmp.Diff(std, fast, cmp.AllowUnexported(Scalar{})); diff != "" {
				t.Fatalf("decoded differently (-encoding/json +v2):\n%s", diff)
			}
		}
	})
}
