// Package harness is the end-to-end harness of Sluice's tests in test/e2e. It is not
// a test package, so that the test files of package e2e hold tests. It holds:
//
//   - main.go: Main, which TestMain of package e2e returns (os.Exit(harness.Main(m))),
//     and Setup, which every test calls first; the environment variables
//     SLUICE_SHARED, SLUICE_E2E_SKIP_REASON and SLUICE_E2E_KEEP;
//   - process.go and reaper.go: the processes of the test cluster, each in its own
//     process group, and the reaper that kills them when the test binary dies;
//   - cluster.go and install.go: Cluster, and its bring-up: etcd, kube-apiserver,
//     the upstream CRDs and Sluice's manifests, kube-controller-manager, `sluice
//     serve`; kubectl.go runs kubectl against it;
//   - kube.go and warnings.go: the API clients (strict creates and dry runs, a
//     warning of the API server as an error); helpers.go and json.go: polls, names
//     and JSON/YAML helpers;
//   - metacontroller.go: the real Metacontroller process and its log; settle.go:
//     WaitSettled and WaitGone, which wait until Metacontroller is done with an
//     application and check it raised no SyncError and logged no error; filters.go:
//     the errors of Metacontroller those checks leave out;
//   - standin.go, hooks.go, writes.go and merge.go: the stand-in for Metacontroller
//     (its hook requests, its strict writes, its emulation of Metacontroller's
//     three-way merge), for WaitSettled and the self-tests.
//
// A test starts with
//
//	c := harness.Setup(t) // skips the test when SLUICE_E2E_SKIP_REASON is set
//	c.NeedMetacontroller(t)
//
// then creates or edits a StreamingApplication through c.API and waits with
// c.WaitSettled or c.WaitGone. Main runs in test/e2e, the working directory of `go
// test` there: the repository root is ../.. and build-binaries.sh is in it.
package harness
