package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

// envTranscript names a file to write TestPluginTranscript's transcript to.
const envTranscript = "SLUICE_PLUGIN_TRANSCRIPT"

// TestPluginTranscript runs the reference application through the plugin as a user
// would, in namespace demo (the example's own): deploy, status, status once its
// operators report it running (here the test writes their statuses), scale, diff of
// an edit, undeploy. Each step's exit code is checked; the transcript (commands and
// output, without --kubeconfig) is logged, and written to $SLUICE_PLUGIN_TRANSCRIPT
// when set: the README's "Command line" section shows it.
func TestPluginTranscript(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	const ns = "demo"
	nsObj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
	if _, err := c.API.CreateStrict(harness.Ctx(t), nsObj); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ref, err := os.ReadFile(filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(ref, &obj); err != nil {
		t.Fatal(err)
	}
	harness.RemoveGenerator2(t, obj["spec"].(map[string]any))
	edited, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{harness.RefApp + ".yaml": ref, harness.RefApp + "-v2.yaml": edited} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var transcript bytes.Buffer
	step := func(code int, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(harness.Ctx(t), c.Plugin(t), append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		got := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			got = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&transcript, "$ kubectl sluice %s\n%s", strings.Join(args, " "), out.String())
		if got != 0 {
			fmt.Fprintf(&transcript, "(exit %d)\n", got)
		}
		transcript.WriteString("\n")
		if got != code {
			t.Fatalf("kubectl sluice %s: exit %d, want %d:\n%s", strings.Join(args, " "), got, code, out.String())
		}
		return out.String()
	}

	step(0, "deploy", harness.RefApp+".yaml")
	live := c.WaitSettled(t, c.LiveApp(t, ns))
	step(1, "status", harness.RefApp, "-n", ns)
	c.ReportWorkloads(t, live)
	harness.Poll(t, time.Minute, "the application to be Ready", func() (bool, string) {
		st, _, _ := unstructured.NestedString(c.LiveApp(t, ns).Object, "status", "phase")
		return st == "Running", st
	})
	c.WaitSettled(t, c.LiveApp(t, ns))
	transcript.WriteString("# (the Spark operator, Kubernetes and Strimzi report the workloads and topics ready)\n\n")
	step(0, "status", harness.RefApp, "-n", ns)
	step(0, "diff", harness.RefApp+".yaml")
	step(1, "diff", harness.RefApp+"-v2.yaml")
	step(0, "scale", harness.RefApp, "cdr-aggregator", "5", "-n", ns)
	live = c.WaitSettled(t, c.LiveApp(t, ns))
	step(0, "undeploy", harness.RefApp, "-n", ns, "--yes", "--wait")
	c.WaitGone(t, live, harness.DeleteTimeout)
	step(0, "list", "-n", ns)

	t.Logf("transcript:\n%s", transcript.String())
	if path := os.Getenv(envTranscript); path != "" {
		if err := os.WriteFile(path, transcript.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
