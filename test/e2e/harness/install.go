package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

var crdsGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

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

// Components are Sluice's kustomize components: spark, flink and monitoring add
// child kinds to the CompositeController, pod-health its customize hook. The
// test cluster runs with all of them.
var Components = []string{"spark", "flink", "monitoring", "kafka-users", "keda", "pod-health"}

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
	logf("upstream CRDs installed in %s", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// waitEstablished waits until every CRD has the condition Established=True.
// (`kubectl wait --for=condition=Established crd --all` fails outright on a CRD
// that has no conditions yet, right after it is created.)
func (c *Cluster) waitEstablished() error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		list, err := c.API.Dyn.Resource(crdsGVR).List(context.Background(), ListAll)
		var pending []string
		if err == nil {
			for i := range list.Items {
				if cond := Condition(&list.Items[i], "Established"); cond == nil || cond["status"] != "True" {
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
		objs, err := DecodeYAMLDocs(b)
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
	logf("Sluice's manifests installed and their admission policies enforced in %s", time.Since(start).Round(100*time.Millisecond))
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
	want, err := c.wantedResources()
	if err != nil {
		return err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(c.API.Config)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := unserved(disc, want)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("discovery does not list %v after 60s", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.API.mapper.Reset()
	n := 0
	for _, r := range want {
		n += len(r)
	}
	logf("discovery lists all %d resources of the CRDs and child kinds in %s", n, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// wantedResources returns the resources discovery must list, by groupVersion: every
// served version of every CRD and, once Sluice's manifests are installed, every child
// resource of every CompositeController.
func (c *Cluster) wantedResources() (map[string][]string, error) {
	want := map[string][]string{} // groupVersion -> resources
	crds, err := c.API.Dyn.Resource(crdsGVR).List(context.Background(), ListAll)
	if err != nil {
		return nil, fmt.Errorf("list CRDs: %w", err)
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
	if c.manifestsErr != nil {
		return want, nil
	}
	controllers, err := c.API.Dyn.Resource(compositeControllersGVR).List(context.Background(), ListAll)
	if err != nil {
		return nil, fmt.Errorf("list CompositeControllers: %w", err)
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
	return want, nil
}

// unserved returns the resources of want that discovery does not list now, as
// "groupVersion resource".
func unserved(disc discovery.DiscoveryInterface, want map[string][]string) []string {
	var missing []string
	for _, gv := range SortedKeys(want) {
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
	return missing
}
