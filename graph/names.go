package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// kafkaTopicName is Kafka's alphabet for topic names.
var kafkaTopicName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// TopicName is the default topic of an outlet: <app>.<streamlet>.<outlet>.
// Names are a versioned contract: changing this recreates every topic.
func TopicName(app, streamlet, outlet string) string {
	return app + "." + streamlet + "." + outlet
}

// ConsumerGroup is the consumer group of an inlet: <app>.<streamlet>.<inlet>.
func ConsumerGroup(app, streamlet, inlet string) string {
	return app + "." + streamlet + "." + inlet
}

// WorkloadName is the name of a streamlet's Deployment, SparkApplication,
// FlinkDeployment and Service: <app>-<streamlet>.
func WorkloadName(app, streamlet string) string {
	return app + "-" + streamlet
}

// topicHashLength is how many hex digits of the SHA-256 of a topic name a
// derived KafkaTopic name carries.
const topicHashLength = 8

// TopicObjectName is the metadata.name of the KafkaTopic of the Kafka topic
// named topic. It is part of the versioned naming contract, pinned by golden
// files and tests, and a function of the topic name alone: a KafkaTopic
// keeps its name as long as it stands for the same topic (Strimzi refuses a
// change of spec.topicName, so a new topic name must be a new object), and
// renaming the outlet that writes a topic never makes a second KafkaTopic for
// it.
//
// A topic name that is a valid object name (a DNS-1123 subdomain) is its own
// object name. Any other (uppercase, '_') becomes a readable form plus a hash
// that tells apart the names that read alike: lower-cased, every character
// outside [a-z0-9.-] turned into '-', each dot-separated part trimmed of '-'
// at both ends and empty parts dropped, cut to leave room for the hash, then
// "-" and the first 8 hex digits of the SHA-256 of the exact topic name:
// "Agg_Stats" becomes "agg-stats-" followed by 8 hex digits. A name with
// nothing readable left becomes "topic-" and the hash.
func TopicObjectName(topic string) string {
	if len(validation.IsDNS1123Subdomain(topic)) == 0 {
		return topic
	}
	sum := sha256.Sum256([]byte(topic))
	hash := hex.EncodeToString(sum[:])[:topicHashLength]
	var b strings.Builder
	for _, c := range strings.ToLower(topic) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	var parts []string
	for part := range strings.SplitSeq(b.String(), ".") {
		if part = strings.Trim(part, "-"); part != "" {
			parts = append(parts, part)
		}
	}
	readable := strings.Join(parts, ".")
	if limit := validation.DNS1123SubdomainMaxLength - len("-") - topicHashLength; len(readable) > limit {
		readable = strings.TrimRight(readable[:limit], "-.")
	}
	if readable == "" {
		readable = "topic"
	}
	return readable + "-" + hash
}

// checkNames checks the names of the application and its streamlets: each
// a DNS-1035 label, every streamlet's declared once, and the names derived
// from them within their caps.
func checkNames(m *merged) Problems {
	var ps Problems
	if err := checkLabelName(m.name); err != nil {
		ps.addErr("metadata.name", err)
	}
	if len(m.spec.Streamlets) == 0 {
		ps.add("spec.streamlets", ErrRequired, "missing: an application has at least one streamlet")
	}
	for _, s := range m.streamlets {
		if err := checkLabelName(s.Name); err != nil {
			ps.addErr(s.path+".name", err)
		}
		if s.repeat {
			ps.add(s.path, ErrDuplicate, "streamlet %q is declared twice", s.Name)
			continue
		}
		checkWorkloadName(&ps, m.name, &s)
	}
	return ps
}

// checkWorkloadName checks the length of "<app>-<streamlet>" against the cap
// of the names derived from it.
func checkWorkloadName(ps *Problems, app string, s *mergedStreamlet) {
	name := WorkloadName(app, s.Name)
	limit, why := MaxWorkloadName, "a Service name and label value"
	switch s.Runtime {
	case Flink:
		limit, why = MaxFlinkName, "the Flink operator's limit on FlinkDeployment names"
	case Spark:
		limit, why = MaxSparkName, "the Spark operator adds -ui-svc to make a Service name"
	}
	if len(name) > limit {
		ps.add(s.path+".name", ErrNameTooLong, "%q has %d characters, at most %d (%s); shorten the application or streamlet name",
			name, len(name), limit, why)
	}
}

// checkLabelName reports why name is not a DNS-1035 label (lower-case
// letters, digits and '-', starting with a letter), or nil.
func checkLabelName(name string) error {
	if name == "" {
		return reasonf(ErrRequired, "missing")
	}
	if errs := validation.IsDNS1035Label(name); len(errs) > 0 {
		return reasonf(ErrInvalidName, "%q is not a valid name: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

// checkObjectName reports why name is not a valid name of another object
// (Secret, ConfigMap, PVC, ServiceAccount), or nil.
func checkObjectName(name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return reasonf(ErrInvalidName, "%q is not a valid name: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

// checkTopicName reports why name cannot be a Kafka topic, or nil.
func checkTopicName(name string) error {
	switch {
	case len(name) > MaxTopicName:
		return reasonf(ErrNameTooLong, "topic %q has %d characters, Kafka allows %d", name, len(name), MaxTopicName)
	case !kafkaTopicName.MatchString(name) || name == "." || name == "..":
		return reasonf(ErrInvalidName, "topic %q is not a name Kafka allows: only letters, digits, '.', '_' and '-', and not . or ..", name)
	}
	return nil
}

// checkRef checks the name of another object (Secret, ConfigMap, PVC,
// service account) that a field refers to.
func checkRef(ps *Problems, path, name string) {
	if name == "" {
		ps.add(path, ErrRequired, "missing")
		return
	}
	if err := checkObjectName(name); err != nil {
		ps.addErr(path, err)
	}
}
