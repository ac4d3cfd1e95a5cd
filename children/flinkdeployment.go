package children

import (
	"cmp"
	"fmt"
	"maps"
	"strconv"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"
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
	// SavepointTriggerNonce, when it changes, asks the operator for a
	// savepoint.
	SavepointTriggerNonce *int64 `json:"savepointTriggerNonce,omitempty"`
}

// Job states of a FlinkDeployment's spec.
const (
	flinkJobRunning   = "running"
	flinkJobSuspended = "suspended"
)

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
	observedMeta `json:"metadata"`
	Spec         struct {
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
			FlinkConfiguration: flinkConfiguration(s),
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
				JarURI:                fl.JarURI,
				EntryClass:            s.ClassName,
				Parallelism:           s.Replicas,
				UpgradeMode:           fl.UpgradeMode,
				State:                 flinkJobState(s),
				SavepointTriggerNonce: fl.SavepointTriggerNonce,
			},
		},
	}
}

// flinkJobState is suspended for a suspended streamlet: the operator stops
// the job, first taking a savepoint under upgrade mode savepoint (with
// last-state it keeps the job's latest checkpoint), and restores it on
// resume.
func flinkJobState(s *graph.ResolvedStreamlet) string {
	if s.Suspended {
		return flinkJobSuspended
	}
	return flinkJobRunning
}

// flinkConfiguration is the streamlet's Flink configuration, with the
// operator's autoscaler turned on within its range when it is autoscaled
// (graph refuses these keys in the user's configuration then). The job's
// parallelism is the starting size; the autoscaler's overrides do not
// change the spec.
func flinkConfiguration(s *graph.ResolvedStreamlet) map[string]string {
	conf := s.Flink.FlinkConfiguration
	a := s.Autoscaling
	if a == nil {
		return conf
	}
	out := maps.Clone(conf)
	if out == nil {
		out = map[string]string{}
	}
	out[graph.FlinkAutoscalerEnabled] = "true"
	out[graph.FlinkAutoscalerMinParallelism] = strconv.Itoa(int(a.MinReplicas))
	out[graph.FlinkAutoscalerMaxParallelism] = strconv.Itoa(int(a.MaxReplicas))
	return out
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
	h.Stopped = lifecycle == "SUSPENDED" || job == "SUSPENDED"
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

// observedFlinkState is what FlinkSavepoint reads of a FlinkDeployment's
// status, apart from FlinkHealth: a value it cannot read leaves the
// streamlet's health alone.
type observedFlinkState struct {
	Status struct {
		JobStatus struct {
			SavepointInfo struct {
				LastSavepoint struct {
					Location  string `json:"location"`
					TimeStamp int64  `json:"timeStamp"`
				} `json:"lastSavepoint"`
			} `json:"savepointInfo"`
			UpgradeSavepointPath string `json:"upgradeSavepointPath"`
		} `json:"jobStatus"`
		ReconciliationStatus struct {
			LastReconciledSpec string `json:"lastReconciledSpec"`
		} `json:"reconciliationStatus"`
	} `json:"status"`
}

// FlinkSavepoint reads where a Flink streamlet's state was last saved and
// the upgrade mode the operator last reconciled: the last savepoint's
// location and time (else the savepoint of its last upgrade or suspend),
// and job.upgradeMode of its last reconciled spec. nil when the status
// says none of it.
func FlinkSavepoint(u *unstructured.Unstructured) *graph.SavepointStatus {
	fs, ok := decode[observedFlinkState](u)
	if !ok {
		return nil
	}
	js := fs.Status.JobStatus
	sp := &graph.SavepointStatus{
		Location:    cmp.Or(js.SavepointInfo.LastSavepoint.Location, js.UpgradeSavepointPath),
		UpgradeMode: reconciledUpgradeMode(fs.Status.ReconciliationStatus.LastReconciledSpec),
	}
	if ts := js.SavepointInfo.LastSavepoint.TimeStamp; ts > 0 && js.SavepointInfo.LastSavepoint.Location != "" {
		sp.Time = time.UnixMilli(ts).UTC().Format(time.RFC3339)
	}
	if *sp == (graph.SavepointStatus{}) {
		return nil
	}
	return sp
}

// reconciledUpgradeMode is job.upgradeMode of the operator's last reconciled
// spec, a JSON document: the spec under "spec" (with "resource_metadata"
// beside it), or the spec itself in older operators.
func reconciledUpgradeMode(spec string) string {
	if spec == "" {
		return ""
	}
	type job struct {
		Job struct {
			UpgradeMode string `json:"upgradeMode"`
		} `json:"job"`
	}
	var doc struct {
		job
		Spec *job `json:"spec"`
	}
	if jsonv1.Unmarshal([]byte(spec), &doc) != nil { // encoding/json's semantics, on the JSON v2 decoder
		return ""
	}
	if doc.Spec != nil && doc.Spec.Job.UpgradeMode != "" {
		return doc.Spec.Job.UpgradeMode
	}
	return doc.Job.UpgradeMode
}
