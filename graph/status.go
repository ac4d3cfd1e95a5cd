package graph

import (
	"encoding/json"

	jsonv1 "github.com/go-json-experiment/json/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Status is the observed state of a StreamingApplication. The sync hook
// writes all of it; every field is in the CRD's status schema so that the API
// server prunes nothing.
type Status struct {
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase is the runtime health of what runs: Pending, Running, Degraded,
	// Failed, Suspended; Invalid only when the spec is rejected and nothing
	// of it runs.
	Phase Phase `json:"phase,omitempty"`
	// StreamletsReady is "N/M" for the printer column.
	StreamletsReady string             `json:"streamletsReady,omitempty"`
	Conditions      []metav1.Condition `json:"conditions,omitempty"`
	// Problems lists every reason the spec was rejected, one per line.
	Problems            []string             `json:"problems,omitempty"`
	Streamlets          []StreamletStatus    `json:"streamlets,omitempty"`
	Topics              []TopicStatus        `json:"topics,omitempty"`
	Endpoints           []EndpointStatus     `json:"endpoints,omitempty"`
	DefaultedParameters []DefaultedParameter `json:"defaultedParameters,omitempty"`
}

// Phase is the runtime health of an application or streamlet.
type Phase string

// Phases.
const (
	PhasePending  Phase = "Pending"
	PhaseRunning  Phase = "Running"
	PhaseDegraded Phase = "Degraded"
	PhaseFailed   Phase = "Failed"
	PhaseInvalid  Phase = "Invalid"
	// PhaseSuspended: the streamlet's workload is suspended as its spec
	// asks; an application is Suspended once every streamlet is.
	PhaseSuspended Phase = "Suspended"
)

// Condition types.
const (
	ConditionReady           = "Ready"
	ConditionBlueprintValid  = "BlueprintValid"
	ConditionTopicsReady     = "TopicsReady"
	ConditionChildrenApplied = "ChildrenApplied"
	// ConditionProgressing is True while the operators roll out an edit
	// (a scale, a configuration change, a new streamlet) of an application
	// that was running: the phase stays Running meanwhile.
	ConditionProgressing = "Progressing"
	// ConditionReconciling and ConditionStalled are kstatus' pair, which
	// Flux, `kubectl wait` and cli-utils read: Reconciling is True while the
	// application heads for Ready on its own (starting, rolling out),
	// Stalled when it needs a person (a rejected spec, a failed or degraded
	// streamlet, topics lost).
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
)

// StreamletStatus is the health of one streamlet, read from its workload.
type StreamletStatus struct {
	Name             string  `json:"name"`
	Runtime          Runtime `json:"runtime"`
	ExpectedReplicas int32   `json:"expectedReplicas"`
	ReadyReplicas    int32   `json:"readyReplicas"`
	Phase            Phase   `json:"phase"`
	Message          string  `json:"message,omitempty"`
	// Restarts counts the container restarts of the streamlet's pods; set
	// only with the pod-health component.
	Restarts int32 `json:"restarts,omitempty"`
	// State is where a stateful (spark, flink) streamlet keeps its state;
	// empty when it has none and restarts stateless.
	State string `json:"state,omitempty"`
	// Autoscaling is what scales an autoscaled streamlet and what it
	// reports; ExpectedReplicas is then its last decision.
	Autoscaling *AutoscalingStatus `json:"autoscaling,omitempty"`
	// Savepoint is a Flink streamlet's last savepoint and the upgrade mode
	// in force, as its FlinkDeployment's status says.
	Savepoint *SavepointStatus `json:"savepoint,omitempty"`
}

// AutoscalingStatus is an autoscaled streamlet's range and its
// autoscaler's word.
type AutoscalingStatus struct {
	MinReplicas int32 `json:"minReplicas"`
	MaxReplicas int32 `json:"maxReplicas"`
	// Ready and Active are the ScaledObject's conditions of an akka
	// streamlet ("True", "False" or "Unknown"): KEDA reads the lag, and
	// the lag is above the activation threshold.
	Ready  string `json:"ready,omitempty"`
	Active string `json:"active,omitempty"`
	// Message says what scales the streamlet and what stands in its way.
	Message string `json:"message,omitempty"`
}

// SavepointStatus is where a Flink streamlet's state was last saved.
type SavepointStatus struct {
	// Location and Time are the last savepoint's; empty before the first.
	Location string `json:"location,omitempty"`
	Time     string `json:"time,omitempty"`
	// UpgradeMode is the upgrade mode the operator last reconciled.
	UpgradeMode string `json:"upgradeMode,omitempty"`
}

// TopicStatus is the state of one Kafka topic the application uses: one
// Sluice manages through a KafkaTopic, or an existing one it only wires in.
// Each topic is listed once (the CRD keys the list by name).
type TopicStatus struct {
	Name  string `json:"name"`
	Ready bool   `json:"ready"`
	// Managed is true when Sluice manages the topic through a KafkaTopic;
	// false for an existing topic the blueprint only wires in, and for
	// one being released (its port turned managed: false).
	Managed  bool   `json:"managed"`
	Retained bool   `json:"retained"`
	Reader   bool   `json:"reader"`
	Message  string `json:"message,omitempty"`
}

// EndpointStatus is a streamlet's HTTP endpoint.
type EndpointStatus struct {
	Streamlet string `json:"streamlet"`
	Service   string `json:"service"`
	Port      int32  `json:"port"`
	URL       string `json:"url"`
}

// DefaultedParameter is a parameter that the user did not set.
type DefaultedParameter struct {
	Streamlet string `json:"streamlet"`
	Key       string `json:"key"`
	Value     string `json:"value"`
}

// StatusOf reads the status of a parent decoded as unstructured (its
// "status" field); nil when it has none or it does not read as a Status.
func StatusOf(obj map[string]any) *Status {
	raw, ok := obj["status"]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	return StatusFromJSON(b)
}

// StatusFromJSON reads a parent's status from its JSON; nil when it does not
// read as a Status. encoding/json's semantics, on the JSON v2 decoder, as
// FromJSON reads the spec.
func StatusFromJSON(data []byte) *Status {
	var st Status
	if jsonv1.Unmarshal(data, &st) != nil {
		return nil
	}
	return &st
}
