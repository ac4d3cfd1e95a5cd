package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

var bindingsGVR = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingadmissionpolicybindings"}

// TestTopicGrants runs the component topic-grants' policy on the real API
// server, bound to one test namespace (the shipped binding covers every
// namespace, which would stop the other tests' applications): a foreign
// topic name, managed or existing, is refused with a message naming it and the
// grant to add; a granted name and the application's own names are admitted;
// a namespace without grants may create no application.
func TestTopicGrants(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	policy, binding := grantsPolicy(t, c.Repo)
	ns := c.NewNamespace(t, "grants")
	bindingName := "sluice-topic-grants-" + ns
	binding.SetName(bindingName)
	_ = unstructured.SetNestedField(binding.Object, map[string]any{
		"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": ns}},
	}, "spec", "matchResources")
	if _, err := c.API.CreateStrict(harness.Ctx(t), policy); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create policy: %v", err)
	}
	if _, err := c.API.CreateStrict(harness.Ctx(t), binding); err != nil {
		t.Fatalf("create binding: %v", err)
	}
	t.Cleanup(func() {
		_ = c.API.Dyn.Resource(bindingsGVR).Delete(harness.Ctx(t), bindingName, metav1.DeleteOptions{})
	})

	base := harness.LoadExample(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"))
	base.SetNamespace(ns)
	foreignOutlet := withPortTopic(t, base, "merge", "outlets", "out", map[string]any{"name": "other-team.orders"})
	foreignInlet := withPortTopic(t, base, "cdr-aggregator", "inlets", "in", map[string]any{"name": "other-team.users", "managed": false})
	own := withPortTopic(t, base, "merge", "outlets", "out", map[string]any{"name": harness.RefApp + ".merged"})

	// Without grants, nothing: the binding's paramRef finds no ConfigMap.
	harness.Poll(t, 30*time.Second, "the policy refuses an application in a namespace without grants", func() (bool, string) {
		err := c.dryRunCreate(t, base)
		return err != nil && strings.Contains(err.Error(), "sluice-topic-grants"), describeErr(err)
	})

	grants := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "sluice-topic-grants", "namespace": ns},
		"data":     map[string]any{"topics": "shared.users\n", "prefixes": "team-a.\n"},
	}}
	if _, err := c.API.CreateStrict(harness.Ctx(t), grants); err != nil {
		t.Fatalf("create grants: %v", err)
	}
	harness.Poll(t, 30*time.Second, "the reference application (derived names only) is admitted", func() (bool, string) {
		err := c.dryRunCreate(t, base)
		return err == nil, describeErr(err)
	})
	for name, app := range map[string]*unstructured.Unstructured{"a managed foreign topic": foreignOutlet, "an existing foreign topic": foreignInlet} {
		err := c.dryRunCreate(t, app)
		if err == nil {
			t.Errorf("%s: admitted", name)
			continue
		}
		topic := "other-team.orders"
		if app == foreignInlet {
			topic = "other-team.users"
		}
		for _, want := range []string{
			"ValidatingAdmissionPolicy 'sluice-topic-grants'",
			"StreamingApplication " + ns + "/" + harness.RefApp + " names Kafka topics not granted to namespace " + ns + ": " + topic + ".",
			"ConfigMap sluice-topic-grants in its namespace",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: the refusal does not say %q:\n%v", name, want, err)
			}
		}
	}
	if err := c.dryRunCreate(t, own); err != nil {
		t.Errorf("a name under the application's own prefix refused: %v", err)
	}
	prefixed := withPortTopic(t, base, "merge", "outlets", "out", map[string]any{"name": "team-b." + harness.RefApp + ".merged"})
	_ = unstructured.SetNestedField(prefixed.Object, "team-b.", "spec", "kafka", "topicPrefix")
	if err := c.dryRunCreate(t, prefixed); err != nil {
		t.Errorf("a name under the application's own prefixed names refused: %v", err)
	}
	for _, topic := range []string{"shared.users", "team-a.orders"} {
		if err := c.dryRunCreate(t, withPortTopic(t, base, "merge", "outlets", "out", map[string]any{"name": topic})); err != nil {
			t.Errorf("granted topic %s refused: %v", topic, err)
		}
	}
}

// grantsPolicy reads the policy and binding of the component topic-grants.
func grantsPolicy(t *testing.T, repo string) (policy, binding *unstructured.Unstructured) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "manifests", "components", "topic-grants", "topic-grants.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := harness.DecodeYAMLDocs(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		switch o.GetKind() {
		case "ValidatingAdmissionPolicy":
			policy = o
		case "ValidatingAdmissionPolicyBinding":
			binding = o
		}
	}
	if policy == nil || binding == nil {
		t.Fatalf("topic-grants.yaml: want a policy and a binding, got %d objects", len(objs))
	}
	return policy, binding
}

// withPortTopic returns a copy of app whose port streamlet.kind[port] has the
// given topic.
func withPortTopic(t *testing.T, app *unstructured.Unstructured, streamlet, kind, port string, topic map[string]any) *unstructured.Unstructured {
	t.Helper()
	out := app.DeepCopy()
	streamlets, _, _ := unstructured.NestedSlice(out.Object, "spec", "streamlets")
	for _, s := range streamlets {
		sm := s.(map[string]any)
		if sm["name"] != streamlet {
			continue
		}
		ports, _ := sm[kind].([]any)
		for _, p := range ports {
			if pm := p.(map[string]any); pm["name"] == port {
				pm["topic"] = topic
				_ = unstructured.SetNestedSlice(out.Object, streamlets, "spec", "streamlets")
				return out
			}
		}
	}
	b, _ := yaml.Marshal(app.Object)
	t.Fatalf("no %s %s of streamlet %s in\n%s", kind, port, streamlet, b)
	return nil
}

// dryRunCreate creates obj with dryRun=All: admission runs, nothing is stored.
func (c *cluster) dryRunCreate(t *testing.T, obj *unstructured.Unstructured) error {
	t.Helper()
	_, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(obj.GetNamespace()).Create(harness.Ctx(t), obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	return err
}

func describeErr(err error) string {
	if err == nil {
		return "admitted"
	}
	return err.Error()
}

// TestTopicGrantsChartMatchesComponent: the chart's topicGrants.enabled makes
// the very policy and binding of the component topic-grants.
func TestTopicGrantsChartMatchesComponent(t *testing.T) {
	c := setup(t)
	policy, binding := grantsPolicy(t, c.Repo)
	objs := c.HelmTemplate(t, c.OfflineChart(t), harness.HelmNamespace, nil, "topicGrants.enabled=true")
	found := 0
	for _, o := range objs {
		var want *unstructured.Unstructured
		switch o.GetKind() {
		case "ValidatingAdmissionPolicy":
			want = policy
		case "ValidatingAdmissionPolicyBinding":
			want = binding
		}
		if want == nil || o.GetName() != "sluice-topic-grants" {
			continue
		}
		found++
		if diff := cmp.Diff(want.Object["spec"], o.Object["spec"]); diff != "" {
			t.Errorf("chart's %s %s differs from the component's (-component +chart):\n%s", o.GetKind(), o.GetName(), diff)
		}
	}
	if found != 2 {
		t.Errorf("the chart made %d of the policy and binding sluice-topic-grants, want both", found)
	}
}

// TestTopicPrefixImmutable: spec.kafka.topicPrefix is set at creation or
// never, and never changes (the CRD's transition rule); the prefixed names
// are derived.
func TestTopicPrefixImmutable(t *testing.T) {
	c := setup(t)
	c.NeedManifests(t)
	ns := c.NewNamespace(t, "prefix")
	parents := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns)
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	plain := app.DeepCopy()
	plain.SetName("plain")
	_ = unstructured.SetNestedField(app.Object, ns+".", "spec", "kafka", "topicPrefix")
	for _, a := range []*unstructured.Unstructured{app, plain} {
		if _, err := c.API.CreateStrict(harness.Ctx(t), a); err != nil {
			t.Fatalf("create %s: %v", harness.ObjKey(a), err)
		}
	}
	for _, tc := range []struct {
		name, app string
		prefix    any // nil removes it
	}{
		{"changed", harness.RefApp, "other."},
		{"removed", harness.RefApp, nil},
		{"added later", "plain", ns + "."},
	} {
		var err error
		for range 5 { // Metacontroller writes the parent too (its finalizer)
			var live *unstructured.Unstructured
			if live, err = parents.Get(harness.Ctx(t), tc.app, metav1.GetOptions{}); err != nil {
				t.Fatal(err)
			}
			if tc.prefix == nil {
				unstructured.RemoveNestedField(live.Object, "spec", "kafka", "topicPrefix")
			} else {
				_ = unstructured.SetNestedField(live.Object, tc.prefix, "spec", "kafka", "topicPrefix")
			}
			if _, err = parents.Update(harness.Ctx(t), live, harness.StrictUpdate); !apierrors.IsConflict(err) {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), "topicPrefix can only be set when the application is created") {
			t.Errorf("topicPrefix %s: %v, want the CRD's refusal", tc.name, err)
		}
	}
	// The same prefix, unchanged, is fine.
	var err error
	for range 5 {
		var live *unstructured.Unstructured
		if live, err = parents.Get(harness.Ctx(t), harness.RefApp, metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		_ = unstructured.SetNestedField(live.Object, "edited", "metadata", "annotations", "note")
		if _, err = parents.Update(harness.Ctx(t), live, harness.StrictUpdate); !apierrors.IsConflict(err) {
			break
		}
	}
	if err != nil {
		t.Errorf("an update keeping the prefix: %v", err)
	}
}
