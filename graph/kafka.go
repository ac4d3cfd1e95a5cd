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
	if tls := k.TLS; tls != nil {
		checkRef(&ps, "spec.kafka.tls.caSecret", tls.CASecret)
	}
	if auth := k.Authentication; auth != nil {
		if auth.Type != AuthSCRAMSHA512 && auth.Type != AuthTLS {
			ps.add("spec.kafka.authentication.type", ErrBadValue, "%q is not %s or %s", auth.Type, AuthSCRAMSHA512, AuthTLS)
		}
		checkRef(&ps, "spec.kafka.authentication.secretName", auth.SecretName)
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
