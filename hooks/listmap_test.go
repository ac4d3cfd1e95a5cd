package hooks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/manifests"
)

// listRule is what the CRD says of one list of the status: its path
// (fields, with "[]" for "every item of"), its x-kubernetes-list-type and,
// for a map, its keys.
type listRule struct {
	path []string
	typ  string
	keys []string
}

// statusListRules reads every list of the status schema with a list type
// of map or set from the CRD file itself, so that a list added later is
// checked without a change here.
var statusListRules = sync.OnceValues(func() ([]listRule, error) {
	_, raw, err := manifests.CRDSchema()
	if err != nil {
		return nil, err
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		return nil, err
	}
	props, _ := schema["properties"].(map[string]any)
	status, ok := props["status"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("CRD has no status schema")
	}
	var rules []listRule
	var walk func(path []string, schema map[string]any)
	walk = func(path []string, schema map[string]any) {
		if typ, _ := schema["x-kubernetes-list-type"].(string); typ == "map" || typ == "set" {
			r := listRule{path: slices.Clone(path), typ: typ}
			keys, _ := schema["x-kubernetes-list-map-keys"].([]any)
			for _, k := range keys {
				r.keys = append(r.keys, fmt.Sprint(k))
			}
			rules = append(rules, r)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			walk(append(path, "[]"), items)
		}
		fields, _ := schema["properties"].(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if sub, ok := fields[name].(map[string]any); ok {
				walk(append(path, name), sub)
			}
		}
	}
	walk(nil, status)
	return rules, nil
})

// listKeyProblems reports every duplicate key of a list-map or set of the
// status, which the API server refuses (the whole status write fails).
func listKeyProblems(st *graph.Status) ([]string, error) {
	rules, err := statusListRules()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	var problems []string
	for _, r := range rules {
		for _, list := range listsAt(doc, r.path, "status") {
			seen := map[string]bool{}
			for _, item := range list.items {
				key := itemKey(item, r)
				if seen[key] {
					problems = append(problems, fmt.Sprintf("%s: duplicate %s %s", list.path, r.typ, key))
				}
				seen[key] = true
			}
		}
	}
	return problems, nil
}

type foundList struct {
	path  string
	items []any
}

// listsAt returns every list at path in doc (several under a "[]").
func listsAt(doc any, path []string, at string) []foundList {
	if len(path) == 0 {
		items, _ := doc.([]any)
		return []foundList{{at, items}}
	}
	if path[0] == "[]" {
		var out []foundList
		items, _ := doc.([]any)
		for i, item := range items {
			out = append(out, listsAt(item, path[1:], fmt.Sprintf("%s[%d]", at, i))...)
		}
		return out
	}
	m, _ := doc.(map[string]any)
	sub, ok := m[path[0]]
	if !ok {
		return nil
	}
	return listsAt(sub, path[1:], at+"."+path[0])
}

// itemKey is an item's identity in its list: its map keys, or itself.
func itemKey(item any, r listRule) string {
	if r.typ == "set" {
		b, _ := json.Marshal(item)
		return string(b)
	}
	m, _ := item.(map[string]any)
	parts := make([]string, len(r.keys))
	for i, k := range r.keys {
		b, _ := json.Marshal(m[k])
		parts[i] = k + "=" + string(b)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// checkListKeys fails the test when an answer's status has a duplicate key
// in one of the CRD's list-maps or sets. Every answer the tests' cluster
// applies, and every finalize answer, goes through it.
func checkListKeys(t testing.TB, resp *Response) {
	t.Helper()
	if resp == nil || resp.Status == nil {
		return
	}
	problems, err := listKeyProblems(resp.Status)
	if err != nil {
		t.Fatalf("read the CRD's status lists: %v", err)
	}
	if len(problems) > 0 {
		t.Fatalf("the API server would refuse this status:\n%s", strings.Join(problems, "\n"))
	}
}

// TestStatusListRulesFromCRD: the rules come from the CRD and cover the
// lists known today; a check that finds no list could never fail.
func TestStatusListRulesFromCRD(t *testing.T) {
	rules, err := statusListRules()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		got = append(got, strings.Join(r.path, ".")+" "+r.typ+" "+strings.Join(r.keys, ","))
	}
	for _, want := range []string{
		"conditions map type", "streamlets map name", "topics map name",
		"endpoints map streamlet", "defaultedParameters map streamlet,key",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("rule %q not read from the CRD; read %q", want, got)
		}
	}
}

// TestListKeyProblemsFindsDuplicates: the checker sees a duplicate in a
// list-map with one key and with two.
func TestListKeyProblemsFindsDuplicates(t *testing.T) {
	st := &graph.Status{
		Topics: []graph.TopicStatus{{Name: "a"}, {Name: "a", Ready: true}},
		DefaultedParameters: []graph.DefaultedParameter{
			{Streamlet: "s", Key: "k", Value: "1"}, {Streamlet: "s", Key: "k", Value: "2"}, {Streamlet: "t", Key: "k"},
		},
	}
	got, err := listKeyProblems(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.Contains(got[0]+got[1], `status.topics: duplicate map {name="a"}`) ||
		!strings.Contains(got[0]+got[1], `status.defaultedParameters: duplicate map {streamlet="s",key="k"}`) {
		t.Errorf("problems = %q, want the duplicate topic and the duplicate parameter", got)
	}
}
