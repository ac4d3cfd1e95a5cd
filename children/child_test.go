package children

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	kjson "sigs.k8s.io/json"

	"github.com/sluice-dev/sluice/children/tree"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/request"
)

// TestTypedEncodingIsTheMaps holds the answer's two forms of a built child
// to each other: encoded straight from its struct (AppendJSON), it decodes
// to the map Object makes (ToUnstructured: what render, diff and the rules
// read). Every kind Sluice builds appears.
func TestTypedEncodingIsTheMaps(t *testing.T) {
	apps := map[string]func() *graph.Blueprint{
		"streamlets=10": func() *graph.Blueprint {
			bp, problems := graph.ResolveJSON(request.Application(10))
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			return bp
		},
	}
	for _, name := range []string{"call-record-aggregator", "clickstream-sessions", "fraud-scoring"} {
		apps[name] = func() *graph.Blueprint { return blueprint(t, name) }
	}
	apps["fraud-scoring, managed users, autoscaled"] = func() *graph.Blueprint {
		return blueprint(t, "fraud-scoring", withManagedUsers, withAutoscaling("enrich", graph.Autoscaling{MaxReplicas: 3}))
	}
	apps["clickstream-sessions, autoscaled"] = func() *graph.Blueprint {
		return blueprint(t, "clickstream-sessions", withAutoscaling("bot-filter", graph.Autoscaling{MaxReplicas: 3}))
	}
	// Topic config as users write it and the readers may pass it on: numbers
	// in any JSON form, a string with invalid UTF-8.
	apps["call-record-aggregator, topic config"] = func() *graph.Blueprint {
		config := map[string]graph.Scalar{}
		for key, raw := range map[string]string{"a": "1e3", "b": "1.0", "c": "-0", "d": "2.5E-3", "e": "\"caf\xe9\"", "f": "true", "g": "\"7200000\""} {
			var v graph.Scalar
			if err := v.UnmarshalJSON([]byte(raw)); err != nil {
				t.Fatal(err)
			}
			config[key] = v
		}
		return blueprint(t, "call-record-aggregator", func(a *graph.StreamingApplication) { a.Spec.Kafka.TopicDefaults.Config = config })
	}
	seen := map[string]bool{}
	for name, bp := range apps {
		typed, maps := desiredChildren(t, bp()), desiredChildren(t, bp())
		for i, c := range typed {
			seen[c.Kind()] = true
			js, err := AppendJSON(nil, []*Child{c})
			if err != nil {
				t.Fatalf("%s: %s %s: %v", name, c.Kind(), c.Name(), err)
			}
			if _, err := tree.Decode(js); err != nil { // strict: valid UTF-8
				t.Fatalf("%s: %s %s: %v: %s", name, c.Kind(), c.Name(), err, js)
			}
			want, err := tree.Append(nil, []any{maps[i].Object().Object})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(unstructuredValue(t, want), unstructuredValue(t, js)); diff != "" {
				t.Errorf("%s: %s %s encoded typed (+) against its map (-):\n%s", name, c.Kind(), c.Name(), diff)
			}
		}
	}
	for kind := range allKinds {
		if !seen[kind] {
			t.Errorf("no application here builds a %s: the test does not hold it", kind)
		}
	}
}

func desiredChildren(t *testing.T, bp *graph.Blueprint) []*Child {
	t.Helper()
	cs, problems, err := Desired(bp, allKinds)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Desired: %v %v", err, problems)
	}
	return cs
}

// unstructuredValue is js as unstructured.Unstructured decodes it, and
// Metacontroller with it (sigs.k8s.io/json: integers int64, other numbers
// float64): 1e3 and 1000 differ.
func unstructuredValue(t *testing.T, js []byte) any {
	t.Helper()
	var out any
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// normalized is v as encoding/json decodes its encoding: every number a
// float64, whichever decoder made it. appendPruned copies numbers as they
// are written; writing them is the encoder's part.
func normalized(t *testing.T, v any) any {
	t.Helper()
	js, err := tree.Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(js, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAppendPruned(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, `{}`},
		{`{"a":null,"b":1}`, `{"b":1}`},
		{`{"a":{},"b":{"c":{"d":null}},"c":""}`, `{"c":""}`},
		{`{"volumes":[{"name":"tmp","emptyDir":{}}]}`, `{"volumes":[{"name":"tmp","emptyDir":{}}]}`},
		{`{"l":[{},null,{"x":null},[]],"m":[]}`, `{"l":[{},null,{},[]],"m":[]}`},
		{`{"status":{"replicas":1},"spec":{"status":{"x":1},"replicas":0,"paused":false}}`, `{"spec":{"status":{"x":1},"replicas":0,"paused":false}}`},
		{`{"s":"{}","n":"null"}`, `{"s":"{}","n":"null"}`},
		{`{"x":[[{"a":null}],{"b":null}]}`, `{"x":[[{"a":null}],{}]}`},
	} {
		got, _, err := appendPruned(nil, tree.NewDecoder([]byte(tc.in)), true)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if string(got) != tc.want {
			t.Errorf("appendPruned(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzAppendPruned holds the streaming prune to prune of the decoded map,
// on any JSON object without duplicate names (the encoder writes none).
func FuzzAppendPruned(f *testing.F) {
	for _, s := range []string{`{"a":null,"b":{"c":{}},"emptyDir":{}}`, `{"status":1,"l":[{"a":null}]}`, `{"x":[1,2.5,"s",true]}`, `{"x":[[{"a":null}]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if jsontext.NewDecoder(bytes.NewReader(data)).SkipValue() != nil {
			return // not JSON, or duplicate names
		}
		want, err := tree.DecodeObject(data)
		if err != nil {
			return
		}
		delete(want, "status")
		prune(want)
		js, _, err := appendPruned(nil, tree.NewDecoder(data), true)
		if err != nil {
			t.Fatalf("appendPruned(%s): %v", data, err)
		}
		got, err := tree.Decode(js)
		if err != nil {
			t.Fatalf("appendPruned(%s) = %s, which does not decode: %v", data, js, err)
		}
		if diff := cmp.Diff(normalized(t, want), normalized(t, got)); diff != "" {
			t.Errorf("appendPruned(%s) = %s, not prune's map (-want +got):\n%s", data, js, diff)
		}
		// What prunable passes (compact JSON, as the encoder writes it) has
		// nothing to prune.
		var compact bytes.Buffer
		if json.Compact(&compact, data) == nil && !prunable(compact.Bytes()) {
			if pruned, _, _ := appendPruned(nil, tree.NewDecoder(compact.Bytes()), true); !bytes.Equal(pruned, compact.Bytes()) {
				t.Errorf("prunable(%s) = false, but it prunes to %s", compact.Bytes(), pruned)
			}
		}
	})
}

func TestPrunable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`{"a":1,"b":"x","c":[null,{}]}`, false},
		{`{"a":null}`, true},
		{`{"a":{"b":{}}}`, true},
		{`{"status":{"replicas":1}}`, true},
		{`{"a":"{} null"}`, false}, // in a string, but not after a colon
		{`{"a":"x:null"}`, true},   // in a string: a needless copy
	} {
		if got := prunable([]byte(tc.in)); got != tc.want {
			t.Errorf("prunable(%s) = %v, want %v", tc.in, got, tc.want)
		}
		// Where prunable says no, there is nothing to prune.
		if pruned, _, _ := appendPruned(nil, tree.NewDecoder([]byte(tc.in)), true); !prunable([]byte(tc.in)) && string(pruned) != tc.in {
			t.Errorf("prunable(%s) = false, but it prunes to %s", tc.in, pruned)
		}
	}
}
