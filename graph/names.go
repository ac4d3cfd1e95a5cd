package graph

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Length caps that derived names impose. The CRD carries the same caps as
// CEL rules, so the API server refuses what this package refuses.
const (
	// MaxNameLength caps application, streamlet and port names: each is a
	// label value (sluice.dev/app, sluice.dev/streamlet, sluice.dev/outlet).
	MaxNameLength = validation.DNS1035LabelMaxLength
	// MaxWorkloadName caps "<app>-<streamlet>", a Service name and the value
	// of app.kubernetes.io/instance.
	MaxWorkloadName = validation.DNS1035LabelMaxLength
	// MaxFlinkName caps a FlinkDeployment's name: the Flink operator refuses
	// longer ones because it derives further names from it.
	MaxFlinkName = 45
	// MaxSparkName caps a SparkApplication's name: the Spark operator appends
	// "-ui-svc" to make the UI Service's DNS-1035 name.
	MaxSparkName = validation.DNS1035LabelMaxLength - len("-ui-svc")
	// MaxTopicName is Kafka's limit on topic names.
	MaxTopicName = 249
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

// checkLabelName reports why name is not a DNS-1035 label (lower-case
// letters, digits and '-', starting with a letter), or nil.
func checkLabelName(name string) error {
	if name == "" {
		return ErrRequired
	}
	if errs := validation.IsDNS1035Label(name); len(errs) > 0 {
		return fmt.Errorf("%w %q: %s", ErrInvalidName, name, strings.Join(errs, "; "))
	}
	return nil
}

// checkObjectName reports why name is not a valid name of another object
// (Secret, ConfigMap, PVC, ServiceAccount), or nil.
func checkObjectName(name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Errorf("%w %q: %s", ErrInvalidName, name, strings.Join(errs, "; "))
	}
	return nil
}

// checkTopicName reports why name cannot be a Kafka topic, or nil.
func checkTopicName(name string) error {
	switch {
	case len(name) > MaxTopicName:
		return fmt.Errorf("%w: topic %q has %d characters, Kafka allows %d", ErrNameTooLong, name, len(name), MaxTopicName)
	case !kafkaTopicName.MatchString(name) || name == "." || name == "..":
		return fmt.Errorf("%w: topic %q: Kafka allows only letters, digits, '.', '_' and '-'", ErrInvalidName, name)
	}
	return nil
}

// topicObjectName is the KafkaTopic's metadata.name: the topic name itself
// when Kubernetes accepts it, else the outlet's default topic name.
func topicObjectName(topic, app, streamlet, outlet string) string {
	if len(validation.IsDNS1123Subdomain(topic)) == 0 {
		return topic
	}
	return TopicName(app, streamlet, outlet)
}
