package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// Rendered is what `sluice render -o json` printed, and how it exited.
type Rendered struct {
	Status   map[string]any
	Children []*unstructured.Unstructured
	ExitErr  error  // nil when it exited 0
	Stderr   string // what it printed on stderr
}

// Problems returns status.problems of a rendered answer.
func (r Rendered) Problems() []string {
	list, _, _ := unstructured.NestedStringSlice(r.Status, "problems")
	return list
}

// Names returns the children as "Kind name", sorted.
func (r Rendered) Names() []string {
	var out []string
	for _, child := range r.Children {
		out = append(out, child.GetKind()+" "+child.GetName())
	}
	slices.Sort(out)
	return out
}

// Render runs `sluice render -o json --controller FILE EXAMPLE` and returns the
// status and the children it prints, and its exit. `sluice render` reports problems of the
// blueprint with a non-zero exit and still prints the answer (the status says what
// is wrong); output that is not an answer fails the test.
func (c *Cluster) Render(t *testing.T, example, controllerFile string) Rendered {
	t.Helper()
	c.NeedSluice(t)
	args := []string{"render", "-o", "json", "--controller", controllerFile, example}
	cmd := exec.Command(c.SluiceBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// The output is the hook's answer: status and children, plus what an answer may
	// carry beside them. Nothing else is accepted.
	dec := json.NewDecoder(&stdout)
	dec.DisallowUnknownFields()
	var out struct {
		Status             json.RawMessage   `json:"status"`
		Children           []json.RawMessage `json:"children"`
		ResyncAfterSeconds *float64          `json:"resyncAfterSeconds"`
		Finalized          *bool             `json:"finalized"`
	}
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("sluice %s: %v: want {\"status\":…,\"children\":[…]} on stdout: %v\n%s", strings.Join(args, " "), runErr, err, stderr.String())
	}
	if out.Children == nil {
		t.Fatalf("sluice %s: the output has no children list", strings.Join(args, " "))
	}
	r := Rendered{ExitErr: runErr, Stderr: strings.TrimSpace(stderr.String())}
	if err := k8sjson.Unmarshal(out.Status, &r.Status); err != nil {
		t.Fatalf("sluice render: status: %v", err)
	}
	for i, raw := range out.Children {
		var m map[string]any
		if err := k8sjson.Unmarshal(raw, &m); err != nil {
			t.Fatalf("sluice render: children[%d]: %v", i, err)
		}
		r.Children = append(r.Children, &unstructured.Unstructured{Object: m})
	}
	return r
}

// InstalledController writes the CompositeController installed in the test cluster
// to a file for `sluice render --controller` and returns the path and the kinds it
// lists.
func (c *Cluster) InstalledController(t *testing.T) (string, map[string]bool) {
	t.Helper()
	controller := c.StandIn(t).Controller
	b, err := yaml.Marshal(controller.Object)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "compositecontroller.yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, c.ListedKinds(t, controller)
}

// ListedKinds returns the child kinds a CompositeController lists, keyed like a hook
// request ("Kind.apiVersion").
func (c *Cluster) ListedKinds(t *testing.T, controller *unstructured.Unstructured) map[string]bool {
	t.Helper()
	kinds, err := c.API.ChildKinds(controller)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, k := range kinds {
		listed[ChildKey(k)] = true
	}
	return listed
}

// dryRuns caches the outcome of CheckRenderedChild's strict dry-run create by the
// object's JSON: the same object in the same namespace gets the same answer, and
// the installation shapes render mostly the same children. Only answers of the
// API server are kept, not transport errors.
var dryRuns sync.Map // JSON -> error (nil when accepted)

// dryRunOnce is API.DryRunStrict of child, its answer cached in dryRuns.

func (c *Cluster) dryRunOnce(ctx context.Context, child *unstructured.Unstructured) error {
	b, err := json.Marshal(child.Object)
	if err != nil {
		return err
	}
	if v, ok := dryRuns.Load(string(b)); ok {
		err, _ := v.(error)
		return err
	}
	err = c.API.DryRunStrict(ctx, child)
	if err == nil || IsRefused(err) || strings.Contains(err.Error(), "warned") {
		dryRuns.Store(string(b), err)
	}
	return err
}

// CheckRenderedChild is the primary check of one rendered child, used by
// TestRenderedChildrenAreValid and its self-test: the CompositeController lists its
// kind with exactly its apiVersion, and the API server accepts it in a create with
// dryRun=All and fieldValidation=Strict (upstream schemas, unknown fields, CEL rules,
// admission policies) without a warning.
func (c *Cluster) CheckRenderedChild(ctx context.Context, child *unstructured.Unstructured, listed map[string]bool) error {
	if key := ChildKey(child.GroupVersionKind()); !listed[key] {
		return fmt.Errorf("kind %s is not listed by the CompositeController (it lists %v)", key, SortedKeys(listed))
	}
	if err := c.dryRunOnce(ctx, child); err != nil {
		return fmt.Errorf("refused by the API server: %w", err)
	}
	return nil
}

// OptionalKinds are child kinds no application asks for: Sluice makes them
// where the CompositeController lists them, and a controller that does not
// list them is no problem for any application (TestRenderedChildrenAreValid).
var OptionalKinds = map[string]bool{"PrometheusRule": true}
