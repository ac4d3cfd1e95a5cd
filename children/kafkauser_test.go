package children

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// managedUsers turns an application's authentication into a KafkaUser per
// streamlet.
func withManagedUsers(a *graph.StreamingApplication) {
	a.Spec.Kafka.Authentication = &graph.KafkaAuthentication{Type: graph.AuthSCRAMSHA512, Managed: true}
}

// withTwoClusters adds a second Kafka cluster, "analytics" (TLS, managed
// users), and puts cdr-aggregator's outlet topic on it.
func withTwoClusters(a *graph.StreamingApplication) {
	a.Spec.KafkaClusters = []graph.KafkaCluster{{
		Name: "analytics", Cluster: "analytics-strimzi", BootstrapServers: "analytics-strimzi-kafka-bootstrap.kafka:9093",
		TLS:            &graph.KafkaTLS{CASecret: "analytics-strimzi-cluster-ca-cert"},
		Authentication: &graph.KafkaAuthentication{Type: graph.AuthTLS, Managed: true},
	}}
	for i := range a.Spec.Streamlets {
		if s := &a.Spec.Streamlets[i]; s.Name == "cdr-aggregator" {
			s.Outlets[0].Topic = &graph.TopicSpec{Cluster: "analytics"}
		}
	}
}

// acl is a short form of one ACL for the tables: "topic literal NAME Describe,Read".
func acl(typ, pattern, name string, ops ...string) string {
	return typ + " " + pattern + " " + name + " " + strings.Join(ops, ",")
}

func aclStrings(acls []KafkaACL) []string {
	var out []string
	for _, a := range acls {
		out = append(out, acl(a.Resource.Type, a.Resource.PatternType, a.Resource.Name, a.Operations...))
	}
	return out
}

// TestStreamletACLs: each streamlet's user may do exactly what its ports do.
func TestStreamletACLs(t *testing.T) {
	const cra = "call-record-aggregator"
	removeIn2 := func(a *graph.StreamingApplication) {
		for i := range a.Spec.Streamlets {
			if s := &a.Spec.Streamlets[i]; s.Name == "merge" {
				s.Inlets = slices.DeleteFunc(s.Inlets, func(p graph.Port) bool { return p.Name == "in-2" })
			}
		}
		a.Spec.Connections = slices.DeleteFunc(a.Spec.Connections, func(c graph.Connection) bool { return c.From == "cdr-ingress.out" })
	}
	tests := []struct {
		name      string
		example   string
		mods      []func(*graph.StreamingApplication)
		streamlet string
		want      []string
	}{
		{"akka: three inlets and an outlet", cra, nil, "merge", []string{
			acl("group", "literal", cra+".merge.in-0", "Read"),
			acl("group", "literal", cra+".merge.in-1", "Read"),
			acl("group", "literal", cra+".merge.in-2", "Read"),
			acl("topic", "literal", cra+".cdr-generator1.out", "Describe", "Read"),
			acl("topic", "literal", cra+".cdr-generator2.out", "Describe", "Read"),
			acl("topic", "literal", cra+".cdr-ingress.out", "Describe", "Read"),
			acl("topic", "literal", cra+".merge.out", "Describe", "Write"),
		}},
		{"spark: its own group prefix", cra, nil, "cdr-aggregator", []string{
			acl("group", "prefix", cra+".cdr-aggregator.in", "Read"),
			acl("topic", "literal", cra+".cdr-aggregator.out", "Describe", "Write"),
			acl("topic", "literal", cra+".cdr-validator.valid", "Describe", "Read"),
		}},
		{"an ingress writes only", cra, nil, "cdr-ingress", []string{
			acl("topic", "literal", cra+".cdr-ingress.out", "Describe", "Write"),
		}},
		{"an existing topic, by name", "fraud-scoring", nil, "enrich", []string{
			acl("group", "literal", "fraud-scoring.enrich.in", "Read"),
			acl("group", "literal", "fraud-scoring.enrich.users", "Read"),
			acl("topic", "literal", "fraud-scoring.enrich.out", "Describe", "Write"),
			acl("topic", "literal", "fraud-scoring.payments.out", "Describe", "Read"),
			acl("topic", "literal", "shared.users", "Describe", "Read"),
		}},
		{"a removed connection revokes", cra, []func(*graph.StreamingApplication){removeIn2}, "merge", []string{
			acl("group", "literal", cra+".merge.in-0", "Read"),
			acl("group", "literal", cra+".merge.in-1", "Read"),
			acl("topic", "literal", cra+".cdr-generator1.out", "Describe", "Read"),
			acl("topic", "literal", cra+".cdr-generator2.out", "Describe", "Read"),
			acl("topic", "literal", cra+".merge.out", "Describe", "Write"),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bp := blueprint(t, tc.example, append(tc.mods, withManagedUsers)...)
			i := slices.IndexFunc(bp.Streamlets, func(s graph.ResolvedStreamlet) bool { return s.Name == tc.streamlet })
			if i < 0 {
				t.Fatalf("no streamlet %s", tc.streamlet)
			}
			if diff := cmp.Diff(tc.want, aclStrings(StreamletACLs(&bp.Streamlets[i], ""))); diff != "" {
				t.Errorf("ACLs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestACLsFollowTheBlueprint: over every example, a topic's writer may
// write it and each of its readers (fan-out included) read it with its own
// group; nobody gets a wildcard, All, or a cluster or transactionalId grant.
func TestACLsFollowTheBlueprint(t *testing.T) {
	for _, example := range []string{"call-record-aggregator", "clickstream-sessions", "fraud-scoring"} {
		bp := blueprint(t, example, withManagedUsers)
		byStreamlet := map[string][]string{}
		for i := range bp.Streamlets {
			s := &bp.Streamlets[i]
			for _, a := range StreamletACLs(s, "") {
				if strings.Contains(a.Resource.Name, "*") || slices.Contains(a.Operations, "All") ||
					(a.Resource.Type != aclTopic && a.Resource.Type != aclGroup) {
					t.Errorf("%s/%s: ACL %+v is broader than a port", example, s.Name, a)
				}
			}
			byStreamlet[s.Name] = aclStrings(StreamletACLs(s, ""))
		}
		for _, topic := range bp.Topics {
			if topic.Streamlet != "" && !slices.Contains(byStreamlet[topic.Streamlet], acl("topic", "literal", topic.Name, "Describe", "Write")) {
				t.Errorf("%s: writer %s may not write %s", example, topic.Streamlet, topic.Name)
			}
			for _, reader := range topic.Readers {
				streamlet, _, _ := strings.Cut(reader, ".")
				if !slices.Contains(byStreamlet[streamlet], acl("topic", "literal", topic.Name, "Describe", "Read")) {
					t.Errorf("%s: reader %s may not read %s", example, reader, topic.Name)
				}
			}
		}
	}
}

// TestManagedUserWiring: with managed users, each streamlet mounts its own
// user's Secret and names it in streamlet.json, a Spark inlet gets its group
// prefix, and a streamlet waits for its user's credentials in the status.
func TestManagedUserWiring(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator", withManagedUsers)
	objs := desired(t, bp)
	users := 0
	for _, u := range objs {
		if u.GetKind() == KafkaUserKind {
			users++
			if u.GetLabels()[LabelStrimziCluster] != bp.Kafka.Cluster {
				t.Errorf("KafkaUser %s lacks strimzi.io/cluster", u.GetName())
			}
		}
	}
	if users != len(bp.Streamlets) {
		t.Errorf("%d KafkaUsers for %d streamlets", users, len(bp.Streamlets))
	}
	d := find(t, objs, DeploymentKind, "call-record-aggregator-merge")
	vols, _, _ := nestedSlice(d, "spec", "template", "spec", "volumes")
	if !slices.ContainsFunc(vols, func(v any) bool {
		m := v.(map[string]any)
		s, _ := m["secret"].(map[string]any)
		return m["name"] == graph.VolumeKafkaUser && s["secretName"] == "call-record-aggregator-merge"
	}) {
		t.Errorf("merge does not mount its own user's Secret: %v", vols)
	}
	for name, want := range map[string][]string{
		"call-record-aggregator-merge-config":          {`"username": "call-record-aggregator-merge"`},
		"call-record-aggregator-cdr-aggregator-config": {`"groupIdPrefix": "call-record-aggregator.cdr-aggregator.in"`},
	} {
		data := str(find(t, objs, ConfigMapKind, name), "data", ConfigFile)
		for _, w := range want {
			if !strings.Contains(data, w) {
				t.Errorf("%s lacks %s", name, w)
			}
		}
	}
	st := status(statusInput{blueprint: bp, kinds: allKinds, observed: Observed{}, answered: mapChildren(objs), now: statusNow})
	for _, s := range st.Streamlets {
		if !strings.Contains(s.Message, "waiting for Kafka credentials: KafkaUser call-record-aggregator-"+s.Name+" not created yet") {
			t.Errorf("streamlet %s: message %q does not wait for its credentials", s.Name, s.Message)
		}
	}
}

func nestedSlice(u interface{ UnstructuredContent() map[string]any }, path ...string) ([]any, bool, error) {
	return unstructured.NestedSlice(u.UnstructuredContent(), path...)
}

// TestTwoClusterWiring: a streamlet that uses two clusters gets a KafkaUser
// on each cluster whose users are managed, with ACLs for its ports there
// only; its pods mount both clusters' credentials; its streamlet.json names
// the other cluster's bootstrap servers and files on the port.
func TestTwoClusterWiring(t *testing.T) {
	bp := blueprint(t, "call-record-aggregator", withTwoClusters)
	objs := desired(t, bp)
	var users []string
	for _, u := range objs {
		if u.GetKind() == KafkaUserKind {
			users = append(users, u.GetName()+" "+u.GetLabels()[LabelStrimziCluster])
		}
	}
	if diff := cmp.Diff([]string{
		"call-record-aggregator-cdr-aggregator-analytics analytics-strimzi",
		"call-record-aggregator-console-egress-analytics analytics-strimzi",
	}, users); diff != "" {
		t.Errorf("KafkaUsers mismatch (-want +got):\n%s", diff)
	}
	i := slices.IndexFunc(bp.Streamlets, func(s graph.ResolvedStreamlet) bool { return s.Name == "cdr-aggregator" })
	if diff := cmp.Diff([]string{acl("topic", "literal", "call-record-aggregator.cdr-aggregator.out", "Describe", "Write")},
		aclStrings(StreamletACLs(&bp.Streamlets[i], "analytics"))); diff != "" {
		t.Errorf("analytics ACLs mismatch (-want +got):\n%s", diff)
	}
	topic := find(t, objs, KafkaTopicKind, "call-record-aggregator.cdr-aggregator.out")
	if got := topic.GetLabels()[LabelStrimziCluster]; got != "analytics-strimzi" {
		t.Errorf("the analytics topic is labelled for cluster %q", got)
	}
	data := str(find(t, objs, ConfigMapKind, "call-record-aggregator-console-egress-config"), "data", ConfigFile)
	for _, want := range []string{`"cluster": "analytics"`, `"bootstrapServers": "analytics-strimzi-kafka-bootstrap.kafka:9093"`,
		`"caFile": "/var/run/secrets/sluice/kafka-ca-analytics/ca.crt"`, `"certFile": "/var/run/secrets/sluice/kafka-user-analytics/user.crt"`} {
		if !strings.Contains(data, want) {
			t.Errorf("console-egress's streamlet.json lacks %s:\n%s", want, data)
		}
	}
}

// TestTopicStaysOnItsCluster: an edit that moves a port's topic to another
// cluster keeps the observed KafkaTopic's strimzi.io/cluster label (the
// other cluster's topic operator would make it anew, empty) and says so.
func TestTopicStaysOnItsCluster(t *testing.T) {
	const topic = "call-record-aggregator.cdr-aggregator.out"
	_, observed := healthyCluster(t, blueprint(t, "call-record-aggregator", withTwoClusters))
	bp := blueprint(t, "call-record-aggregator", withTwoClusters, func(a *graph.StreamingApplication) {
		for i := range a.Spec.Streamlets {
			if s := &a.Spec.Streamlets[i]; s.Name == "cdr-aggregator" {
				s.Outlets[0].Topic = nil // back to spec.kafka
			}
		}
	})
	res, err := Answer(Input{Blueprint: bp, Kinds: allKinds, Observed: observed, Now: statusNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := find(t, Objects(res.Children), KafkaTopicKind, topic).GetLabels()[LabelStrimziCluster]; got != "analytics-strimzi" {
		t.Errorf("the topic is answered for cluster %q, want it kept on analytics-strimzi", got)
	}
	i := slices.IndexFunc(res.Status.Topics, func(ts graph.TopicStatus) bool { return ts.Name == topic })
	if i < 0 || !strings.Contains(res.Status.Topics[i].Message, "stays on Kafka cluster analytics-strimzi") {
		t.Errorf("the status does not say the topic stays on its cluster: %+v", res.Status.Topics)
	}
}
