package children

// The core kinds Sluice makes, beside the CRD kinds declared with their
// types (KafkaTopicKind, SparkApplicationKind, FlinkDeploymentKind,
// PodMonitorKind). The apiVersion each is answered under comes from the
// CompositeController (Kinds), never from here.
const (
	ConfigMapKind  = "ConfigMap"
	DeploymentKind = "Deployment"
	ServiceKind    = "Service"
)
