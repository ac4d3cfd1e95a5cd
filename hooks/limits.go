package hooks

import "github.com/sluice-dev/sluice/graph"

// Request size budget, from the CRD's caps (manifests/limits.go) and etcd's
// limit on one object. TestLargestApplicationFitsTheLimits (limits_test.go)
// builds the applications the numbers below come from, with every name at
// its cap and every free-form value 64 bytes long, and holds these constants
// to what they render.
//
// The CRD's caps alone bound nothing useful: an application with every list
// at its cap has a 43.5 MiB spec, which the API server refuses to store
// (etcd takes at most maxObjectBytes). What the parent can hold is what
// limits a request, and a byte of the parent costs the most where every child
// copies it: the application-wide settings (spec.kafka.topicDefaults.config
// on every KafkaTopic, spec.runtimes' sparkConf and flinkConfiguration, pull
// secrets and Kafka secrets on every workload). So the largest request comes
// from the most children — MaxStreamlets streamlets of MaxPortsPerStreamlet
// inlets and outlets — with the application-wide lists at their caps; a
// streamlet's own lists (env, labels, volumeMounts, ...) add about a byte of
// children per byte of parent.
const (
	// maxObjectBytes is etcd's default limit on one object: the parent and
	// the controller are at most this big.
	maxObjectBytes = 3 << 19 // 1.5 MiB
	// maxTopics is one KafkaTopic per outlet.
	maxTopics = graph.MaxStreamlets * graph.MaxPortsPerStreamlet
	// maxTopicBytes bounds a KafkaTopic with the application-wide settings at
	// their caps (measured: 9,693 bytes, 64 topicDefaults.config entries of
	// them).
	maxTopicBytes = 10 << 10
	// maxStreamletBytes bounds a streamlet's other children, its ConfigMap,
	// workload, Service and PrometheusRule, its ScaledObject and the
	// autoscaler's ConfigMap, and a KafkaUser and a TriggerAuthentication on
	// each of the graph.MaxKafkaClusters+1 clusters, with the
	// application-wide settings at their caps and 32 inlets and outlets
	// (measured: 193,649 bytes for an autoscaled akka streamlet reading
	// topics on every cluster, 76,769 of them its ConfigMap).
	maxStreamletBytes = 200 << 10
	// listAmplification bounds the bytes of children that a byte of a
	// streamlet's or a port's own lists makes (measured: 1.00), and so what
	// those lists add within one parent.
	listAmplification = 2
	// maxChildBytes bounds one rendered child: a SparkApplication with every
	// list at its cap, driver and executor each carrying the env, volumes,
	// labels and annotations (measured: 208,790 bytes). With its two copies
	// it fits in etcd.
	maxChildBytes = 256 << 10
	// observedCopies: an observed child arrives as itself, and again in its
	// managedFields and in its last-applied annotation.
	observedCopies = 3
)

// Every child Sluice writes fits in etcd with its copies: this does not
// compile otherwise.
const _ = uint(maxObjectBytes - observedCopies*maxChildBytes)

// MaxRequestBytes caps a hook request body; a larger body gets 413 (one
// declared larger is not read), and Metacontroller then changes nothing. It
// is the parent and the controller, each with its managedFields, and every
// child of the largest application with its copies:
//
//	2*2*1.5 MiB + 3*(3,200*10 KiB + 100*200 KiB + 2*1.5 MiB) = 167.3 MiB
//
// TestLargestApplicationFitsTheLimits holds it to the measured requests (the
// largest application's, and the largest one etcd stores, which leaves a
// third of it for retained topics and other tools' fields); every size there
// assumes free-form values of 64 bytes, which the CRD does not cap, so an
// application with much bigger ones may get 413. It is not doubled for
// headroom: the memory limit bounds the bytes answered at once
// (LargeRequestsBudget), and a larger limit only makes the few requests
// near it wait for each other.
const MaxRequestBytes = 2*2*maxObjectBytes + observedCopies*(maxTopics*maxTopicBytes+graph.MaxStreamlets*maxStreamletBytes+listAmplification*maxObjectBytes)

// LargeRequestsBudget bounds the declared bytes of the large requests the
// hook reads and answers at once (Config.LargeRequestsBudget): what the
// hook's 2Gi memory limit (manifests/base/deployment.yaml, GOMEMLIMIT
// 2,048,000,000 bytes, 95% of it) holds with room. Answering takes about 4.2
// bytes of heap in use per byte of body, the bodies and the garbage not yet
// collected included, at the largest application's shape: two of its
// 122.0 MiB requests at once peaked at 980-1,033 MiB in use
// (BenchmarkSyncLargestTwice), so 256 MiB of bodies peak near 1.1 GiB, and
// the collector has the rest up to GOMEMLIMIT (make load measured a peak
// resident set of 1.1 GiB for two of the largest at once). Two of the
// largest measured requests are answered together; a request near
// MaxRequestBytes shares the hook with less, and waits for its turn (within
// the 9 s timeout) instead.
const LargeRequestsBudget = 256 << 20
