package hooks

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kjson "sigs.k8s.io/json"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/test/request"
)

// answerBoth answers body as the server does (readBody: the fast reader
// where it reads the body; the answer encoded as served writes it, typed
// children straight from their structs) and as a Request decoded by
// encoding/json (Sync and Finalize, then json.Marshal), and fails the test
// unless both give the same status code and, for a 200, the same JSON: the
// same values, the children's keys in their structs' order on the server.
func answerBoth(t *testing.T, body []byte) {
	t.Helper()
	for _, hook := range []struct {
		name   string
		fast   func(*reading, time.Time) (children.Result, error)
		legacy func(*Request, time.Time) (*Response, error)
	}{
		{"sync", syncReading, Sync},
		{"finalize", finalizeReading, Finalize},
	} {
		var fastBody, legacyBody []byte
		fastCode, legacyCode := 200, 200
		r, err := readBody(body)
		var s *served
		if err == nil {
			s, err = serve(hook.fast)(r, now)
		}
		if err == nil {
			fastBody, err = s.encode(nil)
		}
		if err != nil {
			fastCode = statusCode(err)
		}
		req := &Request{}
		err = unmarshalRequest(body, req)
		var resp *Response
		if err == nil {
			resp, err = hook.legacy(req, now)
		}
		if err == nil {
			legacyBody, err = json.Marshal(resp)
		}
		if err != nil {
			legacyCode = statusCode(err)
		}
		if fastCode != legacyCode || !sameJSON(t, fastBody, legacyBody) {
			t.Fatalf("%s: the server answers HTTP %d %.300s, a decoded Request HTTP %d %.300s", hook.name, fastCode, fastBody, legacyCode, legacyBody)
		}
	}
}

// sameJSON reports whether two answers decode to the same values, as
// Metacontroller decodes them (sigs.k8s.io/json: integers int64, so 1e3 and
// 1000 differ); both empty (no answer) counts as the same.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var va, vb any
	if err := kjson.UnmarshalCaseSensitivePreserveInts(a, &va); err != nil {
		t.Fatalf("answer does not decode: %v: %.300s", err, a)
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(b, &vb); err != nil {
		t.Fatalf("answer does not decode: %v: %.300s", err, b)
	}
	if diff := cmp.Diff(vb, va); diff != "" {
		t.Logf("server answer (+) against the decoded Request's (-):\n%s", diff)
		return false
	}
	return true
}

// readSamples are request bodies of every shape the tests know: the
// generated ones, the captured Metacontroller requests, the cluster
// scenarios' requests, and malformed and unusual ones.
func readSamples(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, bc := range benchCases[:2] {
		out = append(out, runningRequest(t, bc.parent(t)))
	}
	out = append(out, parentEdits(t, runningRequest(t, example(t, cra)))...)
	out = append(out, capturedRequests(t)...)
	c := newCluster(t, example(t, cra), allComponents()...)
	out = append(out, requestJSON(t, c.request())) // nothing observed yet
	c.sync()
	out = append(out, requestJSON(t, c.request()))
	broken := c.request()
	_ = unstructured.SetNestedField(broken.Parent.Object, "x", "spec", "streamlets")
	out = append(out, requestJSON(t, broken)) // frozen
	out = append(out, unusual(requestJSON(t, broken))...)
	out = append(out, childEdits(t, requestJSON(t, broken))...)
	out = append(out, childEdits(t, requestJSON(t, c.request()))...)
	retained := newCluster(t, edit(t, example(t, cra), removeInvalidOutlet), allComponents()...)
	retained.children = c.children
	out = append(out, requestJSON(t, retained.request()))
	out = append(out, unusual(requestJSON(t, c.request()))...)
	return out
}

// unusual are variants of a request that the fast reader leaves to
// encoding/json: the answer must not change.
func unusual(body []byte) [][]byte {
	s := string(body)
	la := `"metacontroller.k8s.io/last-applied-configuration":`
	return [][]byte{
		[]byte(strings.Replace(s, `"parent":`, `"Parent":`, 1)),
		[]byte(strings.Replace(s, `"children":`, `"extra":{"a":[1,2]},"children":`, 1)),
		[]byte(strings.Replace(s, `"generation":1`, `"generation":1.0`, 1)),
		[]byte(strings.Replace(s, `"replicas":4`, `"replicas":4e0`, 1)),
		[]byte(strings.Replace(s, `"kind":"StreamingApplication",`, `"kind":"StreamingApplication","apiVersion":"sluice.dev/v1alpha1",`, 1)),
		[]byte(strings.Replace(s, la, la+`"{}",`+la, 1)),
		// A child's annotations given twice, the second null: encoding/json
		// keeps the last, so the child has no last-applied annotation.
		[]byte(strings.Replace(s, `,"creationTimestamp":`, `,"annotations":null,"creationTimestamp":`, 1)),
		[]byte(strings.Replace(s, la, `"n":7,`+la, 1)),
		[]byte(strings.Replace(s, la, la+`7,"x":`, 1)),
		[]byte(strings.Replace(s, `"managedFields":[`, `"managedFields":[1e400,`, 1)),
		[]byte(strings.Replace(s, `"image":"`, `"image":"\ud800`, 1)),
		[]byte(strings.Replace(s, `"image":"`, "\"image\":\"\xff", 1)),
		[]byte(s + " {}"), []byte(s + " "), []byte(s[:len(s)/2]),
		[]byte(`{"parent":null,"children":{}}`), []byte(`{"children":null}`), []byte(`null`), []byte(`[]`), []byte(``),
		[]byte(`{"parent":{"apiVersion":"sluice.dev/v1alpha1","kind":"StreamingApplication","metadata":{"name":"a","uid":"u"}},"children":{}}`),
		[]byte(`{"parent":{"apiVersion":"a/b/c","kind":"StreamingApplication","metadata":{"name":"a","uid":"u"}},"children":{}}`),
		[]byte(`{"parent":{"apiVersion":"sluice.dev/v1alpha1","kind":"StreamingApplication","metadata":{"name":"a","uid":"u"}},"children":{"ConfigMap.v1":{"ns/x":null}}}`),
		[]byte(`{"parent":{"apiVersion":"sluice.dev/v1alpha1","kind":"StreamingApplication","metadata":{"name":"a","uid":"u"}},"children":{"ConfigMap.v1":null},"finalizing":"yes"}`),
	}
}

// capturedRequests are the requests the real Metacontroller sent
// (testdata/metacontroller).
func capturedRequests(t *testing.T) [][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/metacontroller/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captured requests: %v", err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// parentEdits are variants of a request whose parent's metadata graph is
// not given (unresolvedMetadata) has the wrong types: both readers leave it out,
// and a good spec stays good.
func parentEdits(t *testing.T, body []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for _, e := range []func(meta map[string]any){
		func(meta map[string]any) { entry(meta)["time"] = "yesterday" },
		func(meta map[string]any) { entry(meta)["TIME"] = "2026-01-01T00:00:00Z" },
		func(meta map[string]any) { entry(meta)["Manager"] = 5 },
		func(meta map[string]any) { entry(meta)["fieldsV1"] = 5 },
		func(meta map[string]any) { meta["managedFields"] = map[string]any{} },
		func(meta map[string]any) { meta["managedFields"] = nil },
		func(meta map[string]any) { meta["managedFields"] = []any{nil, "x"} },
		func(meta map[string]any) { meta["annotations"].(map[string]any)["n"] = 1 },
		func(meta map[string]any) { meta["annotations"].(map[string]any)["n"] = nil },
		func(meta map[string]any) { meta["annotations"] = nil },
		func(meta map[string]any) { meta["annotations"] = "x" },
		func(meta map[string]any) { meta["labels"] = map[string]any{"a": 1} },
	} {
		var req map[string]any
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatal(err)
		}
		e(req["parent"].(map[string]any)["metadata"].(map[string]any))
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// childEdits are variants of a request whose children the fast reader reads
// lean (children.ObservedFields): a Deployment, a ConfigMap and a KafkaTopic
// without their last-applied annotation (answered whole when frozen), fields
// no reader reads given the wrong types, and a KafkaTopic the topic rules
// read (more partitions than the spec asks, another topic name).
func childEdits(t *testing.T, body []byte) [][]byte {
	t.Helper()
	const topicKey = children.KafkaTopicKind + ".kafka.strimzi.io/v1"
	var out [][]byte
	for _, e := range []struct {
		key  string
		edit func(child map[string]any)
	}{
		{"Deployment.apps/v1", func(u map[string]any) {
			delete(u["metadata"].(map[string]any)["annotations"].(map[string]any), children.AnnotationLastApplied)
		}},
		{"Deployment.apps/v1", func(u map[string]any) { u["spec"].(map[string]any)["template"] = "x" }},
		{"Deployment.apps/v1", func(u map[string]any) { u["spec"].(map[string]any)["replicas"] = "x" }},
		{"Deployment.apps/v1", func(u map[string]any) { u["spec"] = 5 }},
		{"ConfigMap.v1", func(u map[string]any) { u["data"] = 5 }},
		{topicKey, func(u map[string]any) {
			delete(u["metadata"].(map[string]any)["annotations"].(map[string]any), children.AnnotationLastApplied)
		}},
		{topicKey, func(u map[string]any) { u["spec"].(map[string]any)["partitions"] = 1000 }},
		{topicKey, func(u map[string]any) { u["spec"].(map[string]any)["config"] = "x" }},
		{topicKey, func(u map[string]any) { u["spec"].(map[string]any)["topicName"] = "elsewhere" }},
		{topicKey, func(u map[string]any) { // held under another name (held.go)
			meta := u["metadata"].(map[string]any)
			meta["name"] = "held-" + meta["name"].(string)
			delete(meta["annotations"].(map[string]any), children.AnnotationLastApplied)
		}},
		{"ConfigMap.v1", func(u map[string]any) {
			delete(u["metadata"].(map[string]any)["annotations"].(map[string]any), children.AnnotationLastApplied)
		}},
	} {
		var req map[string]any
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatal(err)
		}
		byName, _ := req["children"].(map[string]any)[e.key].(map[string]any)
		if len(byName) == 0 {
			t.Fatalf("request has no %s to edit", e.key)
		}
		for _, key := range slices.Sorted(maps.Keys(byName)) {
			child := byName[key].(map[string]any)
			e.edit(child)
			meta := child["metadata"].(map[string]any)
			delete(byName, key) // under its name, which the edit may change
			byName[meta["namespace"].(string)+"/"+meta["name"].(string)] = child
			break
		}
		b, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func entry(meta map[string]any) map[string]any {
	return meta["managedFields"].([]any)[0].(map[string]any)
}

// TestReadBodyAnswersAsRequest: the server's reader gives every request the
// answer (or the refusal) that a Request decoded by encoding/json gets.
func TestReadBodyAnswersAsRequest(t *testing.T) {
	for _, body := range readSamples(t) {
		answerBoth(t, body)
	}
}

// TestReadWireReadsMetacontrollerRequests: requests as Metacontroller
// sends them take the fast way (else the benchmarks measure the slow one).
func TestReadWireReadsMetacontrollerRequests(t *testing.T) {
	bodies := append([][]byte{runningRequest(t, example(t, cra)), runningRequest(t, string(request.Application(10)))}, capturedRequests(t)...)
	for i, body := range bodies {
		w, err := readWire(body)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		lastApplied := 0
		for _, un := range w.unread {
			if un.LastApplied != nil {
				lastApplied++
			}
		}
		if lastApplied == 0 {
			t.Errorf("request %d: no last-applied annotation kept aside", i)
		}
		for _, byName := range w.children {
			for _, u := range byName {
				if u.GetManagedFields() != nil || u.GetAnnotations()["metacontroller.k8s.io/last-applied-configuration"] != "" {
					t.Errorf("request %d: %s %s read with its managedFields or last-applied annotation", i, u.GetKind(), u.GetName())
				}
				_, template, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "template")
				_, data, _ := unstructured.NestedFieldNoCopy(u.Object, "data")
				if template || data {
					t.Errorf("request %d: %s %s read with the fields no reader reads (spec.template, data)", i, u.GetKind(), u.GetName())
				}
				if _, whole := children.ObservedFields(u.GetKind()); !whole && w.unread[u].Object == nil {
					t.Errorf("request %d: %s %s read lean, but not kept whole", i, u.GetKind(), u.GetName())
				}
			}
		}
	}
}

// FuzzReadBody: whatever the body, the server's reader answers as a
// Request decoded by encoding/json does.
func FuzzReadBody(f *testing.F) {
	c := newCluster(f, fuzzSeedParent, "spark")
	c.sync()
	seed := requestJSON(f, c.request())
	f.Add(seed)
	for _, b := range unusual(seed) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		answerBoth(t, body)
	})
}

// TestParentMetadataNotResolved: graph is given the parent without the
// metadata it does not read (its annotations, kubectl's last-applied spec
// among them, and managedFields), by either reader, and a good spec with
// wrong types there (which the API server never writes) stays good.
func TestParentMetadataNotResolved(t *testing.T) {
	for _, body := range parentEdits(t, runningRequest(t, example(t, cra))) {
		fast, err := readBody(body)
		if err != nil {
			t.Fatal(err)
		}
		req := &Request{}
		if err := unmarshalRequest(body, req); err != nil {
			t.Fatal(err)
		}
		slow, err := readRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*reading{fast, slow} {
			js, err := r.parentJSON()
			if err != nil {
				t.Fatal(err)
			}
			var parent struct{ Metadata map[string]any }
			if err := json.Unmarshal(js, &parent); err != nil {
				t.Fatal(err)
			}
			for f := range unresolvedMetadata {
				if _, ok := parent.Metadata[f]; ok {
					t.Errorf("graph is given the parent's metadata.%s", f)
				}
			}
			if res, err := syncReading(r, now); err != nil || res.Status.Phase != graph.PhaseRunning {
				t.Errorf("phase %s, want Running: %v %q", res.Status.Phase, err, res.Status.Problems)
			}
		}
	}
}
