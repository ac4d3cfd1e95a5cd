package children

import (
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// ScaledObjectKind and TriggerAuthenticationKind are KEDA's kinds (the keda
// component), KEDAAPIVersion the apiVersion of both.
const (
	ScaledObjectKind          = "ScaledObject"
	TriggerAuthenticationKind = "TriggerAuthentication"
	KEDAAPIVersion            = "keda.sh/v1alpha1"
)

// ComponentAutoscaler is the app.kubernetes.io/component of the children
// that let KEDA scale a streamlet.
const ComponentAutoscaler = "autoscaler"

// AnnotationPausedReplicas on a ScaledObject makes KEDA scale its target to
// the annotation's value and stop scaling it: how a suspended autoscaled
// streamlet stays at 0 replicas.
const AnnotationPausedReplicas = "autoscaling.keda.sh/paused-replicas"

// ScaledObject is the part of KEDA's ScaledObject that Sluice writes.
type ScaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ScaledObjectSpec `json:"spec"`
}

// ScaledObjectSpec scales one Deployment between two counts on triggers.
type ScaledObjectSpec struct {
	ScaleTargetRef  ScaleTargetRef `json:"scaleTargetRef"`
	MinReplicaCount int32          `json:"minReplicaCount"`
	MaxReplicaCount int32          `json:"maxReplicaCount"`
	Triggers        []ScaleTrigger `json:"triggers"`
}

// ScaleTargetRef names the scaled Deployment.
type ScaleTargetRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// ScaleTrigger is one of KEDA's scalers with its metadata (strings only, as
// KEDA's schema has them) and the TriggerAuthentication of its secrets.
type ScaleTrigger struct {
	Type              string             `json:"type"`
	Name              string             `json:"name"`
	Metadata          map[string]string  `json:"metadata"`
	AuthenticationRef *AuthenticationRef `json:"authenticationRef,omitempty"`
}

// AuthenticationRef names a TriggerAuthentication.
type AuthenticationRef struct {
	Name string `json:"name"`
}

// KEDA's kafka scaler's metadata and values, from its documentation.
const (
	kedaKafka        = "kafka"
	kedaTLSEnable    = "enable"
	kedaSASLSCRAM512 = "scram_sha512"
)

// NewScaledObject scales an autoscaled akka streamlet's Deployment on the
// consumer lag of its inlets: one kafka trigger per inlet, on the inlet's
// topic and consumer group, through the Kafka cluster the inlet reads, with
// the credentials the streamlet itself mounts (NewTriggerAuthentication).
// KEDA takes the largest count any trigger asks for and, by default, no
// more than the partitions of the trigger's topic. A suspended streamlet's
// ScaledObject is paused at 0 replicas, so that KEDA does not bring it back.
func NewScaledObject(bp *graph.Blueprint, s *graph.ResolvedStreamlet) *ScaledObject {
	a := s.Autoscaling
	so := &ScaledObject{
		TypeMeta: metav1.TypeMeta{APIVersion: KEDAAPIVersion, Kind: ScaledObjectKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      ScaledObjectName(bp.Name, s.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, ComponentAutoscaler),
		},
		Spec: ScaledObjectSpec{
			ScaleTargetRef:  ScaleTargetRef{APIVersion: "apps/v1", Kind: DeploymentKind, Name: WorkloadName(bp.Name, s.Name)},
			MinReplicaCount: a.MinReplicas,
			MaxReplicaCount: a.MaxReplicas,
		},
	}
	if s.Suspended {
		so.Annotations = map[string]string{AnnotationPausedReplicas: "0"}
	}
	for _, w := range s.Inlets {
		conn := bp.Connection(w.Cluster)
		md := map[string]string{
			"bootstrapServers":       conn.BootstrapServers,
			"consumerGroup":          w.ConsumerGroup,
			"topic":                  w.Topic,
			"lagThreshold":           strconv.FormatInt(a.LagThreshold, 10),
			"activationLagThreshold": strconv.FormatInt(a.ActivationLagThreshold, 10),
		}
		if conn.CASecret != "" || (conn.Authentication != nil && conn.Authentication.Type == graph.AuthTLS) {
			md["tls"] = kedaTLSEnable
		}
		if auth := conn.Authentication; auth != nil && auth.Type == graph.AuthSCRAMSHA512 {
			md["sasl"] = kedaSASLSCRAM512
		}
		t := ScaleTrigger{Type: kedaKafka, Name: w.Port, Metadata: md}
		if needsTriggerAuthentication(conn) {
			t.AuthenticationRef = &AuthenticationRef{Name: TriggerAuthenticationName(bp.Name, s.Name, w.Cluster)}
		}
		so.Spec.Triggers = append(so.Spec.Triggers, t)
	}
	return so
}

// ScaledObjectStatus is the part of KEDA's ScaledObject status Sluice reads.
type ScaledObjectStatus struct {
	Conditions []Condition `json:"conditions"`
}

// ScaledObjectHealth reads what KEDA says of a streamlet's ScaledObject:
// its Ready and Active conditions ("Unknown" before KEDA wrote them) and,
// when it is not Ready, why.
func ScaledObjectHealth(u *unstructured.Unstructured) (ready, active, message string) {
	so, ok := decode[struct {
		Status ScaledObjectStatus `json:"status"`
	}](u)
	if !ok {
		return "Unknown", "Unknown", "ScaledObject " + u.GetName() + " status unreadable"
	}
	r, a := condition(so.Status.Conditions, "Ready"), condition(so.Status.Conditions, "Active")
	ready, active = statusOrUnknown(r.Status), statusOrUnknown(a.Status)
	switch {
	case len(so.Status.Conditions) == 0:
		message = "ScaledObject " + u.GetName() + " has no status from KEDA yet (is KEDA installed and running?)"
	case ready != "True":
		message = "KEDA cannot scale it: " + joinMessages(r.Reason, r.Message)
	}
	return ready, active, message
}

func statusOrUnknown(s string) string {
	if s == "" {
		return "Unknown"
	}
	return s
}
