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
//     serve`, and WriteKubeconfig; kubectl.go runs kubectl against it (KubectlOK,
//     and KustomizeObjects, `kubectl kustomize` of base and components);
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
// And the helpers that more than one test file uses:
//
//   - app.go: the reference application (RefApp, the labels, WorkloadName,
//     ConfigName, TopicName), the examples (LoadExample, ExampleIn),
//     DeployReference, LiveApp, and Snapshot and ChangedKeys, which compare the
//     children before and after an edit; spec.go: UpdateSpec and the spec and status
//     of streamlets (Streamlet, RemoveGenerator2, StreamletStatus); topics.go:
//     KafkaTopic, TopicStatus, WatchTopics and WaitTopicDeleted;
//   - render.go: Render (`sluice render -o json`), InstalledController and
//     ListedKinds, and CheckRenderedChild, the primary check of a rendered child;
//   - helm.go: the Helm chart (Helm, OfflineChart, HelmTemplate) and the component
//     combinations (ComponentOrder, Subsets, SubsetName);
//   - plugin.go: the kubectl plugin (Plugin builds it, SluicePlugin and SluiceIn run
//     it, Expect checks a run);
//   - workloads.go: ReportWorkloads, which writes the statuses the operators of the
//     children would write.
//
// Helpers that only one test file uses stay in that file, most as methods of its
// wrapper of Cluster (package e2e's cluster, which embeds *Cluster).
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
