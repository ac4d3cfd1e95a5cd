package hooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
)

// captured reads a request that the real Metacontroller v4.17.2 sent
// (testdata/metacontroller, see its README).
func captured(t *testing.T, name string) *Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "metacontroller", name))
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{}
	if err := unmarshalRequest(b, req); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return req
}

// asSluiceParent replaces a captured request's test parent with a
// StreamingApplication of the same identity, status and deletion state.
func asSluiceParent(t *testing.T, req *Request, parentYAML string) {
	t.Helper()
	u, err := decodeObject([]byte(parentYAML))
	if err != nil {
		t.Fatal(err)
	}
	old := req.Parent
	u.SetNamespace(old.GetNamespace())
	u.SetUID(old.GetUID())
	u.SetGeneration(old.GetGeneration())
	u.SetFinalizers(old.GetFinalizers())
	u.SetDeletionTimestamp(old.GetDeletionTimestamp())
	req.Parent = u
}

// lastAppliedOf decodes every captured child's last-applied annotation,
// independently of children's lastApplied.
func lastAppliedOf(t *testing.T, req *Request) []*unstructured.Unstructured {
	t.Helper()
	var out []*children.Child
	for _, byName := range req.Children {
		for _, child := range byName {
			var obj map[string]any
			if err := json.Unmarshal([]byte(child.GetAnnotations()[children.AnnotationLastApplied]), &obj); err != nil {
				t.Fatalf("%s: last-applied: %v", child.GetName(), err)
			}
			u := &unstructured.Unstructured{Object: obj}
			b, _ := u.MarshalJSON()
			_ = u.UnmarshalJSON(b) // int64 numbers, as the codec decodes them
			out = append(out, children.MapChild(u))
		}
	}
	children.SortChildren(out)
	return children.Objects(out)
}

func TestCapturedRequestShape(t *testing.T) {
	req := captured(t, "sync-request.json")
	obs, err := observe(req)
	if err != nil {
		t.Fatal(err)
	}
	want := children.Kinds{"ConfigMap": "v1", "KafkaTopic": "kafka.strimzi.io/v1"}
	if diff := cmp.Diff(want, obs.kinds); diff != "" {
		t.Errorf("kinds mismatch (-want +got):\n%s", diff)
	}
	if got := obs.observed.Count(); got != 5 {
		t.Errorf("observed %d children, want 5", got)
	}
	if req.Finalizing || req.Controller.GetKind() != "CompositeController" {
		t.Errorf("finalizing %v, controller kind %q", req.Finalizing, req.Controller.GetKind())
	}
}

// TestCapturedForeignParent: the captured parent is a test kind; Sluice
// refuses it with an error rather than answering for it.
func TestCapturedForeignParent(t *testing.T) {
	for _, name := range []string{"sync-request.json", "finalize-request.json"} {
		req := captured(t, name)
		if _, err := Sync(req, now); statusCode(err) != 422 {
			t.Errorf("%s: Sync error %v (HTTP %d), want 422", name, err, statusCode(err))
		}
	}
}

// TestCapturedFrozenAnswer: with an invalid spec the answer is exactly each
// captured child's last-applied, under its key's apiVersion.
func TestCapturedFrozenAnswer(t *testing.T) {
	req := captured(t, "sync-request.json")
	asSluiceParent(t, req, edit(t, example(t, cra), func(spec map[string]any) { spec["streamlets"] = []any{} }))
	resp, err := Sync(req, now)
	checkListKeys(t, resp)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lastAppliedOf(t, req), []*unstructured.Unstructured(resp.Children)); diff != "" {
		t.Errorf("frozen answer mismatch (-last-applied +answer):\n%s", diff)
	}
	if status, _, _ := condition(t, resp.Status, graph.ConditionBlueprintValid); status != "False" {
		t.Errorf("BlueprintValid = %s, want False", status)
	}
}

// TestCapturedRetainedTopics: a valid spec that does not make the captured
// topics still answers them (Retain), as last applied; the captured
// ConfigMaps, not topics, are left out.
func TestCapturedRetainedTopics(t *testing.T) {
	req := captured(t, "sync-request.json")
	asSluiceParent(t, req, example(t, cra))
	resp, err := Sync(req, now)
	checkListKeys(t, resp)
	if err != nil {
		t.Fatal(err)
	}
	var kept []*unstructured.Unstructured
	for _, c := range resp.Children {
		if slices.Contains([]string{"s110-topic-0", "s110-topic-1"}, c.GetName()) {
			kept = append(kept, c)
		}
		if c.GetKind() == "ConfigMap" && c.GetLabels()[children.LabelApp] == "" {
			t.Errorf("foreign ConfigMap %s answered", c.GetName())
		}
	}
	var want []*unstructured.Unstructured
	for _, u := range lastAppliedOf(t, req) {
		if u.GetKind() == children.KafkaTopicKind {
			want = append(want, u)
		}
	}
	if diff := cmp.Diff(want, kept); diff != "" {
		t.Errorf("retained topics mismatch (-want +got):\n%s", diff)
	}
	retained := 0
	for _, ts := range resp.Status.Topics {
		if ts.Retained {
			retained++
		}
	}
	if retained != 2 {
		t.Errorf("%d topics retained in status, want 2", retained)
	}
}

// TestCapturedFinalize: the captured finalize request, for a Sluice parent,
// marks both topics and keeps every child until they carry the mark.
func TestCapturedFinalize(t *testing.T) {
	req := captured(t, "finalize-request.json")
	if !req.Finalizing || req.Parent.GetDeletionTimestamp() == nil {
		t.Fatal("captured finalize request is not finalizing")
	}
	asSluiceParent(t, req, example(t, cra))
	resp, err := Finalize(req, now)
	checkListKeys(t, resp)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Finalized {
		t.Error("finalized before the topics are marked")
	}
	obs, _ := observe(req)
	if got, want := len(resp.Children), obs.observed.Count(); got != want {
		t.Errorf("answered %d children, want all %d observed", got, want)
	}
	for _, c := range resp.Children {
		if c.GetKind() == children.KafkaTopicKind && c.GetAnnotations()[children.AnnotationStrimziManaged] != "false" {
			t.Errorf("topic %s not marked unmanaged", c.GetName())
		}
	}
}
