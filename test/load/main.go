// Command load drives a running `sluice serve` with sync requests shaped
// like Metacontroller's (test/request: every child observed with its
// last-applied annotation, managedFields, owner reference and status), and
// measures, each beside a baseline taken in the same run (absolute numbers
// on shared machines mean little):
//
//   - 1 client: /sync latency (p50, p99), beside /healthz's;
//   - N clients (-c): /sync throughput, beside /healthz's, and beside what
//     the in-process handler predicts for the cores the server has
//     (GOMAXPROCS of this process: run it on the same machine) and for the
//     cores it used (its CPU time over the phase, with -pid: the clients
//     run on the same cores);
//   - with -largest and -pid: two of the largest requests at once, and the
//     server's peak RSS (VmHWM) after each phase.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/hooks"
	"github.com/sluice-dev/sluice/manifests"
	"github.com/sluice-dev/sluice/test/request"
)

func main() {
	addr := flag.String("addr", "http://127.0.0.1:8080", "hook server")
	example := flag.String("example", "manifests/examples/call-record-aggregator.yaml", "parent to sync, or gen:N for a generated application of N streamlets")
	largest := flag.String("largest", "", "a request body file to send twice at once (the largest application's)")
	pid := flag.Int("pid", 0, "the server's process id, for its peak RSS")
	duration := flag.Duration("duration", 10*time.Second, "duration of each phase")
	workers := flag.Int("c", 4, "concurrent clients of the throughput phase")
	flag.Parse()
	if err := run(*addr, *example, *largest, *pid, *duration, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(addr, example, largest string, pid int, d time.Duration, workers int) error {
	body, err := syncRequest(example)
	if err != nil {
		return err
	}
	fmt.Printf("request: %s, %d bytes; %s per phase; GOMAXPROCS %d\n", example, len(body), d, runtime.GOMAXPROCS(0))
	inProcess, cpuPerSync, err := inProcessSync(body, d)
	if err != nil {
		return err
	}
	fmt.Printf("in-process handler: %s per sync on one core, %s of CPU per sync (the garbage collector's included)\n",
		inProcess.Round(time.Microsecond), cpuPerSync.Round(time.Microsecond))
	scan, err := median(body, d/4, request.Scan)
	if err != nil {
		return err
	}
	generic, err := median(body, d/4, request.Generic)
	if err != nil {
		return err
	}
	fmt.Printf("floors in process, same bytes: scan %s, generic round trip %s; the in-process handler is %.2f of generic, %.1fx scan\n",
		scan.Round(time.Microsecond), generic.Round(time.Microsecond), ratio(inProcess, generic), ratio(inProcess, scan))

	failed := false
	phase := func(name, path, method string, body []byte, clients int) *result {
		r := load(addr+path, method, body, clients, d)
		r.print(fmt.Sprintf("%s, %d client(s)", name, clients))
		failed = failed || r.errors > 0
		return r
	}
	base1 := phase("GET /healthz", "/healthz", http.MethodGet, nil, 1)
	sync1 := phase("POST /sync", "/sync", http.MethodPost, body, 1)
	fmt.Printf("1 client: /sync p50 %.1fx /healthz's, p99 %.1fx; p50 %.2f of the generic round trip, %.1fx the scan floor\n",
		ratio(sync1.pct(50), base1.pct(50)), ratio(sync1.pct(99), base1.pct(99)), ratio(sync1.pct(50), generic), ratio(sync1.pct(50), scan))
	baseN := phase("GET /healthz", "/healthz", http.MethodGet, nil, workers)
	cpu0 := cpuTime(pid)
	syncN := phase("POST /sync", "/sync", http.MethodPost, body, workers)
	cores := min(workers, runtime.GOMAXPROCS(0))
	predicted := float64(cores) / inProcess.Seconds()
	fmt.Printf("%d clients: /sync throughput %.3f of /healthz's; %.0f syncs/s is %.0f%% of the %.0f syncs/s the in-process handler predicts for %d cores\n",
		workers, syncN.rate()/baseN.rate(), syncN.rate(), 100*syncN.rate()/predicted, predicted, cores)
	if used := (cpuTime(pid) - cpu0).Seconds() / syncN.took.Seconds(); pid > 0 && used > 0 {
		forUsed := used / cpuPerSync.Seconds()
		fmt.Printf("%d clients: the server used %.2f cores (the clients the rest); %.0f syncs/s is %.0f%% of the %.0f syncs/s the in-process handler's CPU per sync predicts for them\n",
			workers, used, syncN.rate(), 100*syncN.rate()/forUsed, forUsed)
	}
	if pid > 0 {
		printRSS(pid, "after the /sync phases")
	}
	if largest != "" {
		big, err := os.ReadFile(largest)
		if err != nil {
			return err
		}
		r := twoAtOnce(addr+"/sync", big, 3)
		fmt.Printf("largest request (%d bytes, %.1f MiB), two at once, 3 times: p50 %s, max %s, errors %d\n",
			len(big), float64(len(big))/(1<<20), r.pct(50).Round(time.Millisecond), r.pct(100).Round(time.Millisecond), r.errors)
		failed = failed || r.errors > 0
		if pid > 0 {
			printRSS(pid, "after two of the largest at once")
		}
	}
	if failed {
		return fmt.Errorf("some requests failed")
	}
	return nil
}

// syncRequest is the request Metacontroller sends once every child of the
// example (a file, or gen:N) exists and runs, under the CompositeController
// that `sluice render` uses.
func syncRequest(example string) ([]byte, error) {
	var parentData []byte
	if n, ok := strings.CutPrefix(example, "gen:"); ok {
		var streamlets int
		if _, err := fmt.Sscan(n, &streamlets); err != nil {
			return nil, fmt.Errorf("-example %s: %w", example, err)
		}
		parentData = request.Application(streamlets)
	} else {
		var err error
		if parentData, err = os.ReadFile(example); err != nil {
			return nil, err
		}
	}
	ctrl, err := manifests.Controller(manifests.DefaultComponents()...)
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
	if parent.GetNamespace() == "" {
		parent.SetNamespace("default")
	}
	parent.SetUID(hooks.RenderUID)
	parent.SetGeneration(1)
	req, err := hooks.EmptyRequest(&controller, parent.DeepCopy())
	if err != nil {
		return nil, err
	}
	resp, err := hooks.Sync(req, time.Now())
	if err != nil {
		return nil, err
	}
	answered := make([]map[string]any, len(resp.Children))
	for i, u := range resp.Children {
		answered[i] = u.Object
	}
	return request.Sync(request.Answer{
		Controller: controller.Object, Parent: parent.Object, Keys: slices.Sorted(maps.Keys(req.Children)),
		Children: answered, Status: resp.Status,
	})
}

func decode(data []byte, u *unstructured.Unstructured) error {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return err
	}
	return u.UnmarshalJSON(js)
}

// inProcessSync is the time the hook's handler takes for one sync of body,
// in this process, one at a time (what one core does), and the CPU time one
// sync costs this process, the garbage collector's on the other cores
// included.
func inProcessSync(body []byte, d time.Duration) (median, cpu time.Duration, err error) {
	cfg := hooks.DefaultConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	h := hooks.NewHandler(cfg)
	var runs []time.Duration
	deadline := time.Now().Add(d / 2)
	cpu0 := cpuTime(os.Getpid())
	for len(runs) < 5 || time.Now().Before(deadline) {
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/sync", bytes.NewReader(body)))
		runs = append(runs, time.Since(t0))
		if rec.Code != http.StatusOK {
			return 0, 0, fmt.Errorf("in-process sync: HTTP %d: %s", rec.Code, rec.Body)
		}
		var resp struct{ Children []json.RawMessage }
		if len(runs) == 1 && (json.Unmarshal(rec.Body.Bytes(), &resp) != nil || len(resp.Children) == 0) {
			return 0, 0, fmt.Errorf("in-process sync: no children in %.200s", rec.Body)
		}
	}
	cpu = (cpuTime(os.Getpid()) - cpu0) / time.Duration(len(runs))
	slices.Sort(runs)
	return runs[len(runs)/2], cpu, nil
}

// median is the median time of floor on body, run for d (5 runs at least).
func median(body []byte, d time.Duration, floor func([]byte) error) (time.Duration, error) {
	var runs []time.Duration
	for deadline := time.Now().Add(d); len(runs) < 5 || time.Now().Before(deadline); {
		t0 := time.Now()
		if err := floor(body); err != nil {
			return 0, err
		}
		runs = append(runs, time.Since(t0))
	}
	slices.Sort(runs)
	return runs[len(runs)/2], nil
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

// cpuTime is the CPU time (user and system) a process has used so far, from
// /proc/<pid>/stat; 0 when it cannot be read.
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command, which is in parentheses and may hold
	// spaces: utime and stime are the 12th and 13th, in clock ticks
	// (USER_HZ, 100 on Linux).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 13 {
		return 0
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / 100)
}

// printRSS prints the process's peak resident set (VmHWM) and its current
// one (VmRSS).
func printRSS(pid int, when string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fmt.Printf("peak RSS %s: unknown (%v)\n", when, err)
		return
	}
	var fields []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") || strings.HasPrefix(line, "VmRSS:") {
			fields = append(fields, strings.Join(strings.Fields(line), " "))
		}
	}
	fmt.Printf("server memory %s: %s (the hook's limit is 2Gi)\n", when, strings.Join(fields, ", "))
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
	fmt.Printf("%-28s %8.0f req/s  p50 %-10s p99 %-10s errors %d\n", name, r.rate(),
		r.pct(50).Round(time.Microsecond), r.pct(99).Round(time.Microsecond), r.errors)
}

// load sends requests from workers clients for d.
func load(url, method string, body []byte, workers int, d time.Duration) *result {
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
				if !send(client, method, url, body) {
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

// twoAtOnce sends body from two clients at once, rounds times.
func twoAtOnce(url string, body []byte, rounds int) *result {
	var res result
	var mu sync.Mutex
	client := &http.Client{Timeout: time.Minute}
	start := time.Now()
	for range rounds {
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				t0 := time.Now()
				ok := send(client, http.MethodPost, url, body)
				mu.Lock()
				defer mu.Unlock()
				if !ok {
					res.errors++
					return
				}
				res.latencies = append(res.latencies, time.Since(t0))
			})
		}
		wg.Wait()
	}
	res.took = time.Since(start)
	slices.Sort(res.latencies)
	return &res
}

func send(client *http.Client, method, url string, body []byte) bool {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
