package children

import (
	"cmp"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// ContainerName is the name of the streamlet's container in akka pods.
const ContainerName = "streamlet"

// NewDeployment runs an akka (plain JVM or any container) streamlet. checksum is
// its configuration's checksum: a configuration change rolls its pods. A
// suspended streamlet runs 0 pods; an autoscaled one starts with its
// starting size, and then keeps what its scaler decides (autoscale.go).
func NewDeployment(bp *graph.Blueprint, s *graph.ResolvedStreamlet, checksum string) *appsv1.Deployment {
	pod := streamletPod(bp, s)
	replicas := s.Replicas
	if s.Suspended {
		replicas = 0
	}
	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: DeploymentKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      WorkloadName(bp.Name, s.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, string(s.Runtime)),
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: Selector(bp.Name, s.Name)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels(bp, s), Annotations: podAnnotations(s, checksum)},
				Spec: corev1.PodSpec{
					ServiceAccountName: s.ServiceAccountName,
					ImagePullSecrets:   pullSecrets(bp),
					Containers: []corev1.Container{{
						Name:         ContainerName,
						Image:        s.Image,
						Env:          pod.env,
						Ports:        containerPorts(bp, s),
						Resources:    resources(s),
						VolumeMounts: pod.mounts,
					}},
					Volumes: pod.volumes,
				},
			},
		},
	}
}

// observedDeployment is what DeploymentHealth reads of an observed
// Deployment (ObservedFields reads no more of it).
type observedDeployment struct {
	observedMeta `json:"metadata"`
	Spec         struct {
		Replicas *int32 `json:"replicas"`
	} `json:"spec"`
	Status appsv1.DeploymentStatus `json:"status"`
}

// DeploymentHealth reads an akka streamlet's health from its Deployment.
// While the Deployment controller rolls out an edit (a scale, a new pod
// template) the streamlet stays Running as long as pods are ready; it is
// Degraded only when the rollout stalls past its progress deadline or pods
// are lost without a rollout, Failed when it stalls with no pod ready.
func DeploymentHealth(u *unstructured.Unstructured) Health {
	d, ok := decode[observedDeployment](u)
	if !ok {
		return unreadable(DeploymentKind, 1)
	}
	h := Health{Expected: 1, Ready: d.Status.ReadyReplicas, Phase: graph.PhasePending}
	if d.Spec.Replicas != nil {
		h.Expected = *d.Spec.Replicas
	}
	if ok, msg := caughtUp(d.Generation, d.Status.ObservedGeneration); !ok || d.Status.ObservedGeneration == 0 {
		h.Rolling, h.Message = true, cmp.Or(msg, fmt.Sprintf("generation %d not yet observed by its operator", d.Generation))
		if h.Ready > 0 {
			h.Phase = graph.PhaseRunning
			h.Message = fmt.Sprintf("rolling out: %s; %d pods ready", h.Message, h.Ready)
		}
		return h
	}
	h.Stopped = h.Expected == 0 && d.Status.Replicas == 0 && h.Ready == 0
	var progressing appsv1.DeploymentCondition
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing {
			progressing = c
		}
	}
	if progressing.Status == corev1.ConditionFalse {
		h.Phase, h.Message = graph.PhaseDegraded, progressing.Reason+": "+progressing.Message
		if h.Ready == 0 {
			h.Phase = graph.PhaseFailed
		}
		return h
	}
	// Until the new ReplicaSet is available, the Deployment is rolling out.
	rolling := progressing.Status == corev1.ConditionTrue && progressing.Reason != "NewReplicaSetAvailable"
	updated := d.Status.UpdatedReplicas
	switch {
	case h.Ready >= h.Expected && updated >= h.Expected:
		h.Phase = graph.PhaseRunning
	case h.Ready >= h.Expected:
		h.Phase, h.Rolling = graph.PhaseRunning, true
		h.Message = fmt.Sprintf("rolling out: %d of %d pods updated", updated, h.Expected)
	case h.Ready > 0 && rolling:
		h.Phase, h.Rolling = graph.PhaseRunning, true
		h.Message = fmt.Sprintf("rolling out: %d of %d pods ready, %d updated", h.Ready, h.Expected, updated)
	case h.Ready > 0:
		h.Phase, h.Message = graph.PhaseDegraded, fmt.Sprintf("%d of %d pods ready", h.Ready, h.Expected)
	default:
		h.Rolling = rolling
		h.Message = fmt.Sprintf("0 of %d pods ready", h.Expected)
	}
	return h
}
