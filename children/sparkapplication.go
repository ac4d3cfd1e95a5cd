package children

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/graph"
)

// SparkApplicationKind and SparkAPIVersion identify the Kubeflow Spark
// operator's resource.
const (
	SparkApplicationKind = "SparkApplication"
	SparkAPIVersion      = "sparkoperator.k8s.io/v1beta2"
)

// SparkApplication is the part of the Spark operator's SparkApplication that
// Sluice writes.
type SparkApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              SparkApplicationSpec `json:"spec"`
}

// SparkApplicationSpec mirrors the operator's v1beta2 spec fields Sluice sets.
type SparkApplicationSpec struct {
	Type                string             `json:"type"`
	Mode                string             `json:"mode"`
	SparkVersion        string             `json:"sparkVersion"`
	Image               string             `json:"image"`
	ImagePullSecrets    []string           `json:"imagePullSecrets,omitempty"`
	MainClass           string             `json:"mainClass,omitempty"`
	MainApplicationFile string             `json:"mainApplicationFile"`
	SparkConf           map[string]string  `json:"sparkConf,omitempty"`
	RestartPolicy       SparkRestartPolicy `json:"restartPolicy"`
	Volumes             []corev1.Volume    `json:"volumes,omitempty"`
	Driver              SparkDriver        `json:"driver"`
	Executor            SparkExecutor      `json:"executor"`
	// DynamicAllocation scales an autoscaled streamlet's executors.
	DynamicAllocation *SparkDynamicAllocation `json:"dynamicAllocation,omitempty"`
	// Suspend, set only while the streamlet is suspended, makes the
	// operator stop the application's pods (the checkpoint stays).
	Suspend *bool `json:"suspend,omitempty"`
}

// SparkDynamicAllocation is the operator's dynamic allocation: it sets
// spark.dynamicAllocation.* from it. Shuffle tracking keeps executors that
// hold shuffle data, so no external shuffle service is needed.
type SparkDynamicAllocation struct {
	Enabled                bool   `json:"enabled"`
	InitialExecutors       *int32 `json:"initialExecutors,omitempty"`
	MinExecutors           *int32 `json:"minExecutors,omitempty"`
	MaxExecutors           *int32 `json:"maxExecutors,omitempty"`
	ShuffleTrackingEnabled *bool  `json:"shuffleTrackingEnabled,omitempty"`
}

// SparkRestartPolicy says when the operator resubmits the application.
type SparkRestartPolicy struct {
	Type                             string `json:"type"`
	OnFailureRetryInterval           *int64 `json:"onFailureRetryInterval,omitempty"`
	OnSubmissionFailureRetryInterval *int64 `json:"onSubmissionFailureRetryInterval,omitempty"`
}

// SparkPodSpec is what driver and executor share.
type SparkPodSpec struct {
	Cores        *int32               `json:"cores,omitempty"`
	CoreLimit    string               `json:"coreLimit,omitempty"`
	Memory       string               `json:"memory,omitempty"`
	Labels       map[string]string    `json:"labels,omitempty"`
	Annotations  map[string]string    `json:"annotations,omitempty"`
	Env          []corev1.EnvVar      `json:"env,omitempty"`
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`
}

// SparkDriver is the driver pod.
type SparkDriver struct {
	SparkPodSpec   `json:",inline"`
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

// SparkExecutor is the executor pods.
type SparkExecutor struct {
	SparkPodSpec `json:",inline"`
	Instances    *int32 `json:"instances"`
}

// SparkApplicationStatus is the part of the Spark operator's status that
// Sluice reads. The operator keeps no observedGeneration: its state tells.
type SparkApplicationStatus struct {
	ApplicationState struct {
		State        string `json:"state"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"applicationState"`
	// ExecutorState is each executor pod's state (RUNNING, PENDING, …).
	ExecutorState map[string]string `json:"executorState"`
}

// observedSparkApplication is what SparkHealth reads of an observed
// SparkApplication.
type observedSparkApplication struct {
	Spec struct {
		Executor struct {
			Instances int32 `json:"instances"`
		} `json:"executor"`
		DynamicAllocation struct {
			Enabled      bool  `json:"enabled"`
			MinExecutors int32 `json:"minExecutors"`
		} `json:"dynamicAllocation"`
	} `json:"spec"`
	Status SparkApplicationStatus `json:"status"`
}

// Spark settings Sluice fixes for streaming: seconds between resubmissions
// after a failure. (Where the checkpoints go, graph resolves.)
const (
	sparkRetryInterval           = 10
	sparkSubmissionRetryInterval = 20
)

// NewSparkApplication runs a Spark streamlet: a streaming job, restarted always,
// with one executor per replica, checkpointing where graph resolved its state.
// An autoscaled one starts with its starting size and lets Spark's dynamic
// allocation scale its executors within its range; a suspended one is
// suspended (the operator deletes its pods and submits it again on resume,
// from its checkpoint).
func NewSparkApplication(bp *graph.Blueprint, s *graph.ResolvedStreamlet, checksum string) *SparkApplication {
	sp := s.Spark
	pod := streamletPod(bp, s)
	podSpec := func(p *graph.SparkPod) SparkPodSpec {
		out := SparkPodSpec{
			Labels:       podLabels(bp, s),
			Annotations:  podAnnotations(s, checksum),
			Env:          pod.env,
			VolumeMounts: pod.mounts,
		}
		if p != nil {
			out.Cores, out.CoreLimit, out.Memory = p.Cores, p.CoreLimit, p.Memory
		}
		return out
	}
	replicas := s.Replicas
	retry, submitRetry := int64(sparkRetryInterval), int64(sparkSubmissionRetryInterval)
	return &SparkApplication{
		TypeMeta: metav1.TypeMeta{APIVersion: SparkAPIVersion, Kind: SparkApplicationKind},
		ObjectMeta: metav1.ObjectMeta{
			Name:      WorkloadName(bp.Name, s.Name),
			Namespace: bp.Namespace,
			Labels:    Labels(bp.Name, s.Name, string(s.Runtime)),
		},
		Spec: SparkApplicationSpec{
			Type:                sp.Type,
			Mode:                "cluster",
			SparkVersion:        sp.Version,
			Image:               s.Image,
			ImagePullSecrets:    bp.ImagePullSecrets,
			MainClass:           s.ClassName,
			MainApplicationFile: sp.MainApplicationFile,
			SparkConf:           sp.SparkConf,
			RestartPolicy: SparkRestartPolicy{
				Type:                             "Always",
				OnFailureRetryInterval:           &retry,
				OnSubmissionFailureRetryInterval: &submitRetry,
			},
			Volumes:           pod.volumes,
			Driver:            SparkDriver{SparkPodSpec: podSpec(sp.Driver), ServiceAccount: sp.ServiceAccountName},
			Executor:          SparkExecutor{SparkPodSpec: podSpec(sp.Executor), Instances: &replicas},
			DynamicAllocation: sparkDynamicAllocation(s),
			Suspend:           suspendFlag(s),
		},
	}
}

// sparkDynamicAllocation is an autoscaled streamlet's dynamic allocation;
// nil without autoscaling.
func sparkDynamicAllocation(s *graph.ResolvedStreamlet) *SparkDynamicAllocation {
	a := s.Autoscaling
	if a == nil {
		return nil
	}
	initial, low, high, tracking := s.Replicas, a.MinReplicas, a.MaxReplicas, true
	return &SparkDynamicAllocation{Enabled: true, InitialExecutors: &initial, MinExecutors: &low, MaxExecutors: &high, ShuffleTrackingEnabled: &tracking}
}

// suspendFlag is true for a suspended streamlet, absent otherwise: an
// application that never suspends renders as it always did.
func suspendFlag(s *graph.ResolvedStreamlet) *bool {
	if !s.Suspended {
		return nil
	}
	suspend := true
	return &suspend
}

// SparkHealth reads a Spark streamlet's health from its SparkApplication.
// Ready replicas are the executors in state RUNNING; with dynamic
// allocation the expected ones are those that run, at least its minimum.
// An edit makes the operator resubmit the application (INVALIDATING,
// PENDING_RERUN, SUBMITTED), and executors come up one by one: both are
// rollouts, not failures. An error message left from an earlier attempt is
// only "last error" once the application runs again.
func SparkHealth(u *unstructured.Unstructured) Health {
	app, ok := decode[observedSparkApplication](u)
	if !ok {
		return unreadable(SparkApplicationKind, 0)
	}
	h := Health{Expected: app.Spec.Executor.Instances, Phase: graph.PhasePending}
	for _, st := range app.Status.ExecutorState {
		if st == "RUNNING" {
			h.Ready++
		}
	}
	if da := app.Spec.DynamicAllocation; da.Enabled {
		// Dynamic allocation decides the count: what runs, at least the
		// least it keeps.
		h.Expected = max(h.Ready, da.MinExecutors)
	}
	state, errMsg := app.Status.ApplicationState.State, app.Status.ApplicationState.ErrorMessage
	switch state {
	case "RUNNING":
		switch {
		case h.Ready >= h.Expected:
			h.Phase = graph.PhaseRunning
		case h.Ready > 0:
			h.Phase, h.Rolling = graph.PhaseRunning, true
			h.Message = fmt.Sprintf("starting executors: %d of %d running", h.Ready, h.Expected)
		default:
			h.Rolling, h.Message = true, fmt.Sprintf("driver running, 0 of %d executors running", h.Expected)
		}
		if errMsg != "" {
			h.Message = joinMessages(h.Message, "last error: "+errMsg)
		}
		return h
	case "FAILED", "SUBMISSION_FAILED", "FAILING":
		h.Phase, h.Message = graph.PhaseFailed, "Spark application "+state
	case "COMPLETED", "SUCCEEDING", "UNKNOWN":
		h.Phase, h.Message = graph.PhaseDegraded, "Spark application "+state+"; a streaming job should not end, the operator resubmits it"
	case "":
		h.Message = "not yet submitted by the Spark operator"
	case "INVALIDATING", "PENDING_RERUN", "SUBMITTED":
		h.Rolling, h.Message = true, "Spark application "+state
	case "SUSPENDED":
		h.Stopped, h.Message = true, "Spark application SUSPENDED"
	default: // SUSPENDING
		h.Message = "Spark application " + state
	}
	if errMsg != "" {
		h.Message += ": " + errMsg
	}
	return h
}
