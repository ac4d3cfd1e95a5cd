package graph

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// checkKafka checks how streamlets reach Kafka: the Strimzi cluster (a label
// value on every topic), the bootstrap servers, and the Secrets of TLS and
// authentication.
func checkKafka(m *merged) Problems {
	var ps Problems
	k := &m.spec.Kafka
	if k.Cluster == "" {
		ps.add("spec.kafka.cluster", ErrRequired, "missing: the Strimzi Kafka cluster that holds the topics")
	} else if errs := validation.IsValidLabelValue(k.Cluster); len(errs) > 0 {
		ps.add("spec.kafka.cluster", ErrInvalidName, "%q is not a label value (label strimzi.io/cluster on every topic): %s",
			k.Cluster, strings.Join(errs, "; "))
	}
	if k.BootstrapServers == "" {
		ps.add("spec.kafka.bootstrapServers", ErrRequired, "missing: streamlets need the Kafka bootstrap servers")
	}
	if p := k.TopicPrefix; p != "" {
		switch {
		case len(p) > MaxTopicPrefixLength:
			ps.add("spec.kafka.topicPrefix", ErrBadValue, "%d characters, at most %d (a derived topic name must stay within Kafka's %d)", len(p), MaxTopicPrefixLength, MaxTopicName)
		case !kafkaTopicName.MatchString(p):
			ps.add("spec.kafka.topicPrefix", ErrInvalidName, "%q: only letters, digits, '.', '_' and '-' may start a Kafka topic name", p)
		}
	}
	if tls := k.TLS; tls != nil {
		checkRef(&ps, "spec.kafka.tls.caSecret", tls.CASecret)
	}
	if auth := k.Authentication; auth != nil {
		if auth.Type != AuthSCRAMSHA512 && auth.Type != AuthTLS {
			ps.add("spec.kafka.authentication.type", ErrBadValue, "%q is not %s or %s", auth.Type, AuthSCRAMSHA512, AuthTLS)
		}
		switch {
		case auth.Managed && auth.SecretName != "":
			ps.add("spec.kafka.authentication.secretName", ErrBadValue,
				"%q given with managed: true: each streamlet gets its own KafkaUser and Secret; remove secretName, or managed to share one user", auth.SecretName)
		case !auth.Managed:
			checkRef(&ps, "spec.kafka.authentication.secretName", auth.SecretName)
		}
	}
	return ps
}

// KafkaUserName is the name of a streamlet's KafkaUser when users are
// managed, and of the Secret the User Operator writes for it: the Kafka
// principal (the SCRAM user name, or the certificate's CN).
func KafkaUserName(app, streamlet string) string { return WorkloadName(app, streamlet) }

// UserSecret is the Secret holding a streamlet's Kafka credentials: its own
// KafkaUser's when users are managed, else the shared one; "" without
// authentication.
func (c KafkaConnection) UserSecret(app, streamlet string) string {
	switch {
	case c.Authentication == nil:
		return ""
	case c.Authentication.Managed:
		return KafkaUserName(app, streamlet)
	default:
		return c.Authentication.SecretName
	}
}

// kafkaConnection is what streamlets need of spec.kafka.
func kafkaConnection(k Kafka) KafkaConnection {
	c := KafkaConnection{Cluster: k.Cluster, BootstrapServers: k.BootstrapServers, Authentication: k.Authentication}
	if k.TLS != nil {
		c.CASecret = k.TLS.CASecret
	}
	return c
}
