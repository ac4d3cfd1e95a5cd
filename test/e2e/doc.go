// Package e2e holds Sluice's end-to-end tests. TestMain (main_test.go) hands the run
// to package harness (test/e2e/harness), which starts a real etcd, kube-apiserver
// and kube-controller-manager on loopback ports, installs the upstream CRDs of the
// operators Sluice federates and Sluice's own manifests, runs the `sluice` binary as
// a process and the real Metacontroller against the test API server, its hooks
// pointed at that process. The test files hold the tests and the helpers only that
// file uses; helpers several test files use are in package harness. Neither package
// has product code or imports anything from the product module: they talk to Sluice
// only through its binary and its manifests.
package e2e
