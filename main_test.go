package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		{"validate valid", []string{"validate", seed}, 0, []string{seed + ": call-record-aggregator: valid"}},
		{"validate broken", []string{"validate", seed, broken}, 1, []string{
			broken + `: call-record-aggregator: spec.connections[merge.out -> cdr-validatr.in]: "cdr-validatr.in": no streamlet "cdr-validatr"`,
			broken + ": call-record-aggregator: spec.streamlets[cdr-validator].inlets[in]:",
		}},
		{"validate misspelt", []string{"validate", misspelt}, 1, []string{`spec.streamlets[merge].replcas: unknown field`}},
		{"validate reports a misspelt field and what it breaks", []string{"validate", misspeltAndBroken}, 1, []string{
			`spec.connections[merge.out].too: unknown field`, misspeltAndBroken + ": call-record-aggregator: spec.streamlets[cdr-validator].inlets[in]:",
		}},
		{"validate a missing file", []string{"validate", filepath.Join(dir, "none.yaml"), seed}, 1, []string{seed + ": call-record-aggregator: valid"}},
		{"validate without a file", []string{"validate"}, 2, nil},
		{"render yaml", []string{"render", seed}, 0, []string{"# status:", "---\napiVersion: kafka.strimzi.io/v1\n"}},
		{"render json", []string{"render", "-o", "json", seed}, 0, []string{`"children": [`}},
		{"render with the flag after the file", []string{"render", seed, "-o", "json"}, 0, []string{`"children": [`}},
		{"render broken prints the answer", []string{"render", broken}, 1, []string{"reason: Invalid"}},
		{"render misspelt prints nothing", []string{"render", misspelt}, 1, nil},
		{"render bad format", []string{"render", "-o", "xml", seed}, 2, nil},
		{"render two files", []string{"render", seed, seed}, 2, nil},
		{"render at a given time", []string{"render", "--time", "2026-01-02T03:04:05Z", seed}, 0, []string{"lastTransitionTime: \"2026-01-02T03:04:05Z\""}},
		{"render at a bad time", []string{"render", "--time", "yesterday", seed}, 2, nil},
		{"render under another controller", []string{"render", "--controller", filepath.Join("manifests", "base", "compositecontroller.yaml"), seed}, 1, []string{"needs a SparkApplication"}},
		{"graph", []string{"graph", seed}, 0, []string{`"merge" -> "cdr-validator"`}},
		{"graph broken", []string{"graph", broken}, 1, nil},
		{"graph as mermaid", []string{"graph", "--format", "mermaid", seed}, 0, []string{"flowchart LR", `-->|"call-record-aggregator.merge.out → in"|`}},
		{"graph in an unknown format", []string{"graph", "--format", "svg", seed}, 2, nil},
		{"a bad flag", []string{"validate", "--strict", seed}, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, strings.NewReader(""), &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if tc.code == 0 && stderr.Len() > 0 {
				t.Errorf("stderr is not empty:\n%s", stderr.String())
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
	if code := run([]string{"validate", file}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Errorf("the README's example is invalid:\n%s%s", stdout.String(), stderr.String())
	}
}

// tiny is a small valid application; named gives it another name.
const tiny = `apiVersion: sluice.dev/v1alpha1
kind: StreamingApplication
metadata: {name: tiny, namespace: demo}
spec:
  image: example.com/tiny:1
  kafka: {cluster: k, bootstrapServers: "k:9092"}
  streamlets:
  - name: src
    runtime: akka
    replicas: 2
    outlets: [{name: out, schema: {format: json, name: Tick}}]
`

func named(name string) string { return strings.Replace(tiny, "name: tiny", "name: "+name, 1) }

// write writes a file under dir and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestValidateEveryDocument: validate reads every document of a YAML or JSON
// stream and reports each application by name; another kind is refused.
func TestValidateEveryDocument(t *testing.T) {
	dir := t.TempDir()
	brokenRuntime := strings.Replace(named("second"), "runtime: akka", "runtime: akk", 1)
	mistyped := strings.Replace(brokenRuntime, "replicas: 2", `replicas: "two"`, 1)
	ns, err := os.ReadFile(filepath.Join("manifests", "base", "namespace.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, content string
		code          int
		want          []string // stdout lines, the file's path written F
	}{
		{"the second of two is broken", tiny + "---\n" + brokenRuntime, 1, []string{
			"F: tiny: valid",
			`F: second: spec.streamlets[src].runtime: "akk" is not akka, spark or flink`,
		}},
		{"both valid, empty documents skipped", "---\n" + tiny + "---\n# nothing\n---\n" + named("second") + "---\n", 0, []string{
			"F: tiny: valid", "F: second: valid",
		}},
		{"a type error beside every other problem", tiny + "---\n" + mistyped, 1, []string{
			"F: tiny: valid",
			`F: second: spec.streamlets[src].replicas: must be an integer, not the string "two"`,
			`F: second: spec.streamlets[src].runtime: "akk" is not akka, spark or flink`,
		}},
		{"another kind is refused by name", string(ns) + "---\n" + tiny, 1, []string{
			"F: document 1: Namespace/sluice-system (apiVersion v1) is not a sluice.dev/v1alpha1 StreamingApplication",
			"F: tiny: valid",
		}},
		{"a JSON stream", `{"apiVersion": "sluice.dev/v1alpha1", "kind": "StreamingApplication", "metadata": {"name": "j"}, "spec": {}}` +
			`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}`, 1, []string{
			"F: j: spec.kafka.bootstrapServers: missing: streamlets need the Kafka bootstrap servers",
			"F: j: spec.kafka.cluster: missing: the Strimzi Kafka cluster that holds the topics",
			"F: j: spec.streamlets: missing: an application has at least one streamlet",
			"F: document 2: ConfigMap/c (apiVersion v1) is not a sluice.dev/v1alpha1 StreamingApplication",
		}},
		{"no document", "# nothing\n---\n", 1, []string{"F: no StreamingApplication"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := write(t, dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml", tc.content)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"validate", file}, strings.NewReader(""), &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			got := strings.Split(strings.TrimSuffix(strings.ReplaceAll(stdout.String(), file, "F"), "\n"), "\n")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("validate output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHelp: help is asked for, not a mistake: usage on stdout, exit 0, for
// the binary and every subcommand; nothing is opened or served.
func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string // in stdout
	}{
		{[]string{"--help"}, "sluice validate"},
		{[]string{"-h"}, "sluice validate"},
		{[]string{"help"}, "sluice validate"},
		{[]string{"help", "render"}, "--controller"},
		{[]string{"serve", "--help"}, "--addr"},
		{[]string{"serve", "-h"}, "--addr"},
		{[]string{"render", "--help"}, "--controller"},
		{[]string{"render", "-h"}, "--controller"},
		{[]string{"validate", "--help"}, "usage: sluice validate"},
		{[]string{"validate", "-h"}, "usage: sluice validate"},
		{[]string{"graph", "--help"}, "usage: sluice graph"},
		{[]string{"graph", "-h"}, "usage: sluice graph"},
		{[]string{"version", "--help"}, "usage: sluice version"},
		{[]string{"version", "-h"}, "usage: sluice version"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("stdout lacks %q:\n%s", tc.want, stdout.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr is not empty:\n%s", stderr.String())
			}
		})
	}
}

// TestRenderControllerFromStream: --controller picks the CompositeController
// out of a multi-document file, or says there is none.
func TestRenderControllerFromStream(t *testing.T) {
	dir := t.TempDir()
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("manifests", "base", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	app := write(t, dir, "app.yaml", tiny)
	both := write(t, dir, "install.yaml", read("namespace.yaml")+"---\n"+read("compositecontroller.yaml"))
	none := write(t, dir, "namespace.yaml", read("namespace.yaml"))

	var stdout, stderr bytes.Buffer
	if code := run([]string{"render", "--controller", both, app}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Errorf("render under %s: exit %d, want 0; stderr:\n%s", both, code, stderr.String())
	}
	if want := "kind: Deployment"; !strings.Contains(stdout.String(), want) {
		t.Errorf("render under %s: stdout lacks %q:\n%.2000s", both, want, stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"render", "--controller", none, app}, strings.NewReader(""), &stdout, &stderr); code != 1 {
		t.Errorf("render under %s: exit %d, want 1", none, code)
	}
	want := "sluice: --controller " + none + ": no CompositeController (metacontroller.k8s.io/v1alpha1) among its 1 document: Namespace/sluice-system\n"
	if diff := cmp.Diff(want, stderr.String()); diff != "" {
		t.Errorf("stderr mismatch (-want +got):\n%s", diff)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout is not empty:\n%.2000s", stdout.String())
	}
}

// TestStandardInput: "-" reads standard input, once.
func TestStandardInput(t *testing.T) {
	two := tiny + "---\n" + named("second")
	tests := []struct {
		name  string
		args  []string
		code  int
		want  string // in stdout
		stdin string
	}{
		{"validate", []string{"validate", "-"}, 0, "stdin: tiny: valid\nstdin: second: valid\n", two},
		{"render", []string{"render", "-o", "json", "-"}, 0, `"name": "tiny-src"`, tiny},
		{"render a stream", []string{"render", "-"}, 0, "# StreamingApplication second\n", two},
		{"render under a controller from stdin", []string{"render", "--controller", "-", filepath.Join("manifests", "examples", "call-record-aggregator.yaml")}, 1, "needs a SparkApplication", ""},
		{"graph", []string{"graph", "-"}, 0, `digraph "tiny"`, tiny},
		{"twice", []string{"validate", "-", "-"}, 2, "", two},
	}
	ctrl, err := os.ReadFile(filepath.Join("manifests", "base", "compositecontroller.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stdin == "" {
				tc.stdin = string(ctrl)
			}
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr); code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.want) {
				t.Errorf("stdout lacks %q:\n%.2000s", tc.want, stdout.String())
			}
		})
	}
}

// TestVersion: the stamped version, else what the go command recorded, else
// "devel".
func TestVersion(t *testing.T) {
	vcs := func(settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
		for i := 0; i < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	tests := []struct {
		name, stamped string
		info          *debug.BuildInfo
		want          string
	}{
		{"stamped", "v0.3.0-2-gabc1234-dirty", vcs("vcs.revision", "abc1234"), "v0.3.0-2-gabc1234-dirty"},
		{"vcs revision", "", vcs("vcs.revision", "abc1234", "vcs.modified", "false"), "abc1234"},
		{"modified tree", "", vcs("vcs.revision", "abc1234", "vcs.modified", "true"), "abc1234-dirty"},
		{"go install at a version", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}}, "v0.3.0"},
		{"nothing recorded", "", vcs(), "devel"},
		{"no build info", "", nil, "devel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, versionOf(tc.stamped, tc.info, tc.info != nil)); diff != "" {
				t.Errorf("version mismatch (-want +got):\n%s", diff)
			}
		})
	}
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{{"version"}, {"--version"}} {
		stdout.Reset()
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "sluice ") {
			t.Errorf("%v: exit %d, stdout %q; want 0 and \"sluice VERSION\"", args, code, stdout.String())
		}
	}
}
