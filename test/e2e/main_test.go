package e2e

import (
	"github.com/sluice-dev/sluice/test/e2e/harness"

	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

var crdsGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// Environment variables the harness reads.
const (
	// envShared overrides the folder holding crds/ and metacontroller/bin/ (default
	// <repo>/../shared).
	envShared = "SLUICE_SHARED"
	// envSkip, when set, skips every test with its value as the reason instead of
	// starting a cluster; without it a missing prerequisite fails the run.
	envSkip = "SLUICE_E2E_SKIP_REASON"
	// envKeep, when set, keeps the temporary directory (logs, kubeconfig) after the run.
	envKeep = "SLUICE_E2E_KEEP"
)

// upstreamCRDs are the files of <shared>/crds installed into the test cluster; the
// metacontroller CRDs come first because Sluice's manifests hold a
// CompositeController. The KafkaTopic CRD is not installed as it is: see
// kafkaTopicCRD.
var upstreamCRDs = []string{
	"metacontroller.k8s.io_crds.yaml",
	kafkaTopicsV1,
	kafkaTopicsV1beta2,
	"sparkoperator.k8s.io_sparkapplications.yaml",
	"flink.apache.org_flinkdeployments.yaml",
	"monitoring.coreos.com_podmonitors.yaml",
	"monitoring.coreos.com_servicemonitors.yaml",
	"monitoring.coreos.com_prometheusrules.yaml",
	"kafka.strimzi.io_kafkausers.yaml",
	"keda.sh_scaledobjects.yaml",
	"keda.sh_triggerauthentications.yaml",
}

// The two KafkaTopic CRDs of <shared>/crds: Strimzi 1.x serving v1 only, and the
// Strimzi 0.49–0.51 one serving v1 and v1beta2 (and older versions).
const (
	kafkaTopicsV1      = "kafka.strimzi.io_kafkatopics.yaml"
	kafkaTopicsV1beta2 = "kafka.strimzi.io_kafkatopics-v1beta2-and-v1.yaml"
)

// components are Sluice's kustomize components: spark, flink and monitoring add
// child kinds to the CompositeController, pod-health its customize hook. The
// test cluster runs with all of them.
var Components = []string{"spark", "flink", "monitoring", "kafka-users", "keda", "pod-health"}

// cluster is the running test environment shared by every test.
type Cluster struct {
	Dir        string // temporary directory: data, certificates, logs
	Repo       string // root of the product repository
	shared     string // the shared folder holding crds/
	kubectl    string // path of kubectl
	Kubeconfig string // path of the admin kubeconfig

	SluiceBin string // path of the built sluice binary ("" when the build failed)
	sluiceURL string // base URL of `sluice serve`
	// sluiceErr says why the sluice binary cannot be used; manifestsErr why Sluice's
	// manifests are not installed. Tests that need them fail with this message.
	sluiceErr    error
	manifestsErr error
	// mc is the real Metacontroller; mcErr says why it is not running.
	mc    *metacontrollerProcess
	mcErr error

	API *harness.APIClients
}

var (
	env        *Cluster
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run sets up the cluster, runs the tests and tears everything down. Teardown also
// happens on SIGINT/SIGTERM (the signal handler) and when the test binary dies from a
// panic (the reaper process, see startReaper).
func run(m *testing.M) int {
	if r := os.Getenv(envSkip); r != "" {
		skipReason = r
		return m.Run()
	}
	c, teardown, err := start()
	defer teardown()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\ne2e: FAIL: cannot start the test cluster: %v\n"+
			"e2e: set %s=<reason> to skip the end-to-end tests deliberately.\n", err, envSkip)
		return 1
	}
	env = c
	return m.Run()
}

// setup returns the shared cluster, or skips the test when the run was told to skip.
func setup(t *testing.T) *Cluster {
	t.Helper()
	if skipReason != "" {
		t.Skipf("%s is set: %s", envSkip, skipReason)
	}
	if env == nil {
		t.Fatal("e2e: the cluster is not running (TestMain did not start it)")
	}
	inputsOnce.Do(env.openInputs)
	return env
}

var inputsOnce sync.Once

// openInputs opens every file of the repository, of shared/crds and of
// shared/metacontroller once, inside the test run. The results depend on files that only subprocesses read (the product
// sources built into sluice, the manifests read by kubectl); files a test opens are
// part of the Go test cache key, so a cached result is reused only while none of
// these files changed.
func (c *Cluster) openInputs() {
	for _, root := range []string{c.Repo, filepath.Join(c.shared, "crds"), filepath.Join(c.shared, "metacontroller")} {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				if f, err := os.Open(path); err == nil {
					f.Close()
				}
			}
			return nil
		})
	}
}

// needSluice fails the test when the sluice binary or its server is unavailable.
func (c *Cluster) NeedSluice(t *testing.T) {
	t.Helper()
	if c.sluiceErr != nil {
		t.Fatalf("the sluice binary is not usable: %v", c.sluiceErr)
	}
}

// needManifests fails the test when Sluice's manifests could not be installed.
func (c *Cluster) NeedManifests(t *testing.T) {
	t.Helper()
	if c.manifestsErr != nil {
		t.Fatalf("Sluice's manifests are not installed: %v", c.manifestsErr)
	}
}

// start brings the cluster up. The returned teardown is always non-nil and safe to
// call more than once.
func start() (*Cluster, func(), error) {
	dir, err := os.MkdirTemp("", "sluice-e2e-")
	if err != nil {
		return nil, func() {}, err
	}
	reaper, err := startReaper(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, func() {}, err
	}
	var once sync.Once
	teardown := func() { once.Do(func() { stopAndClean(dir, reaper) }) }
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "\ne2e: %v: tearing the cluster down\n", s)
		teardown()
		os.Exit(130)
	}()

	c, err := bringUp(dir, reaper)
	if err != nil {
		return nil, teardown, err
	}
	return c, teardown, nil
}

// stopAndClean stops every process and removes the temporary directory (kept when
// SLUICE_E2E_KEEP is set).
func stopAndClean(dir string, r *reaper) {
	stopAll()
	if os.Getenv(envKeep) != "" {
		fmt.Fprintf(os.Stderr, "e2e: %s set, keeping %s\n", envKeep, dir)
		r.keep()
		return
	}
	r.finish()
}

// bringUp builds what is missing and starts etcd, kube-apiserver, Sluice's install
// and kube-controller-manager, then `sluice serve` and the real Metacontroller.
func bringUp(dir string, reaper *reaper) (*Cluster, error) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, err
	}
	shared := os.Getenv(envShared)
	if shared == "" {
		shared = filepath.Join(repo, "..", "shared")
	}
	for _, f := range upstreamCRDs {
		if _, err := os.Stat(filepath.Join(shared, "crds", f)); err != nil {
			return nil, fmt.Errorf("upstream CRD missing (set %s to the folder holding crds/): %w", envShared, err)
		}
	}
	if err := checkMetacontrollerBinary(shared); err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Repo: repo, shared: shared}
	// Every port of the cluster is chosen at once, so no two processes get the same.
	pick, err := freePorts(7)
	if err != nil {
		return nil, err
	}
	ports := clusterPorts{etcdClient: pick[0], etcdPeer: pick[1], apiServer: pick[2], controllerManager: pick[3], sluice: pick[4],
		mcMetrics: pick[5], mcHealth: pick[6]}

	// The sluice binary builds while the control plane binaries are checked.
	sluiceBuilt := make(chan error, 1)
	go func() { sluiceBuilt <- c.buildSluice() }()

	start := time.Now()
	k8sDir, etcdDir, err := buildBinaries()
	if err != nil {
		return nil, err
	}
	harness.Logf("control plane binaries ready in %s", time.Since(start).Round(time.Second))
	c.kubectl = filepath.Join(k8sDir, "kubectl")

	start = time.Now()
	etcdURL, err := startEtcd(dir, filepath.Join(etcdDir, "etcd"), ports, reaper)
	if err != nil {
		return nil, err
	}
	if err := c.startAPIServer(filepath.Join(k8sDir, "kube-apiserver"), etcdURL, ports.apiServer, reaper); err != nil {
		return nil, err
	}
	harness.Logf("etcd and kube-apiserver ready in %s", time.Since(start).Round(100*time.Millisecond))

	if err := c.installUpstreamCRDs(); err != nil {
		return nil, err
	}
	c.manifestsErr = c.installSluice()
	if c.manifestsErr != nil {
		harness.Logf("WARNING: %v", c.manifestsErr)
	}
	// The garbage collector discovers resources at start and then only every 30 s:
	// start it once discovery lists every resource it will have to collect.
	if err := c.waitForDiscovery(); err != nil {
		return nil, err
	}
	if err := c.startControllerManager(filepath.Join(k8sDir, "kube-controller-manager"), ports.controllerManager, reaper); err != nil {
		return nil, err
	}

	if err := <-sluiceBuilt; err != nil {
		c.sluiceErr = err
		harness.Logf("WARNING: %v", err)
	} else if err := c.startSluice(ports.sluice, reaper); err != nil {
		c.sluiceErr = err
		harness.Logf("WARNING: %v", err)
	}
	switch {
	case c.manifestsErr != nil:
		c.mcErr = fmt.Errorf("not started: Sluice's manifests are not installed: %w", c.manifestsErr)
	case c.sluiceErr != nil:
		c.mcErr = fmt.Errorf("not started: sluice serve is not running: %w", c.sluiceErr)
	default:
		c.mcErr = c.startMetacontroller(metacontrollerBinary(shared), ports.mcMetrics, ports.mcHealth, reaper)
	}
	if c.mcErr != nil {
		harness.Logf("WARNING: Metacontroller: %v", c.mcErr)
	}
	harness.Logf("cluster up in %s (kubeconfig %s)", time.Since(start).Round(100*time.Millisecond), c.Kubeconfig)
	return c, nil
}

// buildBinaries runs build-binaries.sh and returns the directories it printed.
func buildBinaries() (k8sDir, etcdDir string, err error) {
	cmd := exec.Command("bash", "build-binaries.sh")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("build-binaries.sh: %w", err)
	}
	for line := range strings.Lines(out.String()) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "k8s":
			k8sDir = v
		case "etcd":
			etcdDir = v
		}
	}
	if k8sDir == "" || etcdDir == "" {
		return "", "", fmt.Errorf("build-binaries.sh printed no k8s=/etcd= lines: %q", out.String())
	}
	return k8sDir, etcdDir, nil
}

// buildSluice builds the product binary from the repository root.
func (c *Cluster) buildSluice() error {
	bin := filepath.Join(c.Dir, "sluice")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = c.Repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build -o %s . (in %s): %w\n%s", bin, c.Repo, err, out)
	}
	c.SluiceBin = bin
	return nil
}

// clusterPorts are the loopback ports of the cluster's processes, chosen together.
type clusterPorts struct {
	etcdClient, etcdPeer, apiServer, controllerManager, sluice int
	mcMetrics, mcHealth                                        int // Metacontroller's metrics and health probes
}

func startEtcd(dir, bin string, ports clusterPorts, r *reaper) (string, error) {
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", ports.etcdClient)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports.etcdPeer)
	p, err := startProcess(dir, "etcd", bin,
		"--name=e2e",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+clientURL,
		"--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL,
		"--unsafe-no-fsync",
		"--log-level=warn",
	)
	if err != nil {
		return "", err
	}
	r.track(p)
	return clientURL, waitHTTP(p, clientURL+"/health", "", 30*time.Second)
}

// token is the bearer token of the admin user (group system:masters).
const Token = "sluice-e2e-admin-token"

func (c *Cluster) startAPIServer(bin, etcdURL string, port int, r *reaper) error {
	pki := filepath.Join(c.Dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return err
	}
	tokens := filepath.Join(pki, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(Token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		return err
	}
	key, pub, err := writeServiceAccountKeys(pki)
	if err != nil {
		return err
	}
	p, err := startProcess(c.Dir, "kube-apiserver", bin,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--cert-dir="+filepath.Join(c.Dir, "apiserver-certs"),
		"--token-auth-file="+tokens,
		"--authorization-mode=RBAC",
		"--service-account-key-file="+pub,
		"--service-account-signing-key-file="+key,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
	)
	if err != nil {
		return err
	}
	r.track(p)
	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := waitHTTP(p, server+"/readyz", Token, 60*time.Second); err != nil {
		return err
	}
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: %q, insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: %q}
contexts:
- name: e2e
  context: {cluster: e2e, user: admin, namespace: default}
current-context: e2e
`, server, Token)
	if err := os.WriteFile(c.Kubeconfig, []byte(kubeconfig), 0o600); err != nil {
		return err
	}
	c.API, err = harness.NewAPIClients(c.Kubeconfig)
	return err
}

// writeServiceAccountKeys writes an RSA key pair for service account tokens.
func writeServiceAccountKeys(dir string) (keyPath, pubPath string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	keyPath = filepath.Join(dir, "sa.key")
	pubPath = filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o600); err != nil {
		return "", "", err
	}
	return keyPath, pubPath, nil
}

func (c *Cluster) startControllerManager(bin string, port int, r *reaper) error {
	p, err := startProcess(c.Dir, "kube-controller-manager", bin,
		"--kubeconfig="+c.Kubeconfig,
		"--authentication-kubeconfig="+c.Kubeconfig,
		"--authorization-kubeconfig="+c.Kubeconfig,
		"--leader-elect=false",
		"--controllers=garbagecollector,namespace",
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+filepath.Join(c.Dir, "kcm-certs"),
	)
	if err != nil {
		return err
	}
	r.track(p)
	return waitHTTP(p, fmt.Sprintf("https://127.0.0.1:%d/healthz", port), Token, 60*time.Second)
}

// startSluice runs `sluice serve` on a free loopback port.
func (c *Cluster) startSluice(port int, r *reaper) error {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := startProcess(c.Dir, "sluice", c.SluiceBin, "serve", "--addr", addr)
	if err != nil {
		return err
	}
	r.track(p)
	c.sluiceURL = "http://" + addr
	if err := waitHTTP(p, c.sluiceURL+"/healthz", "", 30*time.Second); err != nil {
		return fmt.Errorf("sluice serve --addr %s: %w", addr, err)
	}
	return nil
}

// installUpstreamCRDs installs the operators' CRDs with server-side apply (the Spark
// and Flink CRDs are too large for client-side apply's annotation).
func (c *Cluster) installUpstreamCRDs() error {
	start := time.Now()
	topics, err := c.kafkaTopicCRD()
	if err != nil {
		return err
	}
	args := []string{"apply", "--server-side", "--field-manager=sluice-e2e", "-f", topics}
	for _, f := range upstreamCRDs {
		if f == kafkaTopicsV1 || f == kafkaTopicsV1beta2 {
			continue
		}
		args = append(args, "-f", filepath.Join(c.shared, "crds", f))
	}
	if _, err := c.Kubectl(args...); err != nil {
		return fmt.Errorf("install upstream CRDs: %w", err)
	}
	if err := c.waitEstablished(); err != nil {
		return err
	}
	harness.Logf("upstream CRDs installed in %s", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// waitEstablished waits until every CRD has the condition Established=True.
// (`kubectl wait --for=condition=Established crd --all` fails outright on a CRD
// that has no conditions yet, right after it is created.)
func (c *Cluster) waitEstablished() error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		list, err := c.API.Dyn.Resource(crdsGVR).List(context.Background(), harness.ListAll)
		var pending []string
		if err == nil {
			for i := range list.Items {
				if cond := harness.Condition(&list.Items[i], "Established"); cond == nil || cond["status"] != "True" {
					pending = append(pending, list.Items[i].GetName())
				}
			}
		}
		if err == nil && len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("CRDs not Established after 60s: %v (list: %v)", pending, err)
		}
		time.Sleep(100 * time.Millisecond) // polling the API server
	}
}

// kafkaTopicCRD writes the KafkaTopic CRD the test cluster serves and returns its
// path: Strimzi 1.x's (v1, the storage version, with its schema) plus the v1beta2
// version of the older CRD (its schema, not deprecated), served beside it, so that children rendered under the
// strimzi-v1beta2 component are validated by v1beta2's schema and those of every
// other shape by v1's newest schema.
func (c *Cluster) kafkaTopicCRD() (string, error) {
	load := func(name string) (*unstructured.Unstructured, error) {
		b, err := os.ReadFile(filepath.Join(c.shared, "crds", name))
		if err != nil {
			return nil, err
		}
		objs, err := harness.DecodeYAMLDocs(b)
		if err != nil || len(objs) != 1 {
			return nil, fmt.Errorf("%s: want one CRD (%d objects): %v", name, len(objs), err)
		}
		return objs[0], nil
	}
	v1, err := load(kafkaTopicsV1)
	if err != nil {
		return "", err
	}
	old, err := load(kafkaTopicsV1beta2)
	if err != nil {
		return "", err
	}
	versions, _, _ := unstructured.NestedSlice(v1.Object, "spec", "versions")
	oldVersions, _, _ := unstructured.NestedSlice(old.Object, "spec", "versions")
	var v1beta2 map[string]any
	for _, v := range oldVersions {
		if m, ok := v.(map[string]any); ok && m["name"] == "v1beta2" {
			v1beta2 = m
		}
	}
	if v1beta2 == nil {
		return "", fmt.Errorf("%s has no version v1beta2", kafkaTopicsV1beta2)
	}
	for _, v := range versions {
		if m, _ := v.(map[string]any); m["name"] == "v1beta2" {
			return "", fmt.Errorf("%s serves v1beta2 already: install it as it is", kafkaTopicsV1)
		}
	}
	v1beta2["served"], v1beta2["storage"] = true, false
	// The 0.49–0.51 CRD deprecates v1beta2, and the API server warns on every request
	// to it; the strimzi-v1beta2 component is for Strimzi older than 0.49, where
	// v1beta2 is the current version.
	delete(v1beta2, "deprecated")
	delete(v1beta2, "deprecationWarning")
	if err := unstructured.SetNestedSlice(v1.Object, append(versions, v1beta2), "spec", "versions"); err != nil {
		return "", err
	}
	b, err := json.Marshal(v1.Object)
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.Dir, "kafkatopics-v1-and-v1beta2.json")
	return path, os.WriteFile(path, b, 0o644)
}

// installSluice applies manifests/base with every component, the way an operator
// installs Sluice into a cluster that runs all federated operators.
func (c *Cluster) installSluice() error {
	start := time.Now()
	dir, err := c.Kustomization(Components)
	if err != nil {
		return err
	}
	if _, err := c.Kubectl("apply", "--server-side", "--field-manager=sluice-e2e", "-k", dir); err != nil {
		return fmt.Errorf("install Sluice's manifests (base + %s): %w", strings.Join(Components, ", "), err)
	}
	if err := c.waitEstablished(); err != nil {
		return err
	}
	if err := c.waitForPolicies(); err != nil {
		return err
	}
	harness.Logf("Sluice's manifests installed and their admission policies enforced in %s", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// waitForPolicies waits until the API server enforces all three of Sluice's
// admission policies: a policy takes effect a moment after it is created, and a test
// that deletes a topic before then would see the delete go through. It probes with
// server-side dry-run deletes of a Sluice-labelled topic and, in the foreground, of
// the reference application, both in namespace default (removed after), and of the
// KafkaTopic CRD (a dry run deletes nothing).
func (c *Cluster) waitForPolicies() error {
	app, err := os.ReadFile(filepath.Join(c.Repo, "manifests", "examples", "call-record-aggregator.yaml"))
	if err != nil {
		return err
	}
	probes := filepath.Join(c.Dir, "policy-probes.yaml")
	content := strings.Replace(string(app), "namespace: demo", "namespace: default", 1) + `
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata:
  name: sluice-policy-probe
  namespace: default
  labels: {strimzi.io/cluster: probe, sluice.dev/app: probe}
spec: {partitions: 1, replicas: 1}
`
	if err := os.WriteFile(probes, []byte(content), 0o644); err != nil {
		return err
	}
	if _, err := c.Kubectl("apply", "-f", probes); err != nil {
		return fmt.Errorf("create the policy probes: %w", err)
	}
	checks := []struct {
		policy string
		args   []string
	}{
		{"sluice-keep-topics", []string{"delete", "-n", "default", "kafkatopic", "sluice-policy-probe", "--dry-run=server"}},
		{"sluice-no-foreground-deletion", []string{"delete", "-n", "default", "sapp", "call-record-aggregator", "--cascade=foreground", "--dry-run=server"}},
		{"sluice-keep-topic-crd", []string{"delete", "crd", "kafkatopics.kafka.strimzi.io", "--dry-run=server"}},
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, check := range checks {
		for {
			_, err := c.Kubectl(check.args...)
			if err != nil && strings.Contains(err.Error(), check.policy) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("admission policy %s not enforced after 60s (last: %v)", check.policy, err)
			}
			time.Sleep(100 * time.Millisecond) // polling the API server's policy informer
		}
	}
	if _, err := c.Kubectl("annotate", "-n", "default", "kafkatopic", "sluice-policy-probe", "strimzi.io/managed=false"); err != nil {
		return err
	}
	_, err = c.Kubectl("delete", "-f", probes, "--wait=false")
	return err
}

// waitForDiscovery waits until the API server's discovery lists every served version
// of every installed CRD and every child resource of every CompositeController. A CRD
// is Established a moment before discovery serves it, and the garbage collector (and
// the namespace controller) only see what discovery lists when they start.
func (c *Cluster) waitForDiscovery() error {
	start := time.Now()
	want := map[string][]string{} // groupVersion -> resources
	crds, err := c.API.Dyn.Resource(crdsGVR).List(context.Background(), harness.ListAll)
	if err != nil {
		return fmt.Errorf("list CRDs: %w", err)
	}
	for _, crd := range crds.Items {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		for _, v := range versions {
			m, _ := v.(map[string]any)
			if served, _ := m["served"].(bool); served {
				gv := group + "/" + fmt.Sprint(m["name"])
				want[gv] = append(want[gv], plural)
			}
		}
	}
	if c.manifestsErr == nil {
		controllers, err := c.API.Dyn.Resource(compositeControllersGVR).List(context.Background(), harness.ListAll)
		if err != nil {
			return fmt.Errorf("list CompositeControllers: %w", err)
		}
		for _, cc := range controllers.Items {
			children, _, _ := unstructured.NestedSlice(cc.Object, "spec", "childResources")
			for _, child := range children {
				m, _ := child.(map[string]any)
				gv, _ := m["apiVersion"].(string)
				res, _ := m["resource"].(string)
				want[gv] = append(want[gv], res)
			}
		}
	}
	disc, err := discovery.NewDiscoveryClientForConfig(c.API.Config)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var missing []string
		for _, gv := range harness.SortedKeys(want) {
			list, err := disc.ServerResourcesForGroupVersion(gv)
			served := map[string]bool{}
			if err == nil {
				for _, r := range list.APIResources {
					served[r.Name] = true
				}
			}
			for _, res := range want[gv] {
				if !served[res] {
					missing = append(missing, gv+" "+res)
				}
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("discovery does not list %v after 60s", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.API.Mapper.Reset()
	n := 0
	for _, r := range want {
		n += len(r)
	}
	harness.Logf("discovery lists all %d resources of the CRDs and child kinds in %s", n, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// kustomization writes a kustomization that includes manifests/base and the named
// components of the repository, and returns its directory. A missing path is an
// error naming it.
func (c *Cluster) Kustomization(comps []string) (string, error) {
	base := filepath.Join(c.Repo, "manifests", "base")
	paths := []string{base}
	for _, comp := range comps {
		paths = append(paths, filepath.Join(c.Repo, "manifests", "components", comp))
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(p, "kustomization.yaml")); err != nil {
			return "", fmt.Errorf("Sluice's kustomize layout is incomplete: %w", err)
		}
	}
	dir, err := os.MkdirTemp(c.Dir, "kustomize-")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	fmt.Fprintf(&b, "- %s\n", rel(dir, base))
	if len(comps) > 0 {
		b.WriteString("components:\n")
		for _, p := range paths[1:] {
			fmt.Fprintf(&b, "- %s\n", rel(dir, p))
		}
	}
	return dir, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(b.String()), 0o644)
}

// rel returns target relative to dir: kustomize accepts relative paths everywhere.
func rel(dir, target string) string {
	r, err := filepath.Rel(dir, target)
	if err != nil {
		return target
	}
	return r
}

// run runs kubectl against the test cluster and returns its stdout; an error carries
// stderr.
func (c *Cluster) Kubectl(args ...string) (string, error) {
	cmd := exec.Command(c.kubectl, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// kubectlOK runs kubectl and fails the test on error.
func (c *Cluster) KubectlOK(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.Kubectl(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reaper is a helper process that outlives a crashed test binary: it reads the
// process group ids of the cluster's processes from a pipe and, when the pipe closes
// (normal end, panic, kill), kills those groups and removes the temporary directory.
type reaper struct {
	cmd *exec.Cmd
	w   io.WriteCloser
	dir string
}

const reaperScript = `pgs=()
keep=
while read -r line; do
	case "$line" in
	keep) keep=1 ;;
	*) pgs+=("-$line") ;;
	esac
done
if [ ${#pgs[@]} -gt 0 ]; then kill -KILL -- "${pgs[@]}" 2>/dev/null || true; fi
if [ -z "$keep" ]; then rm -rf -- "$1"; fi
`

func startReaper(dir string) (*reaper, error) {
	cmd := exec.Command("bash", "-c", reaperScript, "reaper", dir)
	w, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start reaper: %w", err)
	}
	return &reaper{cmd: cmd, w: w, dir: dir}, nil
}

func (r *reaper) track(p *process) {
	fmt.Fprintf(r.w, "%d\n", p.cmd.Process.Pid)
}

func (r *reaper) keep() {
	fmt.Fprintln(r.w, "keep")
	r.finish()
}

// finish closes the pipe and waits for the reaper to clean up.
func (r *reaper) finish() {
	r.w.Close()
	_ = r.cmd.Wait()
}
