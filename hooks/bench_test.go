package hooks

import (
	"encoding/json"
	"testing"
)

// The benchmarks report the hook's cost for the reference application with
// every child observed. BenchmarkJSONRoundTrip is the baseline measured in
// the same run: decoding the request and encoding an answer of the same size,
// which any hook pays; compare Sync's ns/op with it as a ratio, not in
// absolute time (these machines are shared and noisy).

// benchRequest is the reference application's request once every child is
// observed, its parent changed by edits.
func benchRequest(b *testing.B, edits ...func(*Request)) []byte {
	b.Helper()
	c := newCluster(b, example(b, cra), allComponents()...)
	c.sync()
	c.sync()
	req := c.request()
	for _, e := range edits {
		e(req)
	}
	return requestJSON(b, req)
}

func BenchmarkJSONRoundTrip(b *testing.B) {
	body := benchRequest(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req Request
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(req.Children); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSync(b *testing.B) {
	benchSync(b, benchRequest(b))
}

func BenchmarkSyncFrozen(b *testing.B) {
	benchSync(b, benchRequest(b, func(req *Request) {
		req.Parent.Object["spec"].(map[string]any)["streamlets"] = "broken"
	}))
}

// benchSync decodes, syncs and encodes body, as the server does.
func benchSync(b *testing.B, body []byte) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req Request
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
		resp, err := Sync(&req, now)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
}
