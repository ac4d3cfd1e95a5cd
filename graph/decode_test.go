package graph

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		{"misspelt field", strings.Replace(minimal, "replicas: 2", "replica: 2", 1), ErrUnknownField, `unknown field "spec.streamlets[0].replica"`},
		{"unknown top-level spec field", strings.Replace(minimal, "  image:", "  imge: x\n  image:", 1), ErrUnknownField, `unknown field "spec.imge"`},
		{"field name in the wrong case", strings.Replace(minimal, "replicas: 2", "Replicas: 2", 1), ErrUnknownField, `unknown field "spec.streamlets[0].Replicas"`},
		{"duplicate field", strings.Replace(minimal, "replicas: 2", "replicas: 2\n    replicas: 3", 1), ErrMalformed, "replicas"},
		{"wrong type", strings.Replace(minimal, "replicas: 2", "replicas: two", 1), ErrMalformed, "replicas"},
		{"config value is a map", strings.Replace(minimal, "{rate: 7}", "{rate: {x: 1}}", 1), ErrMalformed, "string, number or boolean"},
		{"wrong kind", strings.Replace(minimal, "kind: StreamingApplication", "kind: Application", 1), ErrMalformed, "Application"},
		{"not YAML", "spec: [", ErrMalformed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app, err := Parse([]byte(tc.doc))
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error %v, want %v containing %q", err, tc.err, tc.want)
			}
			// Unknown fields leave the rest of the application to validate.
			if wantApp := tc.err == ErrUnknownField; (app != nil) != wantApp {
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
	f.Fuzz(func(t *testing.T, doc []byte) {
		app, err := Parse(doc)
		if app == nil {
			return
		}
		problems := Validate(app) // also with unknown fields: validate reports both
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
	for _, s := range []string{`"x"`, `12`, `-1.5e3`, `true`, `null`, `{}`, `[1]`, `"\u00e9"`} {
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
	})
}
