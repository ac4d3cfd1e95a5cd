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
