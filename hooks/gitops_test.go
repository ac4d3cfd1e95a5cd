package hooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/sluice-dev/sluice/children"
)

// gitopsCase is a parent in one of the states GitOps tools must tell apart,
// with the health Argo CD (through manifests/monitoring/argocd-health.lua)
// and kstatus (Flux, kubectl wait, cli-utils) must read.
type gitopsCase struct {
	name    string
	setup   func(t *testing.T, c *cluster)
	argo    string
	kstatus status.Status
}

func gitopsCases() []gitopsCase {
	healthy := func(t *testing.T, c *cluster) {
		c.syncUntilStable(5)
		c.setHealthy()
		c.syncUntilStable(5)
	}
	return []gitopsCase{
		{"starting", func(t *testing.T, c *cluster) { c.syncUntilStable(5) }, "Progressing", status.InProgressStatus},
		{"running", healthy, "Healthy", status.CurrentStatus},
		{"rolling out a scale", func(t *testing.T, c *cluster) {
			healthy(t, c)
			d := c.children["Deployment.apps/v1"][c.parent.GetNamespace()+"/"+cra+"-merge"]
			d.SetGeneration(d.GetGeneration() + 1) // not yet observed by the Deployment controller
			c.sync()
		}, "Progressing", status.InProgressStatus},
		{"a rejected edit", func(t *testing.T, c *cluster) {
			healthy(t, c)
			c.setParent(craWithPolicy(t, "Sometimes"))
			c.sync()
		}, "Degraded", status.FailedStatus},
		{"a failed streamlet", func(t *testing.T, c *cluster) {
			healthy(t, c)
			sa := c.children[children.SparkApplicationKind+"."+children.SparkAPIVersion][c.parent.GetNamespace()+"/"+cra+"-cdr-generator1"]
			sa.Object["status"] = map[string]any{"applicationState": map[string]any{"state": "FAILED", "errorMessage": "driver pod failed"}}
			c.sync()
		}, "Degraded", status.FailedStatus},
		{"suspended", func(t *testing.T, c *cluster) {
			healthy(t, c)
			c.setParent(edit(t, example(t, cra), func(spec map[string]any) { spec["suspend"] = true }))
			c.syncUntilStable(5)
			c.setStopped()
			c.syncUntilStable(5)
		}, "Suspended", status.CurrentStatus},
		{"an edit not yet seen by Sluice", func(t *testing.T, c *cluster) {
			healthy(t, c)
			c.parent.SetGeneration(c.parent.GetGeneration() + 1)
		}, "Progressing", status.InProgressStatus},
	}
}

// TestGitOpsHealth runs Argo CD's health script (with gopher-lua, as Argo CD
// does) and kstatus' Compute on parents whose status the hook wrote.
func TestGitOpsHealth(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "manifests", "monitoring", "argocd-health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range gitopsCases() {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, example(t, cra), allComponents()...)
			tc.setup(t, c)
			parent := c.parent.DeepCopy()
			argo, msg := argoHealth(t, string(script), parent)
			if argo != tc.argo {
				t.Errorf("Argo CD health %s (%q), want %s", argo, msg, tc.argo)
			}
			if tc.argo != "Healthy" && msg == "" {
				t.Errorf("Argo CD health %s has no message", argo)
			}
			res, err := status.Compute(parent)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.kstatus {
				t.Errorf("kstatus %s (%q), want %s", res.Status, res.Message, tc.kstatus)
			}
		})
	}
}

// argoHealth runs an Argo CD health script on obj, as Argo CD does: obj is
// a global table, the script's last value the health.
func argoHealth(t *testing.T, script string, obj *unstructured.Unstructured) (healthStatus, message string) {
	t.Helper()
	b, err := json.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, open := range []lua.LGFunction{lua.OpenBase, lua.OpenTable, lua.OpenString, lua.OpenMath} {
		l.Push(l.NewFunction(open))
		l.Call(0, 0)
	}
	l.SetGlobal("obj", toLua(l, generic))
	if err := l.DoString(script); err != nil {
		t.Fatalf("health script: %v", err)
	}
	hs, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health script returned %s, want a table", l.Get(-1).Type())
	}
	return lua.LVAsString(hs.RawGetString("status")), lua.LVAsString(hs.RawGetString("message"))
}

// toLua converts decoded JSON to Lua values: objects to tables, arrays to
// sequences.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := l.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	case []any:
		t := l.NewTable()
		for _, e := range v {
			t.Append(toLua(l, e))
		}
		return t
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	default:
		return lua.LNil
	}
}
