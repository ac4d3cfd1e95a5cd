package hooks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/manifests"
)

// now is the fixed time of every test sync.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const parentUID = "7d1c7f1e-5b0e-4a36-9d57-2c1f3a0c9e11"

// cluster is an in-process stand-in for Metacontroller and the API server,
// as the tests need them: it builds v2 requests from the children it holds
// and applies answers the way DESIGN.md's "Metacontroller facts" say —
// answered children are created or replaced (with the controller-uid label
// and the last-applied annotation), observed children left out are deleted,
// and the status is replaced. It also enforces the admission policy that
// refuses deleting a Sluice KafkaTopic without a release mark, failing the
// test instead.
type cluster struct {
	t        testing.TB
	kinds    map[string]string // kind -> apiVersion the controller lists
	parent   *unstructured.Unstructured
	children map[string]map[string]*unstructured.Unstructured // "Kind.apiVersion" -> "ns/name"
	version  int
	// deletedTopics logs every KafkaTopic deletion, in order.
	deletedTopics []string
}

// newCluster starts a cluster with the controller made of the given
// manifests components and the parent in a YAML file or string.
func newCluster(t testing.TB, parentYAML string, components ...string) *cluster {
	t.Helper()
	ctrl := controller(t, components...)
	req, err := EmptyRequest(ctrl, &unstructured.Unstructured{})
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, kinds: map[string]string{}, children: req.Children}
	for key := range req.Children {
		k, _ := parseKindKey(key)
		c.kinds[k.kind] = k.apiVersion
	}
	c.setParent(parentYAML)
	return c
}

// controller returns the CompositeController with the given components.
func controller(t testing.TB, components ...string) *unstructured.Unstructured {
	t.Helper()
	b, err := manifests.Controller(components...)
	if err != nil {
		t.Fatal(err)
	}
	u, err := decodeObject(b)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// setParent replaces the parent's spec (an edit by kubectl apply), keeping
// its identity and status and bumping its generation.
func (c *cluster) setParent(parentYAML string) {
	c.t.Helper()
	u, err := decodeObject([]byte(parentYAML))
	if err != nil {
		c.t.Fatalf("parent: %v", err)
	}
	u.SetUID(parentUID)
	if u.GetNamespace() == "" {
		u.SetNamespace("demo")
	}
	if c.parent != nil {
		u.SetGeneration(c.parent.GetGeneration() + 1)
		if st, ok := c.parent.Object["status"]; ok {
			u.Object["status"] = st
		}
	} else {
		u.SetGeneration(1)
	}
	c.parent = u
}

// request builds the sync request Metacontroller would send now.
func (c *cluster) request() *Request {
	return &Request{Parent: c.parent.DeepCopy(), Children: deepCopyChildren(c.children), Related: map[string]map[string]*unstructured.Unstructured{}}
}

func deepCopyChildren(in map[string]map[string]*unstructured.Unstructured) map[string]map[string]*unstructured.Unstructured {
	out := make(map[string]map[string]*unstructured.Unstructured, len(in))
	for k, byName := range in {
		out[k] = make(map[string]*unstructured.Unstructured, len(byName))
		for n, u := range byName {
			out[k][n] = u.DeepCopy()
		}
	}
	return out
}

// sync calls Sync and applies its answer.
func (c *cluster) sync() *Response {
	c.t.Helper()
	resp, err := Sync(c.request(), now)
	if err != nil {
		c.t.Fatalf("Sync: %v", err)
	}
	c.apply(resp)
	return resp
}

// finalize calls Finalize as Metacontroller does for a parent being
// deleted, and checks the answer's status as the API server would.
func (c *cluster) finalize() *Response {
	c.t.Helper()
	req := c.request()
	req.Finalizing = true
	resp, err := Finalize(req, now)
	if err != nil {
		c.t.Fatalf("Finalize: %v", err)
	}
	checkListKeys(c.t, resp)
	return resp
}

// apply does what Metacontroller does with a 200 answer.
func (c *cluster) apply(resp *Response) {
	c.t.Helper()
	checkListKeys(c.t, resp)
	answered := map[string]bool{}
	for _, child := range resp.Children {
		key := child.GetKind() + "." + child.GetAPIVersion()
		byName, listed := c.children[key]
		if !listed {
			c.t.Fatalf("answer has %s %s under %s, which the controller does not list", child.GetKind(), child.GetName(), child.GetAPIVersion())
		}
		nsName := c.parent.GetNamespace() + "/" + child.GetName()
		answered[key+" "+nsName] = true
		byName[nsName] = c.observe(child, byName[nsName])
	}
	for key, byName := range c.children {
		for nsName, u := range byName {
			if answered[key+" "+nsName] {
				continue
			}
			if u.GetKind() == children.KafkaTopicKind {
				ann := u.GetAnnotations()
				if ann[children.AnnotationStrimziManaged] != "false" && ann[children.AnnotationDeletion] != "allowed" {
					c.t.Fatalf("answer leaves out KafkaTopic %s without a release mark: the admission policy refuses, and without it the topic's data would be lost", u.GetName())
				}
				c.deletedTopics = append(c.deletedTopics, u.GetName())
			}
			delete(byName, nsName)
		}
	}
	if resp.Status != nil {
		b, _ := json.Marshal(resp.Status)
		var st map[string]any
		_ = json.Unmarshal(b, &st)
		st["observedGeneration"] = c.parent.GetGeneration()
		c.parent.Object["status"] = st
	}
}

// observe turns an answered child into what the next request shows: the
// answer plus the controller-uid label, the last-applied annotation and the
// fields the API server sets.
func (c *cluster) observe(answered, previous *unstructured.Unstructured) *unstructured.Unstructured {
	c.t.Helper()
	u := answered.DeepCopy()
	labels := u.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels["controller-uid"] = parentUID
	u.SetLabels(labels)
	u.SetNamespace(c.parent.GetNamespace())
	lastApplied, err := json.Marshal(u.Object)
	if err != nil {
		c.t.Fatal(err)
	}
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[children.AnnotationLastApplied] = string(lastApplied)
	u.SetAnnotations(ann)
	c.version++
	u.SetResourceVersion(fmt.Sprint(c.version))
	u.SetCreationTimestamp(metav1.NewTime(now))
	u.SetGeneration(1)
	if previous != nil {
		u.SetUID(previous.GetUID())
		u.SetCreationTimestamp(previous.GetCreationTimestamp())
		u.SetGeneration(previous.GetGeneration())
		if !equalSpec(previous, u) {
			u.SetGeneration(previous.GetGeneration() + 1)
		}
		if st, ok := previous.Object["status"]; ok {
			u.Object["status"] = st
		}
	} else {
		u.SetUID(types.UID(fmt.Sprintf("uid-%s-%s", strings.ToLower(u.GetKind()), u.GetName())))
	}
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
		"apiVersion": "sluice.dev/v1alpha1", "kind": "StreamingApplication", "name": c.parent.GetName(),
		"uid": parentUID, "controller": true, "blockOwnerDeletion": true,
	}}, "metadata", "ownerReferences")
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"manager": "metacontroller", "operation": "Update"}}, "metadata", "managedFields")
	return u
}

func equalSpec(a, b *unstructured.Unstructured) bool {
	sa, _ := json.Marshal(a.Object["spec"])
	sb, _ := json.Marshal(b.Object["spec"])
	return string(sa) == string(sb)
}

// topics lists the KafkaTopics that exist, by name.
func (c *cluster) topics() []string {
	var names []string
	for _, u := range c.children[children.KafkaTopicKind+"."+c.kinds[children.KafkaTopicKind]] {
		names = append(names, u.GetName())
	}
	slices.Sort(names)
	return names
}

// topic returns an existing KafkaTopic.
func (c *cluster) topic(name string) *unstructured.Unstructured {
	c.t.Helper()
	u, ok := c.children[children.KafkaTopicKind+"."+c.kinds[children.KafkaTopicKind]][c.parent.GetNamespace()+"/"+name]
	if !ok {
		c.t.Fatalf("no KafkaTopic %s; have %v", name, c.topics())
	}
	return u
}

// syncUntilStable syncs until an answer changes nothing, at most n times.
func (c *cluster) syncUntilStable(n int) *Response {
	c.t.Helper()
	var last []byte
	for range n {
		resp := c.sync()
		b, _ := json.Marshal(resp)
		if string(b) == string(last) {
			return resp
		}
		last = b
	}
	c.t.Fatalf("no stable answer after %d syncs", n)
	return nil
}

// example reads manifests/examples/<name>.yaml.
func example(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "manifests", "examples", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit applies a YAML edit to a parent document with a function over its
// decoded form.
func edit(t testing.TB, parentYAML string, fn func(spec map[string]any)) string {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(parentYAML), &obj); err != nil {
		t.Fatal(err)
	}
	fn(obj["spec"].(map[string]any))
	b, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

func metav1Now() metav1.Time { return metav1.NewTime(now) }
