package children

import (
	"cmp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// KafkaUserKind is Strimzi's user kind (the kafka-users component); its
// apiVersion comes from the CompositeController.
const KafkaUserKind = "KafkaUser"

// KafkaUser is the part of Strimzi's KafkaUser that Sluice writes.
type KafkaUser struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              KafkaUserSpec `json:"spec"`
}

// KafkaUserSpec is a user's authentication and its simple-authorizer ACLs.
type KafkaUserSpec struct {
	Authentication KafkaUserAuthentication `json:"authentication"`
	Authorization  KafkaUserAuthorization  `json:"authorization"`
}

// KafkaUserAuthentication is scram-sha-512 or tls.
type KafkaUserAuthentication struct {
	Type string `json:"type"`
}

// KafkaUserAuthorization is Kafka's simple authorizer with allow ACLs.
type KafkaUserAuthorization struct {
	Type string     `json:"type"`
	ACLs []KafkaACL `json:"acls"`
}

// KafkaACL allows operations on one resource.
type KafkaACL struct {
	Resource   KafkaACLResource `json:"resource"`
	Operations []string         `json:"operations"`
}

// KafkaACLResource is a topic or a consumer group, by literal name or by
// prefix.
type KafkaACLResource struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	PatternType string `json:"patternType"`
}

// ACL resource types and pattern types Sluice grants.
const (
	aclTopic   = "topic"
	aclGroup   = "group"
	aclLiteral = "literal"
	aclPrefix  = "prefix"
)

// NewKafkaUser is a streamlet's own Kafka identity on the cluster named
// cluster ("" the default) when that cluster's users are managed: it may
// read and describe each inlet's topic there and read that inlet's consumer
// group, write and describe each outlet's topic there, and nothing else — no
// wildcard, no All, no cluster operation. Idempotent producers need no more
// than Write on their topics (Kafka 3.0 and later, KIP-679). A Spark
// streamlet keeps its offsets in its checkpoint and names its own consumer
// groups from the prefix streamlet.json gives it (groupIdPrefix, the inlet's
// consumer group), so it reads the groups of that prefix.
func NewKafkaUser(bp *graph.Blueprint, s *graph.ResolvedStreamlet, cluster, apiVersion string) *KafkaUser {
	conn := bp.Connection(cluster)
	return &KafkaUser{
		TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: KafkaUserKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      graph.ClusterUserName(bp.Name, s.Name, cluster),
			Namespace: bp.Namespace,
			Labels:    withStrimziCluster(Labels(bp.Name, s.Name, ComponentKafkaUser), conn.Cluster),
		},
		Spec: KafkaUserSpec{
			Authentication: KafkaUserAuthentication{Type: conn.Authentication.Type},
			Authorization:  KafkaUserAuthorization{Type: "simple", ACLs: StreamletACLs(s, cluster)},
		},
	}
}

// managedUsers are the clusters ("" the default) on which a streamlet gets
// a KafkaUser of its own: the default cluster when its users are managed,
// and each other cluster its ports use whose users are.
func managedUsers(bp *graph.Blueprint, s *graph.ResolvedStreamlet) []string {
	var out []string
	for _, cluster := range append([]string{""}, s.Clusters()...) {
		if auth := bp.Connection(cluster).Authentication; auth != nil && auth.Managed {
			out = append(out, cluster)
		}
	}
	return out
}

// StreamletACLs are the ACLs of a streamlet's Kafka user on one cluster
// ("" the default), sorted by resource type, name and pattern.
func StreamletACLs(s *graph.ResolvedStreamlet, cluster string) []KafkaACL {
	acls := map[KafkaACLResource][]string{}
	grant := func(r KafkaACLResource, ops ...string) {
		acls[r] = append(acls[r], ops...)
	}
	for _, w := range s.Inlets {
		if w.Cluster != cluster {
			continue
		}
		grant(KafkaACLResource{Type: aclTopic, Name: w.Topic, PatternType: aclLiteral}, "Read", "Describe")
		group := KafkaACLResource{Type: aclGroup, Name: w.ConsumerGroup, PatternType: aclLiteral}
		if s.Runtime == graph.Spark {
			group.PatternType = aclPrefix
		}
		grant(group, "Read")
	}
	for _, w := range s.Outlets {
		if w.Cluster == cluster {
			grant(KafkaACLResource{Type: aclTopic, Name: w.Topic, PatternType: aclLiteral}, "Write", "Describe")
		}
	}
	out := make([]KafkaACL, 0, len(acls))
	for r, ops := range acls {
		slices.Sort(ops)
		out = append(out, KafkaACL{Resource: r, Operations: slices.Compact(ops)})
	}
	slices.SortFunc(out, func(a, b KafkaACL) int {
		return cmp.Or(strings.Compare(a.Resource.Type, b.Resource.Type), strings.Compare(a.Resource.Name, b.Resource.Name),
			strings.Compare(a.Resource.PatternType, b.Resource.PatternType))
	})
	return out
}

// withStrimziCluster adds the label Strimzi's operators select their
// resources by.
func withStrimziCluster(labels map[string]string, cluster string) map[string]string {
	labels[LabelStrimziCluster] = cluster
	return labels
}

// KafkaUserStatus is the part of Strimzi's KafkaUser status Sluice reads.
type KafkaUserStatus struct {
	ObservedGeneration int64       `json:"observedGeneration"`
	Conditions         []Condition `json:"conditions"`
}

// KafkaUserHealth says whether a streamlet's Kafka credentials are there:
// "" once the User Operator reports the user Ready, else why the streamlet
// waits for them.
func KafkaUserHealth(u *unstructured.Unstructured) string {
	ku, ok := decode[struct {
		observedMeta `json:"metadata"`
		Status       *KafkaUserStatus `json:"status"`
	}](u)
	switch {
	case !ok:
		return "waiting for Kafka credentials: KafkaUser " + u.GetName() + " status unreadable"
	case ku.Status == nil:
		return "waiting for Kafka credentials: KafkaUser " + u.GetName() + " has no status from Strimzi's User Operator (does it watch namespace " + u.GetNamespace() + "?)"
	}
	if ok, msg := caughtUp(ku.Generation, ku.Status.ObservedGeneration); !ok {
		return "waiting for Kafka credentials: KafkaUser " + u.GetName() + ": " + msg
	}
	ready := condition(ku.Status.Conditions, "Ready")
	if ready.Status == "True" {
		return ""
	}
	return strings.TrimSuffix("waiting for Kafka credentials: KafkaUser "+u.GetName()+": "+strings.TrimPrefix(ready.Reason+": "+ready.Message, ": "), ": ")
}
