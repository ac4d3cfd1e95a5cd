package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sluice-dev/sluice/test/e2e/harness"
)

var kafkaUsersGVR = schema.GroupVersionResource{Group: "kafka.strimzi.io", Version: "v1", Resource: "kafkausers"}

// TestManagedKafkaUsers deploys the reference application with managed
// users through the real Metacontroller: a KafkaUser per streamlet, accepted
// under Strimzi's CRD, each streamlet waiting for its credentials until the
// (simulated) User Operator reports its user Ready; an edit that removes a
// connection revokes its ACLs, and removing a streamlet removes its user.
func TestManagedKafkaUsers(t *testing.T) {
	c := setup(t)
	c.NeedMetacontroller(t)
	ns := c.NewNamespace(t, "users")
	app, _ := c.ExampleIn(t, filepath.Join(c.Repo, "manifests", "examples", harness.RefApp+".yaml"), ns)
	_ = unstructured.SetNestedMap(app.Object, map[string]any{"type": "scram-sha-512", "managed": true}, "spec", "kafka", "authentication")
	if _, err := c.API.CreateStrict(harness.Ctx(t), app); err != nil {
		t.Fatalf("create %s: %v", harness.ObjKey(app), err)
	}
	live := c.WaitSettled(t, app)
	users := c.API.Dyn.Resource(kafkaUsersGVR).Namespace(ns)
	list, err := users.List(harness.Ctx(t), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 8 {
		t.Fatalf("%d KafkaUsers, want one per streamlet (8)", len(list.Items))
	}
	merge := harness.WorkloadName("merge")
	for _, s := range []string{"merge", "cdr-aggregator"} {
		if msg := harness.StreamletStatus(t, live, s)["message"]; !strings.Contains(msg.(string), "waiting for Kafka credentials: KafkaUser "+harness.WorkloadName(s)) {
			t.Errorf("streamlet %s: message %q does not wait for its credentials", s, msg)
		}
	}

	// The User Operator reports merge's user Ready: merge stops waiting.
	u, err := users.Get(harness.Ctx(t), merge, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	u.Object["status"] = map[string]any{"observedGeneration": u.GetGeneration(), "username": merge, "secret": merge,
		"conditions": []any{map[string]any{"type": "Ready", "status": "True", "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)}}}
	if _, err := users.UpdateStatus(harness.Ctx(t), u, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write KafkaUser status: %v", err)
	}
	harness.Poll(t, time.Minute, "merge's status to stop waiting for credentials", func() (bool, string) {
		p, err := c.API.Dyn.Resource(harness.SappGVR).Namespace(ns).Get(harness.Ctx(t), harness.RefApp, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		msg, _ := harness.StreamletStatus(t, p, "merge")["message"].(string)
		return !strings.Contains(msg, "waiting for Kafka credentials"), msg
	})

	// merge.in-2 reads cdr-ingress.out; without that connection and inlet
	// its user may no longer read it.
	live = c.UpdateSpec(t, live, func(t *testing.T, spec map[string]any) {
		m := harness.Streamlet(t, spec, "merge")
		inlets, _ := m["inlets"].([]any)
		m["inlets"] = slices.DeleteFunc(inlets, func(p any) bool { return p.(map[string]any)["name"] == "in-2" })
		conns, _ := spec["connections"].([]any)
		spec["connections"] = slices.DeleteFunc(conns, func(c any) bool { return c.(map[string]any)["from"] == "cdr-ingress.out" })
	})
	live = c.WaitSettled(t, live)
	u, err = users.Get(harness.Ctx(t), merge, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	acls, _, _ := unstructured.NestedSlice(u.Object, "spec", "authorization", "acls")
	for _, a := range acls {
		name, _, _ := unstructured.NestedString(a.(map[string]any), "resource", "name")
		if name == harness.TopicName("cdr-ingress", "out") || name == harness.RefApp+".merge.in-2" {
			t.Errorf("merge's user still has %v after its connection was removed", a)
		}
	}

	// Removing console-egress removes its user.
	live = c.UpdateSpec(t, live, func(t *testing.T, spec map[string]any) {
		list, _ := spec["streamlets"].([]any)
		spec["streamlets"] = slices.DeleteFunc(list, func(s any) bool { return s.(map[string]any)["name"] == "console-egress" })
		conns, _ := spec["connections"].([]any)
		spec["connections"] = slices.DeleteFunc(conns, func(c any) bool { return c.(map[string]any)["from"] == "cdr-aggregator.out" })
	})
	c.WaitSettled(t, live)
	if _, err := users.Get(harness.Ctx(t), harness.WorkloadName("console-egress"), metav1.GetOptions{}); err == nil {
		t.Error("the removed streamlet's KafkaUser is still there")
	}
}
