package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join("manifests", "examples", "call-record-aggregator.yaml")
	data, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, bytes.Replace(data, []byte("to: [cdr-validator.in]"), []byte("to: [cdr-validatr.in]"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	misspelt := filepath.Join(dir, "misspelt.yaml")
	if err := os.WriteFile(misspelt, bytes.Replace(data, []byte("replicas: 4"), []byte("replcas: 4"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	misspeltAndBroken := filepath.Join(dir, "misspelt-and-broken.yaml")
	if err := os.WriteFile(misspeltAndBroken, bytes.Replace(data, []byte("to: [cdr-validator.in]"), []byte("too: [cdr-validator.in]"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		// out holds substrings of stdout.
		out []string
	}{
		{"no command", nil, 2, nil},
		{"unknown command", []string{"deploy"}, 2, nil},
		{"validate valid", []string{"validate", seed}, 0, []string{seed + ": valid"}},
		{"validate broken", []string{"validate", seed, broken}, 1, []string{
			broken + `: spec.connections[merge.out -> cdr-validatr.in]: "cdr-validatr.in": no streamlet "cdr-validatr"`,
			broken + ": spec.streamlets[cdr-validator].inlets[in]:",
		}},
		{"validate misspelt", []string{"validate", misspelt}, 1, []string{`unknown field "spec.streamlets[3].replcas"`}},
		{"validate reports a misspelt field and what it breaks", []string{"validate", misspeltAndBroken}, 1, []string{
			`unknown field "spec.connections[`, misspeltAndBroken + ": spec.streamlets[cdr-validator].inlets[in]:",
		}},
		{"render yaml", []string{"render", seed}, 0, []string{"# status:", "---\napiVersion: kafka.strimzi.io/v1\n"}},
		{"render json", []string{"render", "-o", "json", seed}, 0, []string{`"children": [`}},
		{"render broken prints the answer", []string{"render", broken}, 1, []string{"reason: Invalid"}},
		{"render bad format", []string{"render", "-o", "xml", seed}, 1, nil},
		{"render at a given time", []string{"render", "--time", "2026-01-02T03:04:05Z", seed}, 0, []string{"lastTransitionTime: \"2026-01-02T03:04:05Z\""}},
		{"render at a bad time", []string{"render", "--time", "yesterday", seed}, 1, nil},
		{"render under another controller", []string{"render", "--controller", filepath.Join("manifests", "base", "compositecontroller.yaml"), seed}, 1, []string{"needs a SparkApplication"}},
		{"graph", []string{"graph", seed}, 0, []string{`"merge" -> "cdr-validator"`}},
		{"graph broken", []string{"graph", broken}, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			for _, want := range tc.out {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%.2000s", want, stdout.String())
				}
			}
		})
	}
}

// TestReadmeExample keeps the README's complete example valid.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no ```yaml block")
	}
	file := filepath.Join(t.TempDir(), "readme.yaml")
	if err := os.WriteFile(file, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", file}, &stdout, &stderr); code != 0 {
		t.Errorf("the README's example is invalid:\n%s%s", stdout.String(), stderr.String())
	}
}
