package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var (
	pluginOnce sync.Once
	pluginBin  string
	pluginErr  error
)

// Plugin builds kubectl-sluice from the repository root once per run and returns
// the binary's path.
func (c *Cluster) Plugin(t *testing.T) string {
	t.Helper()
	pluginOnce.Do(func() {
		dir, err := os.MkdirTemp(c.Dir, "plugin-")
		if err != nil {
			pluginErr = err
			return
		}
		bin := filepath.Join(dir, "kubectl-sluice")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/kubectl-sluice")
		cmd.Dir = c.Repo
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginErr = fmt.Errorf("go build -o %s ./cmd/kubectl-sluice (in %s): %w\n%s", bin, c.Repo, err, out)
			return
		}
		pluginBin = bin
	})
	if pluginErr != nil {
		t.Fatal(pluginErr)
	}
	return pluginBin
}

// PluginRun is one run of the plugin.
type PluginRun struct {
	Args           []string // the arguments, without the --kubeconfig SluiceIn adds
	Stdout, Stderr string
	Code           int // the exit code
}

// String describes the run for failure messages: command, exit code and output.
func (r PluginRun) String() string {
	return fmt.Sprintf("kubectl sluice %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// SluiceIn runs the plugin with the harness's kubeconfig (unless args name
// another), stdin as its standard input.
func (c *Cluster) SluiceIn(t *testing.T, stdin string, args ...string) PluginRun {
	t.Helper()
	full := args
	if !slices.Contains(args, "--kubeconfig") {
		full = append([]string{"--kubeconfig", c.Kubeconfig}, args...)
	}
	cmd := exec.CommandContext(Ctx(t), c.Plugin(t), full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := PluginRun{Args: args, Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("kubectl sluice %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("$ kubectl sluice %s  (exit %d)\n%s%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	return r
}

// SluicePlugin runs the plugin as SluiceIn does, with nothing on its standard input.
func (c *Cluster) SluicePlugin(t *testing.T, args ...string) PluginRun {
	t.Helper()
	return c.SluiceIn(t, "", args...)
}

// Expect fails the test unless the run exited with code and printed every want on
// stdout or stderr.
func Expect(t *testing.T, r PluginRun, code int, want ...string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("want exit %d; %s", code, r)
	}
	out := r.Stdout + r.Stderr
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the output lacks %q; %s", w, r)
		}
	}
}
