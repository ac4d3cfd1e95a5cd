package hooks

import "github.com/sluice-dev/sluice/manifests"

// Request size budget, from the CRD's caps (manifests/limits.go).
const (
	// maxObjectBytes is etcd's default limit on one object: the parent and
	// the controller are at most this big.
	maxObjectBytes = 3 << 19 // 1.5 MiB
	// maxChildren is what the largest valid application makes: a topic per
	// outlet, and a ConfigMap, a workload and a Service per streamlet, plus
	// the PodMonitor.
	maxChildren = manifests.MaxStreamlets*(manifests.MaxPortsPerStreamlet+3) + 1
	// maxChildBytes bounds one rendered child (a Spark or Flink workload with
	// its pod settings is the largest, under 4 KiB with every list at its cap).
	maxChildBytes = 4 << 10
	// observedCopies: an observed child arrives as itself, and again in its
	// managedFields and in its last-applied annotation.
	observedCopies = 3
)

// MaxRequestBytes caps a hook request body: the parent and the controller,
// each with its managedFields, and every child of the largest application
// with its copies — about 47 MiB — doubled for retained topics (which outlive
// their outlets) and objects written by other tools. A larger body gets 413
// without being read; Metacontroller then changes nothing.
const MaxRequestBytes = 2 * (2*2*maxObjectBytes + maxChildren*maxChildBytes*observedCopies)
