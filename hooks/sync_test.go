package hooks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/manifests"
)

const cra = "call-record-aggregator"

// craTopics are the seed application's topics, as SEED-EXAMPLE.md lists them.
var craTopics = []string{
	"call-record-aggregator.cdr-aggregator.out",
	"call-record-aggregator.cdr-generator1.out",
	"call-record-aggregator.cdr-generator2.out",
	"call-record-aggregator.cdr-ingress.out",
	"call-record-aggregator.cdr-validator.invalid",
	"call-record-aggregator.cdr-validator.valid",
	"call-record-aggregator.merge.out",
}

func allComponents() []string { return manifests.DefaultComponents() }

// kindCounts counts answered children by kind.
func kindCounts(resp *Response) map[string]int {
	counts := map[string]int{}
	for _, c := range resp.Children {
		counts[c.GetKind()]++
	}
	return counts
}

func condition(t *testing.T, st *graph.Status, condType string) (status, reason, message string) {
	t.Helper()
	for _, c := range st.Conditions {
		if c.Type == condType {
			return string(c.Status), c.Reason, c.Message
		}
	}
	t.Fatalf("no condition %s in %+v", condType, st.Conditions)
	return "", "", ""
}

func TestSeedApplication(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	resp := c.sync()
	want := map[string]int{"KafkaTopic": 7, "Deployment": 5, "SparkApplication": 3, "ConfigMap": 8, "Service": 1, "PrometheusRule": 8}
	if diff := cmp.Diff(want, kindCounts(resp)); diff != "" {
		t.Errorf("children mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(craTopics, c.topics()); diff != "" {
		t.Errorf("topics mismatch (-want +got):\n%s", diff)
	}
	for _, name := range craTopics {
		spec := c.topic(name).Object["spec"].(map[string]any)
		if spec["partitions"] != int64(53) || spec["replicas"] != int64(2) {
			t.Errorf("topic %s: partitions %v replicas %v, want 53 and 2", name, spec["partitions"], spec["replicas"])
		}
	}
	wantDefaults := []graph.DefaultedParameter{
		{Streamlet: "cdr-aggregator", Key: "group-by-window", Value: "1 minute"},
		{Streamlet: "cdr-aggregator", Key: "watermark", Value: "1 minute"},
		{Streamlet: "cdr-generator1", Key: "records-per-second", Value: "50"},
		{Streamlet: "cdr-generator2", Key: "records-per-second", Value: "50"},
	}
	if diff := cmp.Diff(wantDefaults, resp.Status.DefaultedParameters); diff != "" {
		t.Errorf("defaulted parameters mismatch (-want +got):\n%s", diff)
	}
}

// TestIdempotent feeds every answer back as observed children, with
// last-applied set as Metacontroller sets it: the next answer is the same.
func TestIdempotent(t *testing.T) {
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, example(t, name), allComponents()...)
			c.sync()
			first := c.sync() // now every child is observed
			second := c.sync()
			if diff := cmp.Diff(first, second); diff != "" {
				t.Errorf("answer changed on resync (-first +second):\n%s", diff)
			}
		})
	}
}

// TestInvalidSpecKeepsChildren: a broken edit answers every observed child
// as last applied — nothing the server set — with the problem in status.
func TestInvalidSpecKeepsChildren(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	c.sync()
	before := c.sync()
	c.setParent(edit(t, example(t, cra), func(spec map[string]any) {
		spec["connections"] = append(spec["connections"].([]any), map[string]any{"from": "merge.out", "to": []any{"nowhere.in"}})
	}))
	resp := c.sync()
	if got, want := len(resp.Children), len(before.Children); got != want {
		t.Fatalf("invalid spec answered %d children, want all %d", got, want)
	}
	for _, child := range resp.Children {
		for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers"} {
			if _, found, _ := unstructured.NestedFieldNoCopy(child.Object, "metadata", f); found {
				t.Errorf("%s carries server-set metadata.%s", describe(child), f)
			}
		}
		if _, found := child.Object["status"]; found {
			t.Errorf("%s carries status", describe(child))
		}
		if _, found := child.GetAnnotations()[children.AnnotationLastApplied]; found {
			t.Errorf("%s carries the last-applied annotation", describe(child))
		}
	}
	status, reason, msg := condition(t, resp.Status, graph.ConditionBlueprintValid)
	if status != "False" || reason != "Invalid" || !strings.Contains(msg, "nowhere") {
		t.Errorf("BlueprintValid = %s/%s %q, want False/Invalid naming the missing streamlet", status, reason, msg)
	}
	if resp.Status.Phase == graph.PhaseInvalid {
		t.Errorf("phase Invalid although the previous version still runs")
	}
	if len(c.deletedTopics) > 0 {
		t.Errorf("topics deleted: %v", c.deletedTopics)
	}
	// The frozen answer is stable too.
	if diff := cmp.Diff(resp.Children, c.sync().Children); diff != "" {
		t.Errorf("frozen answer changed on resync (-first +second):\n%s", diff)
	}
}

// TestInvalidFromTheStart: nothing runs, so the phase is Invalid, and the
// answer has an empty (not null) child list.
func TestInvalidFromTheStart(t *testing.T) {
	c := newCluster(t, edit(t, example(t, cra), func(spec map[string]any) { delete(spec, "kafka") }), allComponents()...)
	resp := c.sync()
	if resp.Status.Phase != graph.PhaseInvalid || len(resp.Children) != 0 {
		t.Errorf("phase %s with %d children, want Invalid with none", resp.Status.Phase, len(resp.Children))
	}
	b, _ := json.Marshal(resp)
	if !strings.Contains(string(b), `"children":[]`) {
		t.Errorf("answer %s has no empty children array", b)
	}
}

// TestAPIVersionFromRequestKey: a topic observed under kafka.strimzi.io/v1
// whose last-applied says v1beta2 is answered as v1, in the normal, frozen
// and finalize answers.
func TestAPIVersionFromRequestKey(t *testing.T) {
	c := newCluster(t, example(t, cra), "strimzi-v1beta2", "spark")
	c.sync()
	c.sync()
	// Strimzi upgraded; the controller now lists v1, and the API server
	// serves the same objects under v1, their last-applied still v1beta2.
	old := children.KafkaTopicKind + ".kafka.strimzi.io/v1beta2"
	key := children.KafkaTopicKind + ".kafka.strimzi.io/v1"
	c.children[key] = c.children[old]
	delete(c.children, old)
	for _, u := range c.children[key] {
		if !strings.Contains(u.GetAnnotations()[children.AnnotationLastApplied], "v1beta2") {
			t.Fatal("fixture: last-applied should say v1beta2")
		}
		u.SetAPIVersion("kafka.strimzi.io/v1")
	}
	c.kinds[children.KafkaTopicKind] = "kafka.strimzi.io/v1"
	check := func(what string, resp *Response) {
		t.Helper()
		n := 0
		for _, child := range resp.Children {
			if child.GetKind() == children.KafkaTopicKind {
				n++
				if child.GetAPIVersion() != "kafka.strimzi.io/v1" {
					t.Errorf("%s: %s answered as %s", what, child.GetName(), child.GetAPIVersion())
				}
			}
		}
		if n != 7 {
			t.Errorf("%s: %d topics answered, want 7", what, n)
		}
	}
	req := c.request()
	resp, err := Sync(req, now)
	checkListKeys(t, resp)
	if err != nil {
		t.Fatal(err)
	}
	check("sync", resp)
	broken := c.request()
	_ = unstructured.SetNestedField(broken.Parent.Object, "Sometimes", "spec", "topicDeletionPolicy")
	resp, err = Sync(broken, now)
	if err != nil {
		t.Fatal(err)
	}
	check("frozen", resp)
	resp, err = Finalize(c.request(), now)
	if err != nil {
		t.Fatal(err)
	}
	check("finalize", resp)
}

// TestKindNotListed: without the Flink component no FlinkDeployment is
// answered; the status says why.
func TestKindNotListed(t *testing.T) {
	c := newCluster(t, example(t, "fraud-scoring"), "monitoring")
	resp := c.sync()
	if n := kindCounts(resp)[children.FlinkDeploymentKind]; n != 0 {
		t.Errorf("%d FlinkDeployments answered to a controller that does not list the kind", n)
	}
	found := false
	for _, p := range resp.Status.Problems {
		if strings.Contains(p, "streamlet score (flink) needs a FlinkDeployment") {
			found = true
		}
	}
	if !found {
		t.Errorf("no problem about the missing FlinkDeployment kind in %q", resp.Status.Problems)
	}
	for _, st := range resp.Status.Streamlets {
		if st.Name == "score" && !strings.Contains(st.Message, "does not list FlinkDeployment") {
			t.Errorf("score's status message %q does not say why it does not run", st.Message)
		}
	}
	if status, reason, _ := condition(t, resp.Status, graph.ConditionChildrenApplied); status != "False" || reason != "KindNotListed" {
		t.Errorf("ChildrenApplied = %s/%s, want False/KindNotListed", status, reason)
	}
}

// removeInvalidOutlet drops the cdr-validator's invalid outlet and error-egress.
func removeInvalidOutlet(spec map[string]any) {
	validator := streamletOf(spec, "cdr-validator")
	validator["outlets"] = slices.DeleteFunc(validator["outlets"].([]any), func(o any) bool { return o.(map[string]any)["name"] == "invalid" })
	spec["streamlets"] = slices.DeleteFunc(spec["streamlets"].([]any), func(s any) bool { return s.(map[string]any)["name"] == "error-egress" })
	spec["connections"] = slices.DeleteFunc(spec["connections"].([]any), func(c any) bool { return c.(map[string]any)["from"] == "cdr-validator.invalid" })
}

// TestRetainKeepsRemovedOutlet: under Retain the topic of a removed outlet
// stays, as last applied, listed as retained with no reader.
func TestRetainKeepsRemovedOutlet(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	c.syncUntilStable(5)
	c.setParent(edit(t, example(t, cra), removeInvalidOutlet))
	resp := c.syncUntilStable(5)
	if diff := cmp.Diff(craTopics, c.topics()); diff != "" {
		t.Errorf("topics mismatch (-want +got):\n%s", diff)
	}
	var got *graph.TopicStatus
	for i, ts := range resp.Status.Topics {
		if ts.Name == cra+".cdr-validator.invalid" {
			got = &resp.Status.Topics[i]
		}
	}
	if got == nil || !got.Retained || got.Reader || !strings.Contains(got.Message, "no reader") {
		t.Errorf("retained topic status = %+v, want retained, no reader", got)
	}
}

// craWithPolicy is the seed application under a topic deletion policy.
func craWithPolicy(t *testing.T, policy string) string {
	t.Helper()
	return edit(t, example(t, cra), func(spec map[string]any) { spec["topicDeletionPolicy"] = policy })
}

// TestDeletePolicyTwoSteps: under Delete a removed outlet's topic is first
// marked sluice.dev/deletion: allowed, then left out.
func TestDeletePolicyTwoSteps(t *testing.T) {
	withDelete := craWithPolicy(t, "Delete")
	c := newCluster(t, withDelete, allComponents()...)
	c.syncUntilStable(5)
	c.setParent(edit(t, withDelete, removeInvalidOutlet))
	gone := cra + ".cdr-validator.invalid"
	c.syncTwoSteps(gone, children.AnnotationDeletion, "allowed")
	if diff := cmp.Diff([]string{gone}, c.deletedTopics); diff != "" {
		t.Errorf("deleted topics mismatch (-want +got):\n%s", diff)
	}
}

// TestReleaseUnmanaged: a port that turns managed: false is answered with
// strimzi.io/managed: "false" first, dropped once that is observed.
func TestReleaseUnmanaged(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	c.syncUntilStable(5)
	c.setParent(edit(t, example(t, cra), func(spec map[string]any) { setOutletTopic(spec, "merge", "out", map[string]any{"managed": false}) }))
	c.syncTwoSteps(cra+".merge.out", children.AnnotationStrimziManaged, "false")
}

// syncTwoSteps checks a two-step removal: the first sync answers the topic
// marked key=value, and with no other release mark (a released topic must
// not be marked for deletion, nor the reverse), the second leaves it out.
func (c *cluster) syncTwoSteps(name, key, value string) {
	c.t.Helper()
	c.sync()
	ann := c.topic(name).GetAnnotations()
	if got := ann[key]; got != value {
		c.t.Fatalf("first sync: topic %s has %s %q, want %q", name, key, got, value)
	}
	for _, other := range []string{children.AnnotationStrimziManaged, children.AnnotationDeletion} {
		if _, marked := ann[other]; marked && other != key {
			c.t.Errorf("first sync: topic %s also carries %s", name, other)
		}
	}
	c.sync()
	if slices.Contains(c.topics(), name) {
		c.t.Errorf("second sync: topic %s still has a KafkaTopic", name)
	}
}

func setOutletTopic(spec map[string]any, streamlet, outlet string, topic map[string]any) {
	for _, o := range streamletOf(spec, streamlet)["outlets"].([]any) {
		if om := o.(map[string]any); om["name"] == outlet {
			om["topic"] = topic
		}
	}
}

// streamletOf returns the named streamlet of a decoded spec, to edit it.
func streamletOf(spec map[string]any, name string) map[string]any {
	for _, s := range spec["streamlets"].([]any) {
		if m := s.(map[string]any); m["name"] == name {
			return m
		}
	}
	panic("fixture: no streamlet " + name)
}

// TestPartitionsNeverShrink: lowering partitions keeps the observed count.
func TestPartitionsNeverShrink(t *testing.T) {
	c := newCluster(t, example(t, cra), allComponents()...)
	c.syncUntilStable(5)
	c.setParent(edit(t, example(t, cra), func(spec map[string]any) {
		spec["kafka"].(map[string]any)["topicDefaults"].(map[string]any)["partitions"] = 12
	}))
	resp := c.sync()
	for _, name := range craTopics {
		if p, _, _ := unstructured.NestedInt64(c.topic(name).Object, "spec", "partitions"); p != 53 {
			t.Errorf("topic %s has %d partitions, want 53", name, p)
		}
	}
	if !strings.Contains(resp.Status.Topics[0].Message, "partitions stay at 53") {
		t.Errorf("topic message %q does not explain the kept partitions", resp.Status.Topics[0].Message)
	}
}

// TestFinalize marks every topic unmanaged, then reports finalized.
func TestFinalize(t *testing.T) {
	for _, tc := range []struct {
		policy      string
		key, value  string
		description string
	}{
		{"", children.AnnotationStrimziManaged, "false", "Retain by default"},
		{"Delete", children.AnnotationDeletion, "allowed", "Delete"},
		{"Nonsense", children.AnnotationStrimziManaged, "false", "unreadable counts as Retain"},
	} {
		t.Run(tc.description, func(t *testing.T) {
			parent := edit(t, example(t, cra), func(spec map[string]any) {
				if tc.policy != "" {
					spec["topicDeletionPolicy"] = tc.policy
				}
			})
			c := newCluster(t, example(t, cra), allComponents()...)
			c.syncUntilStable(5)
			c.setParent(parent)
			c.parent.SetDeletionTimestamp(ptr(metav1Now()))
			first := c.finalize()
			if first.Finalized {
				t.Fatal("finalized before the topics carry the mark")
			}
			c.apply(first)
			for _, name := range craTopics {
				if got := c.topic(name).GetAnnotations()[tc.key]; got != tc.value {
					t.Errorf("topic %s: %s = %q, want %q", name, tc.key, got, tc.value)
				}
			}
			if got, want := len(first.Children), 32; got != want {
				t.Errorf("finalize answered %d children, want all %d", got, want)
			}
			second := c.finalize()
			if !second.Finalized {
				t.Error("not finalized although every topic carries the mark")
			}
		})
	}
}

// TestEditSequence walks an application through its life and checks which
// topics exist after every step.
func TestEditSequence(t *testing.T) {
	seed := example(t, cra)
	addOutlet := edit(t, seed, func(spec map[string]any) {
		merge := streamletOf(spec, "merge")
		merge["outlets"] = append(merge["outlets"].([]any), map[string]any{"name": "audit", "schema": map[string]any{"format": "avro", "name": "carly.data.CallRecord"}})
	})
	renamed := edit(t, seed, func(spec map[string]any) {
		streamletOf(spec, "cdr-aggregator")["outlets"].([]any)[0].(map[string]any)["name"] = "stats"
		for _, c := range spec["connections"].([]any) {
			if m := c.(map[string]any); m["from"] == "cdr-aggregator.out" {
				m["from"] = "cdr-aggregator.stats"
			}
		}
	})
	broken := edit(t, renamed, func(spec map[string]any) { spec["streamlets"].([]any)[0].(map[string]any)["runtime"] = "storm" })
	released := edit(t, renamed, func(spec map[string]any) { setOutletTopic(spec, "merge", "out", map[string]any{"managed": false}) })

	with := func(extra ...string) []string {
		return slices.Sorted(slices.Values(append(slices.Clone(craTopics), extra...)))
	}
	without := func(names []string, drop string) []string {
		return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == drop })
	}
	steps := []struct {
		name   string
		parent string
		want   []string
	}{
		{"deploy", seed, craTopics},
		{"add an outlet", addOutlet, with(cra + ".merge.audit")},
		{"remove it (retained)", seed, with(cra + ".merge.audit")},
		{"rename an outlet (old retained)", renamed, with(cra+".merge.audit", cra+".cdr-aggregator.stats")},
		{"break the spec", broken, with(cra+".merge.audit", cra+".cdr-aggregator.stats")},
		{"fix it", renamed, with(cra+".merge.audit", cra+".cdr-aggregator.stats")},
		{"release merge.out", released, without(with(cra+".merge.audit", cra+".cdr-aggregator.stats"), cra+".merge.out")},
	}
	c := newCluster(t, seed, allComponents()...)
	for _, step := range steps {
		c.setParent(step.parent)
		c.syncUntilStable(5)
		if diff := cmp.Diff(step.want, c.topics()); diff != "" {
			t.Fatalf("after %q: topics mismatch (-want +got):\n%s", step.name, diff)
		}
	}
	if diff := cmp.Diff([]string{cra + ".merge.out"}, c.deletedTopics); diff != "" {
		t.Errorf("deleted KafkaTopics mismatch (-want +got):\n%s", diff)
	}
	// Delete the application: finalize marks what is left.
	resp := c.finalize()
	c.apply(resp)
	for _, name := range c.topics() {
		if c.topic(name).GetAnnotations()[children.AnnotationStrimziManaged] != "false" {
			t.Errorf("after delete: topic %s not released", name)
		}
	}
	if resp := c.finalize(); !resp.Finalized {
		t.Errorf("after delete: second finalize = %+v; want finalized: the garbage collector may go", resp)
	}
}

func describe(u *unstructured.Unstructured) string { return u.GetKind() + " " + u.GetName() }

// TestMetricsWithoutMonitoring: spec.metrics asks for a PodMonitor; without the
// monitoring component none is answered and the status says why.
func TestMetricsWithoutMonitoring(t *testing.T) {
	c := newCluster(t, example(t, "fraud-scoring"), "flink")
	resp := c.sync()
	if n := kindCounts(resp)[children.PodMonitorKind]; n != 0 {
		t.Errorf("%d PodMonitors answered to a controller that does not list the kind", n)
	}
	if !slices.ContainsFunc(resp.Status.Problems, func(p string) bool {
		return strings.Contains(p, "spec.metrics (scraping the streamlets) needs a PodMonitor")
	}) {
		t.Errorf("no problem about the missing PodMonitor kind in %q", resp.Status.Problems)
	}
}
