// Command load drives a running `sluice serve` with sync requests for the
// reference application with every child observed, and with /healthz as the
// baseline measured in the same run. It prints throughput and latency
// percentiles for both and their ratio: absolute numbers on shared machines
// mean little.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/hooks"
	"github.com/sluice-dev/sluice/manifests"
)

func main() {
	addr := flag.String("addr", "http://127.0.0.1:8080", "hook server")
	example := flag.String("example", "manifests/examples/call-record-aggregator.yaml", "parent to sync")
	duration := flag.Duration("duration", 10*time.Second, "duration of each phase")
	workers := flag.Int("c", 4, "concurrent clients")
	flag.Parse()
	body, err := syncRequest(*example)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	base := run(*addr+"/healthz", http.MethodGet, nil, *workers, *duration)
	hook := run(*addr+"/sync", http.MethodPost, body, *workers, *duration)
	fmt.Printf("request body: %d bytes, %d clients, %s per phase\n", len(body), *workers, *duration)
	base.print("baseline GET /healthz")
	hook.print("POST /sync")
	fmt.Printf("ratio /sync to /healthz: throughput %.3f, p50 latency %.1fx, p99 latency %.1fx\n",
		hook.rate()/base.rate(), float64(hook.pct(50))/float64(base.pct(50)), float64(hook.pct(99))/float64(base.pct(99)))
	if hook.errors > 0 {
		os.Exit(1)
	}
}

// syncRequest is the request Metacontroller sends once every child of the
// example exists: each child with its last-applied annotation.
func syncRequest(example string) ([]byte, error) {
	parentData, err := os.ReadFile(example)
	if err != nil {
		return nil, err
	}
	ctrl, err := manifests.Controller(manifests.DefaultComponents()...)
	if err != nil {
		return nil, err
	}
	resp, err := hooks.Render(parentData, ctrl, time.Now())
	if err != nil {
		return nil, err
	}
	var parent, controller unstructured.Unstructured
	if err := decode(parentData, &parent); err != nil {
		return nil, err
	}
	if err := decode(ctrl, &controller); err != nil {
		return nil, err
	}
	parent.SetUID(hooks.RenderUID)
	empty, err := hooks.EmptyRequest(&controller, &parent)
	if err != nil {
		return nil, err
	}
	for _, child := range resp.Children {
		la, err := json.Marshal(child.Object)
		if err != nil {
			return nil, err
		}
		observed := child.DeepCopy()
		ann := observed.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[children.AnnotationLastApplied] = string(la)
		observed.SetAnnotations(ann)
		empty.Children[child.GetKind()+"."+child.GetAPIVersion()][child.GetNamespace()+"/"+child.GetName()] = observed
	}
	return json.Marshal(empty)
}

func decode(data []byte, u *unstructured.Unstructured) error {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	return u.UnmarshalJSON(js)
}

type result struct {
	took      time.Duration
	latencies []time.Duration
	errors    int
}

func (r *result) rate() float64 { return float64(len(r.latencies)) / r.took.Seconds() }

func (r *result) pct(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[(len(r.latencies)-1)*p/100]
}

func (r *result) print(name string) {
	fmt.Printf("%-22s %8.0f req/s  p50 %-10s p99 %-10s errors %d\n", name, r.rate(), r.pct(50), r.pct(99), r.errors)
}

// run sends requests from workers clients for d.
func run(url, method string, body []byte, workers int, d time.Duration) *result {
	var (
		mu  sync.Mutex
		res result
		wg  sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Go(func() {
			var lat []time.Duration
			errs := 0
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req, _ := http.NewRequest(method, url, bytes.NewReader(body))
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = time.Since(start)
	slices.Sort(res.latencies)
	return &res
}
