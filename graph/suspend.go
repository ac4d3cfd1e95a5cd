package graph

// Suspending has its one home in graph here. spec.suspend suspends every
// streamlet, spec.streamlets[].suspend one: the streamlet's workload stops
// (an akka Deployment at 0 replicas, a SparkApplication's spec.suspend, a
// FlinkDeployment's job.state suspended), and nothing else changes — its
// topics, ConfigMap and Service stay, so that a resumed streamlet reads on
// from its committed offsets, checkpoint or savepoint. Suspending asks
// nothing more of a streamlet than running it does, so there is no rule;
// what suspending drops (the state of a stateless Flink upgrade mode) the
// status says.

// isSuspended says whether a streamlet is to be suspended: the whole
// application is, or the streamlet is. A streamlet cannot be kept running
// in a suspended application (suspend: false is the default, not a
// choice).
func isSuspended(spec *Spec, s *Streamlet) bool {
	return spec.Suspend || s.Suspend
}
