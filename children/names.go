package children

import "github.com/sluice-dev/sluice/graph"

// Names of children are a versioned contract, pinned by golden files:
// changing one makes Metacontroller delete and recreate that child. A
// KafkaTopic's name is graph.TopicObjectName of its Kafka topic name.

// WorkloadName names a streamlet's Deployment, SparkApplication,
// FlinkDeployment and Service: <app>-<streamlet>.
func WorkloadName(app, streamlet string) string { return graph.WorkloadName(app, streamlet) }

// ConfigMapName names a streamlet's configuration: <app>-<streamlet>-config.
func ConfigMapName(app, streamlet string) string { return WorkloadName(app, streamlet) + "-config" }

// PodMonitorName names the application's PodMonitor: <app>.
func PodMonitorName(app string) string { return app }

// PrometheusRuleName names a streamlet's alerts: <app>-<streamlet>.
func PrometheusRuleName(app, streamlet string) string { return WorkloadName(app, streamlet) }

// ScaledObjectName names an autoscaled akka streamlet's ScaledObject:
// <app>-<streamlet>, as its Deployment.
func ScaledObjectName(app, streamlet string) string { return WorkloadName(app, streamlet) }

// TriggerAuthenticationName names the credentials KEDA reads a cluster's
// lag with: <app>-<streamlet> for spec.kafka, <app>-<streamlet>-<cluster>
// for a spec.kafkaClusters entry.
func TriggerAuthenticationName(app, streamlet, cluster string) string {
	if cluster == "" {
		return WorkloadName(app, streamlet)
	}
	return WorkloadName(app, streamlet) + "-" + cluster
}

// AutoscalerConfigMapName names the ConfigMap of the SCRAM user names KEDA
// reads: <app>-<streamlet>-autoscaler.
func AutoscalerConfigMapName(app, streamlet string) string {
	return WorkloadName(app, streamlet) + "-autoscaler"
}
