package harness

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Cluster is the running test environment shared by every test.
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

	// API is the clients of the test cluster's API server, as the admin.
	API *APIClients
}

// NeedSluice fails the test when the sluice binary or its server is unavailable.
func (c *Cluster) NeedSluice(t *testing.T) {
	t.Helper()
	if c.sluiceErr != nil {
		t.Fatalf("the sluice binary is not usable: %v", c.sluiceErr)
	}
}

// NeedManifests fails the test when Sluice's manifests could not be installed.
func (c *Cluster) NeedManifests(t *testing.T) {
	t.Helper()
	if c.manifestsErr != nil {
		t.Fatalf("Sluice's manifests are not installed: %v", c.manifestsErr)
	}
}

// bringUp builds what is missing and starts etcd, kube-apiserver, Sluice's install
// and kube-controller-manager, then `sluice serve` and the real Metacontroller.
func bringUp(dir string, reaper *reaper) (*Cluster, error) {
	repo, shared, err := locateInputs()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Repo: repo, shared: shared}
	ports, err := pickPorts()
	if err != nil {
		return nil, err
	}

	// The sluice binary builds while the control plane binaries are checked.
	sluiceBuilt := make(chan error, 1)
	go func() { sluiceBuilt <- c.buildSluice() }()

	start := time.Now()
	k8sDir, etcdDir, err := buildBinaries()
	if err != nil {
		return nil, err
	}
	logf("control plane binaries ready in %s", time.Since(start).Round(time.Second))
	c.kubectl = filepath.Join(k8sDir, "kubectl")

	start = time.Now()
	if err := c.startControlPlane(k8sDir, etcdDir, ports, reaper); err != nil {
		return nil, err
	}
	c.startSluiceAndMetacontroller(sluiceBuilt, ports, reaper)
	logf("cluster up in %s (kubeconfig %s)", time.Since(start).Round(100*time.Millisecond), c.Kubeconfig)
	return c, nil
}

// locateInputs returns the repository root (../.. of the working directory,
// test/e2e) and the shared folder, and checks that the shared folder holds every
// upstream CRD and the Metacontroller binary.
func locateInputs() (repo, shared string, err error) {
	repo, err = filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", "", err
	}
	shared = os.Getenv(envShared)
	if shared == "" {
		shared = filepath.Join(repo, "..", "shared")
	}
	for _, f := range upstreamCRDs {
		if _, err := os.Stat(filepath.Join(shared, "crds", f)); err != nil {
			return "", "", fmt.Errorf("upstream CRD missing (set %s to the folder holding crds/): %w", envShared, err)
		}
	}
	if err := checkMetacontrollerBinary(shared); err != nil {
		return "", "", err
	}
	return repo, shared, nil
}

// pickPorts chooses every port of the cluster at once, so no two processes get the
// same.
func pickPorts() (clusterPorts, error) {
	pick, err := freePorts(7)
	if err != nil {
		return clusterPorts{}, err
	}
	return clusterPorts{etcdClient: pick[0], etcdPeer: pick[1], apiServer: pick[2], controllerManager: pick[3], sluice: pick[4],
		mcMetrics: pick[5], mcHealth: pick[6]}, nil
}

// startControlPlane starts etcd and kube-apiserver, installs the upstream CRDs and
// Sluice's manifests (a failure of the latter is kept in manifestsErr), and starts
// kube-controller-manager once discovery lists every resource.
func (c *Cluster) startControlPlane(k8sDir, etcdDir string, ports clusterPorts, reaper *reaper) error {
	start := time.Now()
	etcdURL, err := startEtcd(c.Dir, filepath.Join(etcdDir, "etcd"), ports, reaper)
	if err != nil {
		return err
	}
	if err := c.startAPIServer(filepath.Join(k8sDir, "kube-apiserver"), etcdURL, ports.apiServer, reaper); err != nil {
		return err
	}
	logf("etcd and kube-apiserver ready in %s", time.Since(start).Round(100*time.Millisecond))

	if err := c.installUpstreamCRDs(); err != nil {
		return err
	}
	c.manifestsErr = c.installSluice()
	if c.manifestsErr != nil {
		logf("WARNING: %v", c.manifestsErr)
	}
	// The garbage collector discovers resources at start and then only every 30 s:
	// start it once discovery lists every resource it will have to collect.
	if err := c.waitForDiscovery(); err != nil {
		return err
	}
	return c.startControllerManager(filepath.Join(k8sDir, "kube-controller-manager"), ports.controllerManager, reaper)
}

// startSluiceAndMetacontroller starts `sluice serve` once its build is done, then
// the real Metacontroller. Their failures are kept in sluiceErr and mcErr, for the
// tests that need them.
func (c *Cluster) startSluiceAndMetacontroller(sluiceBuilt <-chan error, ports clusterPorts, reaper *reaper) {
	if err := <-sluiceBuilt; err != nil {
		c.sluiceErr = err
		logf("WARNING: %v", err)
	} else if err := c.startSluice(ports.sluice, reaper); err != nil {
		c.sluiceErr = err
		logf("WARNING: %v", err)
	}
	switch {
	case c.manifestsErr != nil:
		c.mcErr = fmt.Errorf("not started: Sluice's manifests are not installed: %w", c.manifestsErr)
	case c.sluiceErr != nil:
		c.mcErr = fmt.Errorf("not started: sluice serve is not running: %w", c.sluiceErr)
	default:
		c.mcErr = c.startMetacontroller(metacontrollerBinary(c.shared), ports.mcMetrics, ports.mcHealth, reaper)
	}
	if c.mcErr != nil {
		logf("WARNING: Metacontroller: %v", c.mcErr)
	}
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

// adminToken is the bearer token of the admin user (group system:masters).
const adminToken = "sluice-e2e-admin-token"

func (c *Cluster) startAPIServer(bin, etcdURL string, port int, r *reaper) error {
	pki := filepath.Join(c.Dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return err
	}
	tokens := filepath.Join(pki, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(adminToken+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
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
	if err := waitHTTP(p, server+"/readyz", adminToken, 60*time.Second); err != nil {
		return err
	}
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	if err := WriteKubeconfig(c.Kubeconfig, "e2e", server, "default"); err != nil {
		return err
	}
	c.API, err = newAPIClients(c.Kubeconfig)
	return err
}

// WriteKubeconfig writes to path a kubeconfig of the test API server's admin (its
// adminToken) for the server at server, name naming its cluster and context; namespace,
// when not "", is the context's namespace.
func WriteKubeconfig(path, name, server, namespace string) error {
	inNamespace := ""
	if namespace != "" {
		inNamespace = ", namespace: " + namespace
	}
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster: {server: %[2]q, insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: %[3]q}
contexts:
- name: %[1]s
  context: {cluster: %[1]s, user: admin%[4]s}
current-context: %[1]s
`, name, server, adminToken, inNamespace)
	return os.WriteFile(path, []byte(kubeconfig), 0o600)
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
	return waitHTTP(p, fmt.Sprintf("https://127.0.0.1:%d/healthz", port), adminToken, 60*time.Second)
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
