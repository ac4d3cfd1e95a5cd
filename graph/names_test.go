package graph

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// TestTopicObjectName pins the names of KafkaTopics: a versioned contract,
// since a changed name makes a second KafkaTopic for the same Kafka topic.
func TestTopicObjectName(t *testing.T) {
	long := strings.Repeat("Ab_", 83) // 249 characters, Kafka's limit: cut to 244, then the hash
	tests := []struct {
		topic, want string
	}{
		{"shop.ingress.out", "shop.ingress.out"},
		{"shared.users", "shared.users"},
		{"Agg_Stats", "agg-stats-6c31297c"},
		{"agg_stats", "agg-stats-753a5e43"},
		{"AGG.STATS", "agg.stats-7992796a"},
		{"_internal.-x_", "internal.x-e8f88cce"},
		{"a..b", "a.b-f62b4241"},
		{"___", "topic-bda25155"},
		{long, strings.Repeat("ab-", 81) + "a-5d5878bc"},
	}
	for _, tc := range tests {
		got := TopicObjectName(tc.topic)
		if got != tc.want {
			t.Errorf("TopicObjectName(%q) = %q, want %q", tc.topic, got, tc.want)
		}
		if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
			t.Errorf("TopicObjectName(%q) = %q is not an object name: %v", tc.topic, got, errs)
		}
		if again := TopicObjectName(tc.topic); again != got {
			t.Errorf("TopicObjectName(%q) is not stable: %q, then %q", tc.topic, got, again)
		}
	}
}

// TestCapsMatchKubernetes: the caps written as numbers (untyped, so that the
// CRD tests compare them with any integer) are Kubernetes' own limits.
func TestCapsMatchKubernetes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"MaxNameLength", MaxNameLength, validation.DNS1035LabelMaxLength},
		{"MaxWorkloadName", MaxWorkloadName, validation.DNS1035LabelMaxLength},
		{"MaxObjectNameLength", MaxObjectNameLength, validation.DNS1123SubdomainMaxLength},
		{"MaxLabelValueLength", MaxLabelValueLength, validation.LabelValueMaxLength},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, Kubernetes allows %d", c.name, c.got, c.want)
		}
	}
}

// TestTopicPrefix: spec.kafka.topicPrefix starts every derived topic and
// consumer group name, and leaves explicit topic names alone.
func TestTopicPrefix(t *testing.T) {
	app := base()
	app.Spec.Kafka.TopicPrefix = "team-a."
	bp, problems := Resolve(app)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, topic := range bp.Topics {
		if topic.Managed && topic.Outlet != "" && !strings.HasPrefix(topic.Name, "team-a."+bp.Name+".") {
			t.Errorf("topic %s lacks the prefix", topic.Name)
		}
	}
	for _, s := range bp.Streamlets {
		for _, in := range s.Inlets {
			if !strings.HasPrefix(in.ConsumerGroup, "team-a."+bp.Name+"."+s.Name+".") {
				t.Errorf("consumer group %s lacks the prefix", in.ConsumerGroup)
			}
		}
	}
}
