package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-dev/sluice/test/golden"
)

var reference = filepath.Join("..", "..", "manifests", "examples", "call-record-aggregator.yaml")

// TestOfflineGolden runs what needs no cluster: help, usage errors (exit 2),
// deploy's offline validation (exit 1, every problem) and its client dry
// run (the defaults and the [Done] line), graph -f in both formats.
func TestOfflineGolden(t *testing.T) {
	dir := t.TempDir()
	ref, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(ref), "replicas: 4", "replicas: four", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "conf")
	if err := os.WriteFile(conf, []byte("# rates\ncdr-generator2.records-per-second = 70\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		golden string // testdata/<golden>.golden holds stdout and stderr
	}{
		{"help", []string{"--help"}, 0, "help"},
		{"deploy help", []string{"deploy", "--help"}, 0, "deploy-help"},
		{"no file", []string{"deploy"}, 2, "deploy-no-file"},
		{"unknown flag", []string{"deploy", reference, "--bogus"}, 2, "deploy-unknown-flag"},
		{"bad conf", []string{"deploy", reference, "--conf", "records=1"}, 2, "deploy-bad-conf"},
		{"invalid", []string{"deploy", bad, "--conf", "cdr-generator1.records-per-second=fast", "--dry-run=client"}, 1, "deploy-invalid"},
		{"dry run", []string{"deploy", reference, "--conf", "cdr-generator1.records-per-second=100", "--conf-file", conf, "--dry-run"}, 0, "deploy-dry-run"},
		{"graph dot", []string{"graph", "-f", reference}, 0, "graph-dot"},
		{"graph mermaid", []string{"graph", "-f", reference, "--format", "mermaid"}, 0, "graph-mermaid"},
		{"graph status offline", []string{"graph", "-f", reference, "--status"}, 2, "graph-status-offline"},
		{"graph two", []string{"graph", "app", "-f", reference}, 2, "graph-two"},
		{"scale bad n", []string{"scale", "app", "merge", "-1"}, 2, "scale-bad-n"},
		{"configure nothing", []string{"configure", "app"}, 2, "configure-nothing"},
		{"diff format", []string{"diff", reference, "-o", "yaml"}, 2, "diff-format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(""), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			got := strings.ReplaceAll(stdout.String()+"--- stderr\n"+stderr.String(), dir, "DIR")
			golden.Check(t, filepath.Join("testdata", tc.golden+".golden"), []byte(got))
		})
	}
}
