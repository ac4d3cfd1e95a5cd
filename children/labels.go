package children

import (
	"maps"

	"github.com/sluice-dev/sluice/graph"
)

// Label and annotation keys Sluice sets. A topic is mapped back to its port
// through LabelStreamlet and LabelOutlet, never by parsing its name.
const (
	LabelApp       = "sluice.dev/app"
	LabelStreamlet = "sluice.dev/streamlet"
	LabelOutlet    = "sluice.dev/outlet"

	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelComponent = "app.kubernetes.io/component"
	LabelManagedBy = "app.kubernetes.io/managed-by"

	// LabelStrimziCluster tells the Strimzi topic operator which cluster a
	// topic belongs to.
	LabelStrimziCluster = "strimzi.io/cluster"

	// AnnotationConfigChecksum on a pod template rolls the pods when the
	// streamlet's configuration changes, and only then.
	AnnotationConfigChecksum = "sluice.dev/config-checksum"
	// AnnotationSchemaFingerprint on a KafkaTopic records the outlet's schema.
	AnnotationSchemaFingerprint = "sluice.dev/schema-fingerprint"
	// AnnotationStrimziManaged "false" makes the Strimzi topic operator let go
	// of a topic: deleting the KafkaTopic then leaves the Kafka topic and its
	// data alone.
	AnnotationStrimziManaged = "strimzi.io/managed"
	// AnnotationDeletion "allowed" lets a topic be deleted under the Delete
	// policy; the admission policy refuses deleting a Sluice topic without it
	// or the unmanaged mark.
	AnnotationDeletion = "sluice.dev/deletion"

	// ManagedBy is the value of app.kubernetes.io/managed-by.
	ManagedBy = "sluice"
)

// Component values of app.kubernetes.io/component.
const (
	ComponentTopic   = "topic"
	ComponentConfig  = "config"
	ComponentService = "endpoint"
	ComponentMetrics = "metrics"
	// ComponentKafkaUser is a streamlet's own Kafka identity.
	ComponentKafkaUser = "kafka-user"
	// ComponentAlerts is a streamlet's PrometheusRule.
	ComponentAlerts = "alerts"
)

// Labels are the labels every child of a streamlet carries. Topics and the
// PodMonitor use the same keys with their own component.
func Labels(app, streamlet, component string) map[string]string {
	l := map[string]string{
		LabelApp:       app,
		LabelPartOf:    app,
		LabelComponent: component,
		LabelManagedBy: ManagedBy,
	}
	if streamlet != "" {
		l[LabelStreamlet] = streamlet
		l[LabelName] = streamlet
		l[LabelInstance] = WorkloadName(app, streamlet)
	} else {
		l[LabelName] = app
	}
	return l
}

// Selector selects a streamlet's pods. It never changes once made: a
// Deployment's selector is immutable.
func Selector(app, streamlet string) map[string]string {
	return map[string]string{LabelApp: app, LabelStreamlet: streamlet}
}

// podLabels are the labels of a streamlet's pods: the user's, then Sluice's.
func podLabels(bp *graph.Blueprint, s *graph.ResolvedStreamlet) map[string]string {
	l := maps.Clone(s.Labels)
	if l == nil {
		l = map[string]string{}
	}
	maps.Copy(l, Labels(bp.Name, s.Name, string(s.Runtime)))
	return l
}

// podAnnotations are the annotations of a streamlet's pods: the user's and
// the configuration checksum.
func podAnnotations(s *graph.ResolvedStreamlet, checksum string) map[string]string {
	a := maps.Clone(s.Annotations)
	if a == nil {
		a = map[string]string{}
	}
	a[AnnotationConfigChecksum] = checksum
	return a
}
