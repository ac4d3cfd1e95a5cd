package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiffExitCodes: sluice diff exits 0 when no child changes, 1 when one
// does, 2 on error (as kubectl diff), and prints the preview on stdout.
func TestDiffExitCodes(t *testing.T) {
	ref := filepath.Join("manifests", "examples", "call-record-aggregator.yaml")
	b, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scaled := write(t, dir, "scaled.yaml", strings.Replace(string(b), "replicas: 4", "replicas: 5", 1))
	invalid := write(t, dir, "invalid.yaml", strings.Replace(string(b), "replicas: 4", "replicas: two", 1))
	other := write(t, dir, "other.yaml", tiny)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // in stdout
		stderr string // in stderr
	}{
		{"unchanged", []string{"diff", ref, ref}, 0, "no child changes", ""},
		{"scaled", []string{"diff", ref, scaled}, 1, "~ Deployment call-record-aggregator-merge\n    spec.replicas: 4 → 5\n", ""},
		{"json", []string{"diff", "-o", "json", ref, scaled}, 1, `"action": "change"`, ""},
		{"invalid NEW", []string{"diff", ref, invalid}, 2, "", "sluice: NEW: call-record-aggregator: spec.streamlets[merge].replicas: "},
		{"another application", []string{"diff", ref, other}, 2, "", "a diff compares two versions of one application"},
		{"missing file", []string{"diff", ref, filepath.Join(dir, "none.yaml")}, 2, "", "no such file"},
		{"one argument", []string{"diff", ref}, 2, "", "want OLD and NEW, got 1 arguments"},
		{"help", []string{"diff", "--help"}, 0, "usage: sluice diff", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, strings.NewReader(""), &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%.3000s", tc.stdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr.String())
			}
		})
	}
}

// TestNoClientCode: the hook binary holds no Kubernetes client code (and so
// no credentials handling): only the kubectl plugin links client-go and
// cli-runtime.
func TestNoClientCode(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the binary's dependencies: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps .: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/client-go", "k8s.io/cli-runtime"} {
			if pkg == banned || strings.HasPrefix(pkg, banned+"/") {
				t.Errorf("the sluice binary depends on %s", pkg)
			}
		}
	}
}
