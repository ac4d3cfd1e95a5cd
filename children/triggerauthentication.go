package children

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/graph"
)

// TriggerAuthentication is the part of KEDA's TriggerAuthentication that
// Sluice writes: where KEDA's kafka scaler finds each credential.
type TriggerAuthentication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              TriggerAuthenticationSpec `json:"spec"`
}

// TriggerAuthenticationSpec maps the scaler's parameters to keys of Secrets
// and ConfigMaps.
type TriggerAuthenticationSpec struct {
	SecretTargetRef    []AuthTargetRef `json:"secretTargetRef,omitempty"`
	ConfigMapTargetRef []AuthTargetRef `json:"configMapTargetRef,omitempty"`
}

// AuthTargetRef is one parameter of the scaler read from one key.
type AuthTargetRef struct {
	Parameter string `json:"parameter"`
	Name      string `json:"name"`
	Key       string `json:"key"`
}

// The keys of the Secrets Strimzi writes: the cluster CA's certificate, and
// a KafkaUser's credentials (SCRAM: its password; TLS: its certificate and
// key). The SCRAM user name is the KafkaUser's name, in no Secret.
const (
	keyCACert       = "ca.crt"
	keyUserPassword = "password"
	keyUserCert     = "user.crt"
	keyUserKey      = "user.key"
	// keyUsername is the key of the user name in the autoscaler's
	// ConfigMap (NewAutoscalerConfigMap), by cluster.
	keyUsername = "username"
)

// needsTriggerAuthentication says whether KEDA needs credentials for a
// cluster: its CA, or a Kafka user.
func needsTriggerAuthentication(conn graph.KafkaConnection) bool {
	return conn.CASecret != "" || conn.Authentication != nil
}

// autoscalerClusters are the clusters ("" the default) an autoscaled
// streamlet's inlets read, sorted, each once.
func autoscalerClusters(s *graph.ResolvedStreamlet) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range s.Inlets {
		if !seen[w.Cluster] {
			seen[w.Cluster] = true
			out = append(out, w.Cluster)
		}
	}
	slices.Sort(out)
	return out
}

// triggerAuthClusters are the clusters of an autoscaled streamlet's inlets
// that KEDA needs credentials for: one TriggerAuthentication each.
func triggerAuthClusters(bp *graph.Blueprint, s *graph.ResolvedStreamlet) []string {
	return slices.DeleteFunc(autoscalerClusters(s), func(c string) bool { return !needsTriggerAuthentication(bp.Connection(c)) })
}

// NewTriggerAuthentication gives KEDA's kafka scaler, for the cluster an
// autoscaled streamlet's inlets read ("" the default), the very credentials
// the streamlet mounts (see streamletPod): the cluster CA's Secret and the
// streamlet's Kafka user's Secret. A SCRAM user's name is in no Secret:
// KEDA reads it from the streamlet's autoscaler ConfigMap.
func NewTriggerAuthentication(bp *graph.Blueprint, s *graph.ResolvedStreamlet, cluster string) *TriggerAuthentication {
	conn := bp.Connection(cluster)
	ta := &TriggerAuthentication{
		TypeMeta: metav1.TypeMeta{APIVersion: KEDAAPIVersion, Kind: TriggerAuthenticationKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      TriggerAuthenticationName(bp.Name, s.Name, cluster),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, ComponentAutoscaler),
		},
	}
	if conn.CASecret != "" {
		ta.Spec.SecretTargetRef = append(ta.Spec.SecretTargetRef, AuthTargetRef{Parameter: "ca", Name: conn.CASecret, Key: keyCACert})
	}
	if auth := conn.Authentication; auth != nil {
		secret := conn.UserSecret(bp.Name, s.Name, cluster)
		switch auth.Type {
		case graph.AuthTLS:
			ta.Spec.SecretTargetRef = append(ta.Spec.SecretTargetRef,
				AuthTargetRef{Parameter: "cert", Name: secret, Key: keyUserCert},
				AuthTargetRef{Parameter: "key", Name: secret, Key: keyUserKey})
		default:
			ta.Spec.SecretTargetRef = append(ta.Spec.SecretTargetRef, AuthTargetRef{Parameter: "password", Name: secret, Key: keyUserPassword})
			ta.Spec.ConfigMapTargetRef = []AuthTargetRef{{Parameter: "username", Name: AutoscalerConfigMapName(bp.Name, s.Name), Key: usernameKey(cluster)}}
		}
	}
	return ta
}

// usernameKey is the key of a cluster's user name in the autoscaler's
// ConfigMap.
func usernameKey(cluster string) string {
	if cluster == "" {
		return keyUsername
	}
	return keyUsername + "-" + cluster
}

// needsAutoscalerConfigMap says whether an autoscaled streamlet reads a
// cluster with a SCRAM user.
func needsAutoscalerConfigMap(bp *graph.Blueprint, s *graph.ResolvedStreamlet) bool {
	for _, c := range autoscalerClusters(s) {
		if auth := bp.Connection(c).Authentication; auth != nil && auth.Type == graph.AuthSCRAMSHA512 {
			return true
		}
	}
	return false
}

// NewAutoscalerConfigMap holds, for KEDA, the SCRAM user names of an
// autoscaled streamlet on each cluster its inlets read: the one credential
// Strimzi keeps in no Secret. It is not mounted: the streamlet's pods do
// not change when autoscaling is turned on or off.
func NewAutoscalerConfigMap(bp *graph.Blueprint, s *graph.ResolvedStreamlet) *corev1.ConfigMap {
	data := map[string]string{}
	for _, c := range autoscalerClusters(s) {
		conn := bp.Connection(c)
		if auth := conn.Authentication; auth != nil && auth.Type == graph.AuthSCRAMSHA512 {
			data[usernameKey(c)] = conn.UserSecret(bp.Name, s.Name, c)
		}
	}
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: ConfigMapKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      AutoscalerConfigMapName(bp.Name, s.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, ComponentAutoscaler),
		},
		Data: data,
	}
}
