package children

import (
	"cmp"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// FlinkDeploymentKind and FlinkAPIVersion identify the Apache Flink
// Kubernetes operator's resource.
const (
	FlinkDeploymentKind = "FlinkDeployment"
	FlinkAPIVersion     = "flink.apache.org/v1beta1"
)

// FlinkDeployment is the part of the Flink operator's FlinkDeployment that
// Sluice writes: an application cluster running one job.
type FlinkDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              FlinkDeploymentSpec `json:"spec"`
}

// FlinkDeploymentSpec mirrors the operator's v1beta1 spec fields Sluice sets.
type FlinkDeploymentSpec struct {
	Image              string                  `json:"image"`
	FlinkVersion       string                  `json:"flinkVersion"`
	ServiceAccount     string                  `json:"serviceAccount"`
	FlinkConfiguration map[string]string       `json:"flinkConfiguration,omitempty"`
	PodTemplate        *corev1.PodTemplateSpec `json:"podTemplate,omitempty"`
	JobManager         FlinkComponent          `json:"jobManager"`
	TaskManager        FlinkComponent          `json:"taskManager"`
	Job                FlinkJob                `json:"job"`
}

// FlinkComponent sizes the job or task manager.
type FlinkComponent struct {
	Resource FlinkResource `json:"resource"`
}

// FlinkResource is one component's CPU and memory (Flink's memory syntax).
type FlinkResource struct {
	CPU    *float64 `json:"cpu,omitempty"`
	Memory string   `json:"memory"`
}

// FlinkJob is the job the application cluster runs.
type FlinkJob struct {
	JarURI      string   `json:"jarURI"`
	EntryClass  string   `json:"entryClass,omitempty"`
	Args        []string `json:"args,omitempty"`
	Parallelism int32    `json:"parallelism"`
	UpgradeMode string   `json:"upgradeMode"`
	State       string   `json:"state"`
}

// FlinkDeploymentStatus is the part of the Flink operator's status that
// Sluice reads.
type FlinkDeploymentStatus struct {
	ObservedGeneration         int64  `json:"observedGeneration"`
	JobManagerDeploymentStatus string `json:"jobManagerDeploymentStatus"`
	JobStatus                  struct {
		State string `json:"state"`
	} `json:"jobStatus"`
	LifecycleState string `json:"lifecycleState"`
	Error          string `json:"error"`
}

// observedFlinkDeployment is what FlinkHealth reads of an observed
// FlinkDeployment.
type observedFlinkDeployment struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Job struct {
			Parallelism int32 `json:"parallelism"`
		} `json:"job"`
	} `json:"spec"`
	Status FlinkDeploymentStatus `json:"status"`
}

// flinkMainContainer is the main container's name, which the operator
// merges the pod template into.
const flinkMainContainer = "flink-main-container"

// NewFlinkDeployment runs a Flink streamlet as an application cluster with
// the streamlet's parallelism; its state directories and upgrade mode are
// graph's (see graph.ResolvedStreamlet.Flink).
func NewFlinkDeployment(bp *graph.Blueprint, s *graph.ResolvedStreamlet, checksum string) *FlinkDeployment {
	fl := s.Flink
	pod := streamletPod(bp, s)
	return &FlinkDeployment{
		TypeMeta: metav1.TypeMeta{APIVersion: FlinkAPIVersion, Kind: FlinkDeploymentKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      WorkloadName(bp.Name, s.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, string(s.Runtime)),
		},
		Spec: FlinkDeploymentSpec{
			Image:              s.Image,
			FlinkVersion:       fl.Version,
			ServiceAccount:     fl.ServiceAccountName,
			FlinkConfiguration: fl.FlinkConfiguration,
			PodTemplate: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels(bp, s), Annotations: podAnnotations(s, checksum)},
				Spec: corev1.PodSpec{
					ImagePullSecrets: pullSecrets(bp),
					// No resources: the operator sizes the containers from
					// jobManager and taskManager (graph refuses them).
					Containers: []corev1.Container{{
						Name:         flinkMainContainer,
						Env:          pod.env,
						Ports:        containerPorts(bp, s),
						VolumeMounts: pod.mounts,
					}},
					Volumes: pod.volumes,
				},
			},
			JobManager:  FlinkComponent{Resource: flinkResource(fl.JobManager)},
			TaskManager: FlinkComponent{Resource: flinkResource(fl.TaskManager)},
			Job: FlinkJob{
				JarURI:      fl.JarURI,
				EntryClass:  s.ClassName,
				Parallelism: s.Replicas,
				UpgradeMode: fl.UpgradeMode,
				State:       "running",
			},
		},
	}
}

func flinkResource(r *graph.FlinkResource) FlinkResource {
	if r == nil {
		return FlinkResource{}
	}
	return FlinkResource{CPU: r.CPU, Memory: r.Memory}
}

// FlinkHealth reads a Flink streamlet's health from its FlinkDeployment: the
// job manager deployment, the job's state and the operator's lifecycle. An
// edit the operator has not reconciled yet, or is upgrading to, is a
// rollout: the streamlet stays Running while the job still runs.
func FlinkHealth(u *unstructured.Unstructured) Health {
	fd, ok := decode[observedFlinkDeployment](u)
	if !ok {
		return unreadable(FlinkDeploymentKind, 0)
	}
	st := fd.Status
	h := Health{Expected: fd.Spec.Job.Parallelism, Phase: graph.PhasePending}
	jm, job, lifecycle, errMsg := st.JobManagerDeploymentStatus, st.JobStatus.State, st.LifecycleState, st.Error
	running := jm == "READY" && job == "RUNNING"
	if ok, msg := caughtUp(fd.Generation, st.ObservedGeneration); !ok {
		h.Rolling, h.Message = true, msg
		if running {
			h.Phase, h.Ready, h.Message = graph.PhaseRunning, h.Expected, "rolling out: "+msg
		}
		return h
	}
	switch {
	case jm == "ERROR" || job == "FAILED" || lifecycle == "FAILED":
		h.Phase = graph.PhaseFailed
	case lifecycle == "ROLLING_BACK" || lifecycle == "ROLLED_BACK":
		// The last spec failed; what runs (if anything) is the one before.
		h.Phase = graph.PhaseDegraded
	case lifecycle == "UPGRADING":
		h.Rolling = true
		if running {
			h.Phase, h.Ready = graph.PhaseRunning, h.Expected
		}
	case running:
		h.Phase, h.Ready = graph.PhaseRunning, h.Expected
	case job == "RESTARTING" || job == "FAILING":
		h.Phase = graph.PhaseDegraded
	}
	if h.Phase != graph.PhaseRunning || h.Rolling {
		h.Message = fmt.Sprintf("job manager %s, job %s, lifecycle %s", cmp.Or(jm, "unknown"), cmp.Or(job, "unknown"), cmp.Or(lifecycle, "unknown"))
		if h.Rolling {
			h.Message = "rolling out: " + h.Message
		}
		if errMsg != "" {
			h.Message += ": " + errMsg
		}
	}
	return h
}
