package hooks

// MaxRequestBytes caps a hook request body. It is sized from the CRD's caps
// (see manifests/limits.go): at most 100 streamlets with 32 outlets each make
// 3,200 topics plus 3 children per streamlet and a PodMonitor, about 3,500
// children; each arrives with its object (up to ~4 KiB for a Spark or Flink
// child) roughly twice more, as managedFields and as the last-applied
// annotation — about 12 KiB each, 42 MiB in all — plus a parent of at most
// 1.5 MiB (etcd's object limit) and the controller. 64 MiB leaves room for
// retained topics; a larger body is refused with 413 rather than read.
const MaxRequestBytes = 64 << 20
