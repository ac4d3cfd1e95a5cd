package children

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
)

// upgradeExamples are the applications each release's children are kept
// for under testdata/upgrade/<release>/<dir>: an example and its mods, as
// TestBuildersGolden renders them.
var upgradeExamples = map[string]struct {
	example string
	mods    []func(*graph.StreamingApplication)
}{
	"call-record-aggregator":               {"call-record-aggregator", nil},
	"clickstream-sessions":                 {"clickstream-sessions", nil},
	"fraud-scoring":                        {"fraud-scoring", nil},
	"call-record-aggregator-managed-users": {"call-record-aggregator", []func(*graph.StreamingApplication){withManagedUsers}},
	"call-record-aggregator-two-clusters":  {"call-record-aggregator", []func(*graph.StreamingApplication){withTwoClusters}},
}

// upgradeChanges are the changes to running children a release makes on
// purpose, each named "<release>/<dir>/<Kind>/<name>" with the release note
// that tells users. Empty: no release since v0.1.0 restarts anything.
var upgradeChanges = map[string]string{}

// TestUpgradeKeepsWhatRuns is the upgrade contract: the children an earlier
// release rendered for the examples (testdata/upgrade/<release>, one set
// per release, never rewritten), observed as that release left them, are
// answered by this code with no child deleted, no topic retained (its
// name would have changed), no Deployment's pod template changed (a new
// template rolls every pod) and no SparkApplication's or FlinkDeployment's
// spec changed (their operators resubmit or upgrade the job on any change)
// — unless upgradeChanges names the change. New children (a kind a release
// adds) may appear.
func TestUpgradeKeepsWhatRuns(t *testing.T) {
	releases, err := os.ReadDir(filepath.Join("testdata", "upgrade"))
	if err != nil {
		t.Fatal(err)
	}
	if len(releases) == 0 {
		t.Fatal("no release under testdata/upgrade")
	}
	for _, rel := range releases {
		if !rel.IsDir() {
			continue
		}
		dirs, err := os.ReadDir(filepath.Join("testdata", "upgrade", rel.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range dirs {
			t.Run(rel.Name()+"/"+dir.Name(), func(t *testing.T) {
				ex, ok := upgradeExamples[dir.Name()]
				if !ok {
					t.Fatalf("no entry in upgradeExamples for %s", dir.Name())
				}
				observed := releasedChildren(t, filepath.Join("testdata", "upgrade", rel.Name(), dir.Name()))
				res := answer(t, Input{Blueprint: blueprint(t, ex.example, ex.mods...), Observed: observed,
					Previous: &graph.Status{Phase: graph.PhaseRunning}})
				for _, kind := range observed.Kinds() {
					for _, old := range observed.All(kind) {
						key := fmt.Sprintf("%s/%s/%s/%s", rel.Name(), dir.Name(), kind, old.GetName())
						i := slices.IndexFunc(Objects(res.Children), func(u *unstructured.Unstructured) bool {
							return u.GetKind() == kind && u.GetName() == old.GetName()
						})
						if i < 0 {
							t.Errorf("%s is deleted by this release", key)
							continue
						}
						if diff := runningDiff(old, Objects(res.Children)[i]); diff != "" {
							if note, named := upgradeChanges[key]; !named {
								t.Errorf("%s changes what runs, and no release note says so (add it to upgradeChanges):\n%s", key, diff)
							} else if note == "" {
								t.Errorf("%s: upgradeChanges names the change without a release note", key)
							}
						}
					}
				}
				for _, topic := range res.Status.Topics {
					if topic.Retained {
						t.Errorf("topic %s is retained: this release no longer derives its name", topic.Name)
					}
				}
			})
		}
	}
}

// releasedChildren reads a release's children (one YAML stream per kind) as
// Metacontroller would observe them: each with its last-applied
// configuration, a generation and its operator's status.
func releasedChildren(t *testing.T, dir string) Observed {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no children in %s (%v)", dir, err)
	}
	observed := Observed{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			u := &unstructured.Unstructured{}
			js, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if err := u.UnmarshalJSON(js); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			ann := u.GetAnnotations()
			if ann == nil {
				ann = map[string]string{}
			}
			ann[AnnotationLastApplied] = string(js)
			u.SetAnnotations(ann)
			u.SetGeneration(1)
			setHealthy(t, u)
			if observed[u.GetKind()] == nil {
				observed[u.GetKind()] = map[string]*unstructured.Unstructured{}
			}
			observed[u.GetKind()][u.GetName()] = u
		}
	}
	return observed
}

// runningDiff is what an answer changes of a running workload: a
// Deployment's pod template, a SparkApplication's or FlinkDeployment's
// spec; "" for other kinds.
func runningDiff(old, answered *unstructured.Unstructured) string {
	var path []string
	switch old.GetKind() {
	case DeploymentKind:
		path = []string{"spec", "template"}
	case SparkApplicationKind, FlinkDeploymentKind:
		path = []string{"spec"}
	default:
		return ""
	}
	was, _, _ := unstructured.NestedFieldNoCopy(old.Object, path...)
	is, _, _ := unstructured.NestedFieldNoCopy(answered.Object, path...)
	return cmp.Diff(was, is)
}
