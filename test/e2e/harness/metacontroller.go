package harness

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// This file runs the REAL Metacontroller (v4.17.2, the binary in
// <shared>/metacontroller/bin) against the test API server. Every scenario that
// drives a StreamingApplication goes through it, and waits for it with WaitSettled
// or WaitGone (settle.go). The stand-in of standin.go only builds the hook request
// from what the API server holds (to compute the answer Metacontroller must have
// applied) and serves the self-tests of faults the real Metacontroller cannot be
// made to produce.

// metacontrollerVersion is the release of the binary the harness runs.
const metacontrollerVersion = "v4.17.2"

// metacontrollerBinary returns where the real Metacontroller binary is expected:
// <shared>/metacontroller/bin/metacontroller.
func metacontrollerBinary(shared string) string {
	return filepath.Join(shared, "metacontroller", "bin", "metacontroller")
}

// checkMetacontrollerBinary fails with a message naming the file the harness
// needs and where it comes from.
func checkMetacontrollerBinary(shared string) error {
	bin := metacontrollerBinary(shared)
	info, err := os.Stat(bin)
	if err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("%s is not an executable file", bin)
	}
	return fmt.Errorf("the end-to-end tests run the real Metacontroller %s and need its binary at %s: "+
		"a static linux/amd64 build of github.com/metacontroller/metacontroller at its release commit "+
		"(CGO_ENABLED=0 go build ./pkg/cmd/metacontroller), kept in the shared folder beside crds/ "+
		"(its README.md, %s, says how it was built); set %s to the folder holding metacontroller/bin/metacontroller: %w",
		metacontrollerVersion, bin, filepath.Join(shared, "metacontroller", "README.md"), envShared, err)
}

// finalizerName is the finalizer Metacontroller puts on every parent of the
// CompositeController name when it has a finalize hook.
func finalizerName(controller string) string {
	return "metacontroller.io/compositecontroller-" + controller
}

// metacontrollerProcess is the running Metacontroller.
type metacontrollerProcess struct {
	proc        *process
	controllers []string // the CompositeControllers it started, by name
}

// sluiceControllers returns the CompositeControllers whose parent resource is
// StreamingApplications.
func (c *Cluster) sluiceControllers() ([]*unstructured.Unstructured, error) {
	list, err := c.API.Dyn.Resource(compositeControllersGVR).List(context.Background(), ListAll)
	if err != nil {
		return nil, fmt.Errorf("list CompositeControllers: %w", err)
	}
	var out []*unstructured.Unstructured
	for i := range list.Items {
		cc := &list.Items[i]
		apiVersion, _, _ := unstructured.NestedString(cc.Object, "spec", "parentResource", "apiVersion")
		res, _, _ := unstructured.NestedString(cc.Object, "spec", "parentResource", "resource")
		if apiVersion == SappGVR.GroupVersion().String() && res == SappGVR.Resource {
			out = append(out, cc)
		}
	}
	return out, nil
}

// pointHooksAtSluice rewrites the scheme and host of every hook URL of the installed
// CompositeController to the `sluice serve` on loopback, keeping each path: the
// manifests name the in-cluster Service, which does not exist out of cluster.
func (c *Cluster) pointHooksAtSluice() ([]string, error) {
	controllers, err := c.sluiceControllers()
	if err != nil {
		return nil, err
	}
	if len(controllers) != 1 {
		return nil, fmt.Errorf("want exactly one CompositeController for %s, found %d", SappGVR, len(controllers))
	}
	base, err := url.Parse(c.sluiceURL)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, cc := range controllers {
		hooks, _, _ := unstructured.NestedMap(cc.Object, "spec", "hooks")
		for _, name := range SortedKeys(hooks) {
			raw, _, _ := unstructured.NestedString(hooks, name, "webhook", "url")
			u, err := url.Parse(raw)
			if err != nil || u.Path == "" {
				return nil, fmt.Errorf("CompositeController %s: spec.hooks.%s.webhook.url %q has no path (%v)", cc.GetName(), name, raw, err)
			}
			u.Scheme, u.Host = base.Scheme, base.Host
			if err := unstructured.SetNestedField(cc.Object, u.String(), "spec", "hooks", name, "webhook", "url"); err != nil {
				return nil, err
			}
		}
		if _, err := c.API.Dyn.Resource(compositeControllersGVR).Update(context.Background(), cc, StrictUpdate); err != nil {
			return nil, fmt.Errorf("point the hooks of CompositeController %s at %s: %w", cc.GetName(), c.sluiceURL, err)
		}
		names = append(names, cc.GetName())
	}
	return names, nil
}

// startMetacontroller points the hooks at `sluice serve` and runs the real
// Metacontroller out of cluster with the flags of <shared>/metacontroller/README.md,
// then waits until it is ready and has started every CompositeController of
// StreamingApplications: a parent created before that would wait for the next
// discovery refresh.
func (c *Cluster) startMetacontroller(bin string, metricsPort, healthPort int, r *reaper) error {
	start := time.Now()
	names, err := c.pointHooksAtSluice()
	if err != nil {
		return err
	}
	health := fmt.Sprintf("127.0.0.1:%d", healthPort)
	p, err := startProcess(c.Dir, "metacontroller", bin,
		"-kubeconfig", c.Kubeconfig,
		"-client-go-qps", "100", "-client-go-burst", "200",
		"-discovery-interval", "5s",
		"-metrics-address", fmt.Sprintf("127.0.0.1:%d", metricsPort),
		"-health-probe-bind-address", health,
		"-zap-encoder", "console", "-zap-log-level", "4",
	)
	if err != nil {
		return err
	}
	r.track(p)
	c.mc = &metacontrollerProcess{proc: p, controllers: names}
	if err := waitHTTP(p, "http://"+health+"/readyz", "", 60*time.Second); err != nil {
		return fmt.Errorf("metacontroller: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, name := range names {
		for !c.mc.started(name) {
			if done, err := p.exited(); done {
				return fmt.Errorf("metacontroller exited (%v) before it started CompositeController %s; log tail:\n%s", err, name, p.tail())
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("metacontroller logged no %q for %s within 60s; log tail:\n%s", "Starting CompositeController", name, p.tail())
			}
			time.Sleep(100 * time.Millisecond) // polling its log
		}
	}
	logf("metacontroller %s ready, CompositeController %s started, in %s", metacontrollerVersion, strings.Join(names, ", "), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// started reports whether the log holds the line `Starting CompositeController`
// for the controller name: zap's console encoder writes it as
// `…	INFO	composite.NAME	Starting CompositeController	{"controller": {…, "name": "NAME"}}`.
func (m *metacontrollerProcess) started(name string) bool {
	for _, line := range m.logLines() {
		if strings.Contains(line, "	Starting CompositeController	") && strings.Contains(line, `"name": "`+name+`"`) {
			return true
		}
	}
	return false
}

// logLines returns the lines of Metacontroller's log so far.
func (m *metacontrollerProcess) logLines() []string {
	f, err := os.Open(m.proc.log)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024) // a line can hold a whole object
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// errorLines returns the lines of Metacontroller's log at error level that mention
// namespace (every test has a namespace of its own): zap's console encoder writes
// the level as a tab-separated "ERROR", client-go's klog lines start with "E" and
// the date.
func (m *metacontrollerProcess) errorLines(namespace string) []string {
	var out []string
	for _, line := range m.logLines() {
		if !strings.Contains(line, namespace) {
			continue
		}
		if strings.Contains(line, "\tERROR\t") || klogError(line) {
			out = append(out, line)
		}
	}
	return out
}

// klogError reports whether line is a klog line at error level ("E1201 23:37:00.000000 …").
func klogError(line string) bool {
	return len(line) > 5 && line[0] == 'E' && strings.IndexFunc(line[1:5], func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// abbreviated joins lines for a failure message, each shortened.
func abbreviated(lines []string) string {
	const max = 2000
	out := make([]string, len(lines))
	for i, line := range lines {
		if len(line) > max {
			line = line[:max] + "…"
		}
		out[i] = line
	}
	return strings.Join(out, "\n  ")
}

// NeedMetacontroller fails the test when the real Metacontroller is not running.
func (c *Cluster) NeedMetacontroller(t *testing.T) {
	t.Helper()
	c.NeedManifests(t)
	c.NeedSluice(t)
	if c.mcErr != nil {
		t.Fatalf("the real Metacontroller is not running: %v", c.mcErr)
	}
	if done, err := c.mc.proc.exited(); done {
		t.Fatalf("the real Metacontroller exited (%v); log tail:\n%s", err, c.mc.proc.tail())
	}
}

// MetacontrollerErrors returns the lines of the real Metacontroller's log at error
// level that mention namespace (see errorLines).
func (c *Cluster) MetacontrollerErrors(namespace string) []string {
	return c.mc.errorLines(namespace)
}
