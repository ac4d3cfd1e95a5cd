package children

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/graph"
)

// PodMonitorKind and MonitoringAPIVersion identify the Prometheus operator's
// PodMonitor.
const (
	PodMonitorKind       = "PodMonitor"
	MonitoringAPIVersion = "monitoring.coreos.com/v1"
)

// PodMonitor is the part of the Prometheus operator's PodMonitor that Sluice
// writes.
type PodMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              PodMonitorSpec `json:"spec"`
}

// PodMonitorSpec selects the application's pods and their metrics port.
type PodMonitorSpec struct {
	Selector            metav1.LabelSelector `json:"selector"`
	PodMetricsEndpoints []PodMetricsEndpoint `json:"podMetricsEndpoints"`
}

// PodMetricsEndpoint is one scraped port.
type PodMetricsEndpoint struct {
	Port string `json:"port"`
	Path string `json:"path,omitempty"`
}

// NewPodMonitor scrapes every streamlet pod of an application with
// spec.metrics set, on the port named "metrics".
func NewPodMonitor(bp *graph.Blueprint) *PodMonitor {
	return &PodMonitor{
		TypeMeta: metav1.TypeMeta{APIVersion: MonitoringAPIVersion, Kind: PodMonitorKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      PodMonitorName(bp.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, "", ComponentMetrics),
		},
		Spec: PodMonitorSpec{
			Selector:            metav1.LabelSelector{MatchLabels: map[string]string{LabelApp: bp.Name}},
			PodMetricsEndpoints: []PodMetricsEndpoint{{Port: portMetrics, Path: bp.Metrics.Path}},
		},
	}
}
