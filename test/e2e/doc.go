// Package e2e holds Sluice's end-to-end tests. TestMain starts a real etcd,
// kube-apiserver and kube-controller-manager on loopback ports, installs the upstream
// CRDs of the operators Sluice federates and Sluice's own manifests, runs the `sluice`
// binary as a process and the real Metacontroller against the test API server, its
// hooks pointed at that process. The package has no product code and imports nothing
// from the product module: it talks to Sluice only through its binary and its
// manifests.
package e2e
