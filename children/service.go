package children

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sluice-dev/sluice/graph"
)

// NewService exposes a streamlet's HTTP endpoint inside the cluster on its
// container port. Only streamlets with an endpoint have one.
func NewService(bp *graph.Blueprint, s *graph.ResolvedStreamlet) *corev1.Service {
	return &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: ServiceKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      WorkloadName(bp.Name, s.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, ComponentService),
		},
		Spec: corev1.ServiceSpec{
			Selector: Selector(bp.Name, s.Name),
			Ports: []corev1.ServicePort{{
				Name:       portHTTP,
				Port:       s.Endpoint.ContainerPort,
				TargetPort: intstr.FromString(portHTTP),
				Protocol:   corev1.ProtocolTCP,
			}},
		},
	}
}

// EndpointURL is the in-cluster URL of a streamlet's endpoint.
func EndpointURL(bp *graph.Blueprint, s *graph.ResolvedStreamlet) string {
	return "http://" + WorkloadName(bp.Name, s.Name) + "." + bp.Namespace + ".svc:" + strconv.Itoa(int(s.Endpoint.ContainerPort))
}
