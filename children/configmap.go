package children

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/graph"
)

// ConfigFile is the file name of a streamlet's configuration in its ConfigMap
// and under graph.ConfigDir.
const ConfigFile = "streamlet.json"

// StreamletConfig is the layout of /etc/sluice/streamlet.json, the one file
// through which a streamlet learns its ports, topics, Kafka connection,
// parameters and state location. Its JSON is canonical (maps sorted by key),
// so its checksum changes only when its content does.
type StreamletConfig struct {
	Application string          `json:"application"`
	Namespace   string          `json:"namespace,omitempty"`
	Streamlet   string          `json:"streamlet"`
	Runtime     graph.Runtime   `json:"runtime"`
	Kafka       KafkaConfig     `json:"kafka"`
	Inlets      map[string]Port `json:"inlets"`
	Outlets     map[string]Port `json:"outlets"`
	// Parameters holds every declared parameter's final value: numbers and
	// booleans as JSON numbers and booleans, the rest (strings, durations,
	// memory sizes) as strings exactly as written.
	Parameters map[string]any `json:"parameters"`
	// State is the streamlet's checkpoint/state directory; absent when the
	// streamlet restarts stateless.
	State    string `json:"state,omitempty"`
	Endpoint *int32 `json:"endpointPort,omitempty"`
}

// KafkaConfig is how a streamlet reaches Kafka.
type KafkaConfig struct {
	BootstrapServers string `json:"bootstrapServers"`
	// CAFile is the PEM cluster CA certificate when Kafka uses TLS.
	CAFile         string      `json:"caFile,omitempty"`
	Authentication *KafkaLogin `json:"authentication,omitempty"`
}

// KafkaLogin is the Kafka user's credentials, as files from its Secret.
type KafkaLogin struct {
	Type string `json:"type"`
	// Username is the Strimzi KafkaUser's name (its Secret's name): the
	// streamlet's own when users are managed.
	Username string `json:"username"`
	// PasswordFile is set for scram-sha-512.
	PasswordFile string `json:"passwordFile,omitempty"`
	// CertFile and KeyFile are set for tls.
	CertFile string `json:"certFile,omitempty"`
	KeyFile  string `json:"keyFile,omitempty"`
}

// Port is one inlet or outlet in the configuration file.
type Port struct {
	Topic string `json:"topic"`
	// ConsumerGroup is set on inlets.
	ConsumerGroup string `json:"consumerGroup,omitempty"`
	// GroupIDPrefix is set on a Spark streamlet's inlets when Kafka users
	// are managed: the Kafka source's groupIdPrefix option, the only groups
	// its user may read.
	GroupIDPrefix string       `json:"groupIdPrefix,omitempty"`
	Schema        graph.Schema `json:"schema"`
	// Cluster and Kafka are set on a port whose topic lives on another
	// cluster than spec.kafka (spec.kafkaClusters): how to reach that one.
	Cluster string       `json:"cluster,omitempty"`
	Kafka   *KafkaConfig `json:"kafka,omitempty"`
}

// Config returns the content of a streamlet's configuration file.
func Config(bp *graph.Blueprint, s *graph.ResolvedStreamlet) StreamletConfig {
	c := StreamletConfig{
		Application: bp.Name, Namespace: bp.Namespace, Streamlet: s.Name, Runtime: s.Runtime,
		Kafka:      KafkaConfig{BootstrapServers: bp.Kafka.BootstrapServers},
		Inlets:     map[string]Port{},
		Outlets:    map[string]Port{},
		Parameters: map[string]any{},
		State:      s.State,
	}
	c.Kafka = *kafkaConfig(bp, s, "")
	for _, w := range s.Inlets {
		p := Port{Topic: w.Topic, ConsumerGroup: w.ConsumerGroup, Schema: w.Schema, Cluster: w.Cluster}
		if w.Cluster != "" {
			p.Kafka = kafkaConfig(bp, s, w.Cluster)
		}
		if auth := bp.Connection(w.Cluster).Authentication; auth != nil && auth.Managed && s.Runtime == graph.Spark {
			// Spark names its own consumer groups; its user may read those of
			// this prefix only (see StreamletACLs).
			p.GroupIDPrefix = w.ConsumerGroup
		}
		c.Inlets[w.Port] = p
	}
	for _, w := range s.Outlets {
		p := Port{Topic: w.Topic, Schema: w.Schema, Cluster: w.Cluster}
		if w.Cluster != "" {
			p.Kafka = kafkaConfig(bp, s, w.Cluster)
		}
		c.Outlets[w.Port] = p
	}
	for _, p := range s.Parameters {
		c.Parameters[p.Key] = parameterValue(p)
	}
	if s.Endpoint != nil {
		c.Endpoint = &s.Endpoint.ContainerPort
	}
	return c
}

// kafkaConfig is how a streamlet reaches the cluster named cluster ("" the
// default): its bootstrap servers and the files of the credentials its pods
// mount (see streamletPod).
func kafkaConfig(bp *graph.Blueprint, s *graph.ResolvedStreamlet, cluster string) *KafkaConfig {
	conn := bp.Connection(cluster)
	c := &KafkaConfig{BootstrapServers: conn.BootstrapServers}
	caDir, userDir := kafkaDirs(cluster)
	if conn.CASecret != "" {
		c.CAFile = caDir + "/ca.crt"
	}
	if auth := conn.Authentication; auth != nil {
		login := &KafkaLogin{Type: auth.Type, Username: conn.UserSecret(bp.Name, s.Name, cluster)}
		if auth.Type == graph.AuthTLS {
			login.CertFile, login.KeyFile = userDir+"/user.crt", userDir+"/user.key"
		} else {
			login.PasswordFile = userDir + "/password"
		}
		c.Authentication = login
	}
	return c
}

// parameterValue types a validated parameter for JSON.
func parameterValue(p graph.Parameter) any {
	text := p.Value.String()
	switch p.Type {
	case graph.TypeInt32, graph.TypeInt64, graph.TypeDouble:
		return jsonv1.Number(text)
	case graph.TypeBool:
		return text == "true"
	default:
		return text
	}
}

// NewConfigMap returns a streamlet's configuration ConfigMap and the checksum of
// its content for the workload's pod template.
func NewConfigMap(bp *graph.Blueprint, s *graph.ResolvedStreamlet) (*corev1.ConfigMap, string, error) {
	// As encoding/json's MarshalIndent writes it, on the JSON v2 encoder
	// (1.9 times as fast); the goldens hold the bytes.
	content, err := jsonv2.Marshal(Config(bp, s), jsonv1.DefaultOptionsV1(), jsontext.WithIndent("  "))
	if err != nil {
		return nil, "", fmt.Errorf("configuration of streamlet %s: %w", s.Name, err)
	}
	sum := sha256.Sum256(content)
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: ConfigMapKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      ConfigMapName(bp.Name, s.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, ComponentConfig),
		},
		Data: map[string]string{ConfigFile: string(content) + "\n"},
	}, hex.EncodeToString(sum[:]), nil
}
