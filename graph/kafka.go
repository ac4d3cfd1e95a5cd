package graph

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// checkKafka checks how streamlets reach the default Kafka cluster and the
// prefix of derived names.
func checkKafka(m *merged) Problems {
	k := &m.spec.Kafka
	ps := checkKafkaAt("spec.kafka", *k)
	if p := k.TopicPrefix; p != "" {
		switch {
		case len(p) > MaxTopicPrefixLength:
			ps.add("spec.kafka.topicPrefix", ErrBadValue, "%d characters, at most %d (a derived topic name must stay within Kafka's %d)", len(p), MaxTopicPrefixLength, MaxTopicName)
		case !kafkaTopicName.MatchString(p):
			ps.add("spec.kafka.topicPrefix", ErrInvalidName, "%q: only letters, digits, '.', '_' and '-' may start a Kafka topic name", p)
		}
	}
	return ps
}

// checkKafkaAt checks one Kafka cluster's connection at path: the Strimzi
// cluster (a label value on every topic), the bootstrap servers, and the
// Secrets of TLS and authentication.
func checkKafkaAt(path string, k Kafka) Problems {
	var ps Problems
	if k.Cluster == "" {
		ps.add(path+".cluster", ErrRequired, "missing: the Strimzi Kafka cluster that holds the topics")
	} else if errs := validation.IsValidLabelValue(k.Cluster); len(errs) > 0 {
		ps.add(path+".cluster", ErrInvalidName, "%q is not a label value (label strimzi.io/cluster on every topic): %s",
			k.Cluster, strings.Join(errs, "; "))
	}
	if k.BootstrapServers == "" {
		ps.add(path+".bootstrapServers", ErrRequired, "missing: streamlets need the Kafka bootstrap servers")
	}
	if tls := k.TLS; tls != nil {
		checkRef(&ps, path+".tls.caSecret", tls.CASecret)
	}
	if auth := k.Authentication; auth != nil {
		if auth.Type != AuthSCRAMSHA512 && auth.Type != AuthTLS {
			ps.add(path+".authentication.type", ErrBadValue, "%q is not %s or %s", auth.Type, AuthSCRAMSHA512, AuthTLS)
		}
		switch {
		case auth.Managed && auth.SecretName != "":
			ps.add(path+".authentication.secretName", ErrBadValue,
				"%q given with managed: true: each streamlet gets its own KafkaUser and Secret; remove secretName, or managed to share one user", auth.SecretName)
		case !auth.Managed:
			checkRef(&ps, path+".authentication.secretName", auth.SecretName)
		}
	}
	return ps
}

// kafkaConnection is what streamlets need of spec.kafka.
func kafkaConnection(k Kafka) KafkaConnection {
	c := KafkaConnection{Cluster: k.Cluster, BootstrapServers: k.BootstrapServers, Authentication: k.Authentication}
	if k.TLS != nil {
		c.CASecret = k.TLS.CASecret
	}
	return c
}

// KafkaUserName is the name of a streamlet's KafkaUser on the default
// cluster when users are managed, and of the Secret the User Operator
// writes for it: the Kafka principal (the SCRAM user name, or the
// certificate's CN). On another cluster of spec.kafkaClusters it ends in
// "-<cluster>".
func KafkaUserName(app, streamlet string) string { return WorkloadName(app, streamlet) }

// ClusterUserName is a streamlet's KafkaUser on the cluster named cluster
// ("" the default).
func ClusterUserName(app, streamlet, cluster string) string {
	if cluster == "" {
		return KafkaUserName(app, streamlet)
	}
	return KafkaUserName(app, streamlet) + "-" + cluster
}

// UserSecret is the Secret holding a streamlet's credentials for this
// cluster (named cluster, "" the default): its own KafkaUser's when users
// are managed, else the shared one; "" without authentication.
func (c KafkaConnection) UserSecret(app, streamlet, cluster string) string {
	switch {
	case c.Authentication == nil:
		return ""
	case c.Authentication.Managed:
		return ClusterUserName(app, streamlet, cluster)
	default:
		return c.Authentication.SecretName
	}
}
