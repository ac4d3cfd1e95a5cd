package harness

import (
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// Environment variables the harness reads.
const (
	// envShared overrides the folder holding crds/ and metacontroller/bin/ (default
	// <repo>/../shared).
	envShared = "SLUICE_SHARED"
	// envSkip, when set, skips every test with its value as the reason instead of
	// starting a cluster; without it a missing prerequisite fails the run.
	envSkip = "SLUICE_E2E_SKIP_REASON"
	// envKeep, when set, keeps the temporary directory (logs, kubeconfig) after the run.
	envKeep = "SLUICE_E2E_KEEP"
)

var (
	env        *Cluster
	skipReason string
)

// Main sets up the cluster, runs the tests and tears everything down; TestMain of
// package e2e returns its result: os.Exit(harness.Main(m)). It must run in
// test/e2e (the working directory of `go test`): the repository root is ../.. and
// build-binaries.sh is there. With SLUICE_E2E_SKIP_REASON set it starts nothing and
// every Setup skips its test. Teardown also happens on SIGINT/SIGTERM (the signal
// handler) and when the test binary dies from a panic (the reaper process, see
// startReaper).
func Main(m *testing.M) int {
	if r := os.Getenv(envSkip); r != "" {
		skipReason = r
		return m.Run()
	}
	c, teardown, err := start()
	defer teardown()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\ne2e: FAIL: cannot start the test cluster: %v\n"+
			"e2e: set %s=<reason> to skip the end-to-end tests deliberately.\n", err, envSkip)
		return 1
	}
	env = c
	return m.Run()
}

// Setup returns the shared cluster Main started, or skips the test when the run was
// told to skip (SLUICE_E2E_SKIP_REASON). Its first call opens the inputs of the run
// (see openInputs).
func Setup(t *testing.T) *Cluster {
	t.Helper()
	if skipReason != "" {
		t.Skipf("%s is set: %s", envSkip, skipReason)
	}
	if env == nil {
		t.Fatal("e2e: the cluster is not running (TestMain did not start it)")
	}
	inputsOnce.Do(env.openInputs)
	return env
}

var inputsOnce sync.Once

// openInputs opens every file of the repository, of shared/crds and of
// shared/metacontroller once, inside the test run. The results depend on files that only subprocesses read (the product
// sources built into sluice, the manifests read by kubectl); files a test opens are
// part of the Go test cache key, so a cached result is reused only while none of
// these files changed.
func (c *Cluster) openInputs() {
	for _, root := range []string{c.Repo, filepath.Join(c.shared, "crds"), filepath.Join(c.shared, "metacontroller")} {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				if f, err := os.Open(path); err == nil {
					f.Close()
				}
			}
			return nil
		})
	}
}

// start brings the cluster up. The returned teardown is always non-nil and safe to
// call more than once.
func start() (*Cluster, func(), error) {
	dir, err := os.MkdirTemp("", "sluice-e2e-")
	if err != nil {
		return nil, func() {}, err
	}
	reaper, err := startReaper(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, func() {}, err
	}
	var once sync.Once
	teardown := func() { once.Do(func() { stopAndClean(dir, reaper) }) }
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "\ne2e: %v: tearing the cluster down\n", s)
		teardown()
		os.Exit(130)
	}()

	c, err := bringUp(dir, reaper)
	if err != nil {
		return nil, teardown, err
	}
	return c, teardown, nil
}

// stopAndClean stops every process and removes the temporary directory (kept when
// SLUICE_E2E_KEEP is set).
func stopAndClean(dir string, r *reaper) {
	stopAll()
	if os.Getenv(envKeep) != "" {
		fmt.Fprintf(os.Stderr, "e2e: %s set, keeping %s\n", envKeep, dir)
		r.keep()
		return
	}
	r.finish()
}
