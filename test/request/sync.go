package request

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
)

// created is the time every generated object was created and updated at.
const created = "2026-11-25T12:00:00Z"

// Answer is what a sync request is generated from: the CompositeController,
// the parent (without status), the request's children keys (a key
// "Kind.apiVersion" for every kind the controller lists) and the hook's
// answer to the request that had no children (its children and status), all
// as JSON decodes them.
type Answer struct {
	Controller map[string]any
	Parent     map[string]any
	Keys       []string
	Children   []map[string]any
	Status     any
}

// Sync returns the sync request Metacontroller sends once every child of the
// answer exists and runs, as JSON: each child observed with the
// controller-uid label, the last-applied annotation (the child as applied),
// the metadata the API server sets (uid, resourceVersion, generation,
// creationTimestamp, managedFields with a field set as big as the child's,
// the owner reference), the fields it defaults, and a status saying it runs;
// the parent with a kubectl last-applied annotation, managedFields, the
// controller's finalizer and the answer's status. Nothing of the input is
// modified.
func Sync(a Answer) ([]byte, error) {
	var in Answer
	if err := copyJSON(a, &in); err != nil {
		return nil, err
	}
	parent, ctrl := in.Parent, in.Controller
	meta := object(parent, "metadata")
	ns, parentName := str(meta, "namespace"), str(meta, "name")
	parentUID := str(meta, "uid")
	if parentUID == "" {
		parentUID = uid("StreamingApplication", ns, parentName)
	}
	observeParent(parent, ctrl, parentUID, in.Status)
	observeController(ctrl)

	kids := map[string]map[string]any{}
	for _, k := range in.Keys {
		kids[k] = map[string]any{}
	}
	owner := map[string]any{
		"apiVersion": parent["apiVersion"], "kind": parent["kind"], "name": parentName,
		"uid": parentUID, "controller": true, "blockOwnerDeletion": true,
	}
	for i, child := range in.Children {
		key := str(child, "kind") + "." + str(child, "apiVersion")
		byName, ok := kids[key]
		if !ok {
			return nil, fmt.Errorf("answered child %d is a %s, which the controller does not list", i, key)
		}
		observeChild(child, ns, parentUID, owner, i+1000)
		byName[ns+"/"+str(object(child, "metadata"), "name")] = child
	}
	req := map[string]any{
		"controller": ctrl, "parent": parent, "children": kids,
		"related": map[string]any{}, "finalizing": false,
	}
	return json.Marshal(req)
}

// observeParent makes the parent what Metacontroller's informer holds: as
// applied by kubectl, with the controller's finalizer and the hook's status.
func observeParent(parent, ctrl map[string]any, parentUID string, status any) {
	meta := object(parent, "metadata")
	applied := map[string]any{
		"apiVersion": parent["apiVersion"], "kind": parent["kind"], "spec": parent["spec"],
		"metadata": map[string]any{"annotations": map[string]any{}, "name": meta["name"], "namespace": meta["namespace"]},
	}
	setAnnotation(meta, "kubectl.kubernetes.io/last-applied-configuration", marshal(applied)+"\n")
	meta["uid"], meta["resourceVersion"], meta["generation"], meta["creationTimestamp"] = parentUID, "4242", 1, created
	meta["finalizers"] = []any{"metacontroller.io/compositecontroller-" + str(object(ctrl, "metadata"), "name")}
	meta["managedFields"] = []any{
		entry("kubectl-client-side-apply", parent["apiVersion"], "", fieldsOf(map[string]any{"metadata": map[string]any{"annotations": meta["annotations"]}, "spec": parent["spec"]})),
		entry("metacontroller", parent["apiVersion"], "", fieldsOf(map[string]any{"metadata": map[string]any{"finalizers": meta["finalizers"]}})),
	}
	if status != nil {
		st, _ := status.(map[string]any)
		if st != nil {
			st["observedGeneration"] = 1
		}
		parent["status"] = status
		meta["managedFields"] = append(meta["managedFields"].([]any), entry("metacontroller", parent["apiVersion"], "status", fieldsOf(map[string]any{"status": status})))
	}
}

// observeController gives the CompositeController what the API server sets.
func observeController(ctrl map[string]any) {
	meta := object(ctrl, "metadata")
	applied := marshal(ctrl) + "\n"
	setAnnotation(meta, "kubectl.kubernetes.io/last-applied-configuration", applied)
	meta["uid"], meta["resourceVersion"], meta["generation"], meta["creationTimestamp"] = uid("CompositeController", "", str(meta, "name")), "17", 1, created
	meta["managedFields"] = []any{entry("kubectl-client-side-apply", ctrl["apiVersion"], "", fieldsOf(map[string]any{"metadata": map[string]any{"annotations": meta["annotations"]}, "spec": ctrl["spec"]}))}
}

// observeChild turns an answered child into the observed one.
func observeChild(child map[string]any, ns, parentUID string, owner map[string]any, version int) {
	kind := str(child, "kind")
	meta := object(child, "metadata")
	name := str(meta, "name")
	labels := object(meta, "labels")
	labels["controller-uid"] = parentUID
	meta["namespace"] = ns
	setAnnotation(meta, "metacontroller.k8s.io/last-applied-configuration", marshal(child))
	applied := fieldsOf(child)
	defaults(kind, name, child)
	meta["uid"], meta["resourceVersion"], meta["creationTimestamp"] = uid(kind, ns, name), fmt.Sprint(version), created
	if kind != "ConfigMap" && kind != "Service" {
		meta["generation"] = 1
	}
	meta["ownerReferences"] = []any{owner}
	managed := []any{entry("metacontroller", child["apiVersion"], "", applied)}
	if st := status(kind, name, child); st != nil {
		child["status"] = st
		managed = append(managed, entry(operator(kind), child["apiVersion"], "status", fieldsOf(map[string]any{"status": st})))
	}
	meta["managedFields"] = managed
}

// defaults adds what the API server defaults in the core kinds.
func defaults(kind, name string, child map[string]any) {
	spec := object(child, "spec")
	switch kind {
	case "Deployment":
		setAnnotation(object(child, "metadata"), "deployment.kubernetes.io/revision", "1")
		spec["progressDeadlineSeconds"], spec["revisionHistoryLimit"] = 600, 10
		spec["strategy"] = map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": "25%", "maxUnavailable": "25%"}}
		pod := object(object(spec, "template"), "spec")
		pod["dnsPolicy"], pod["restartPolicy"], pod["schedulerName"] = "ClusterFirst", "Always", "default-scheduler"
		pod["securityContext"], pod["terminationGracePeriodSeconds"] = map[string]any{}, 30
		for _, c := range list(pod, "containers") {
			c := c.(map[string]any)
			c["imagePullPolicy"], c["terminationMessagePath"], c["terminationMessagePolicy"] = "IfNotPresent", "/dev/termination-log", "File"
			for _, p := range list(c, "ports") {
				p.(map[string]any)["protocol"] = "TCP"
			}
		}
	case "Service":
		ip := fmt.Sprintf("10.96.%d.%d", hash(name)[0], hash(name)[1])
		spec["clusterIP"], spec["clusterIPs"] = ip, []any{ip}
		spec["internalTrafficPolicy"], spec["ipFamilies"], spec["ipFamilyPolicy"] = "Cluster", []any{"IPv4"}, "SingleStack"
		spec["sessionAffinity"] = "None"
		if _, ok := spec["type"]; !ok {
			spec["type"] = "ClusterIP"
		}
		for _, p := range list(spec, "ports") {
			p := p.(map[string]any)
			p["protocol"] = "TCP"
			if _, ok := p["targetPort"]; !ok {
				p["targetPort"] = p["port"]
			}
		}
		child["status"] = map[string]any{"loadBalancer": map[string]any{}}
	}
}

// status is what the child's operator writes once it runs; nil for kinds
// without a status.
func status(kind, name string, child map[string]any) map[string]any {
	spec := object(child, "spec")
	switch {
	case kind == "Deployment":
		r := num(spec["replicas"], 1)
		return map[string]any{
			"observedGeneration": 1, "replicas": r, "readyReplicas": r, "updatedReplicas": r, "availableReplicas": r,
			"conditions": []any{
				condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
				condition("Progressing", "NewReplicaSetAvailable", fmt.Sprintf("ReplicaSet %q has successfully progressed.", name+"-"+hex(name)[:10])),
			},
		}
	case kind == "SparkApplication":
		executors := map[string]any{}
		for i := range num(object(spec, "executor")["instances"], 1) {
			executors[fmt.Sprintf("%s-%s-exec-%d", name, hex(name)[:16], i+1)] = "RUNNING"
		}
		return map[string]any{
			"applicationState": map[string]any{"state": "RUNNING"},
			"driverInfo": map[string]any{
				"podName": name + "-driver", "webUIAddress": "10.97.3.4:4040", "webUIPort": 4040, "webUIServiceName": name + "-ui-svc",
			},
			"executionAttempts": 1, "executorState": executors, "lastSubmissionAttemptTime": created,
			"sparkApplicationId": "spark-" + hex(name)[:32], "submissionAttempts": 1, "submissionID": uid("submission", "", name),
			"terminationTime": nil,
		}
	case kind == "FlinkDeployment":
		reconciled := marshal(map[string]any{"spec": spec, "resource_metadata": map[string]any{"apiVersion": child["apiVersion"], "metadata": map[string]any{"generation": 1}, "firstDeployment": true}})
		return map[string]any{
			"clusterInfo": map[string]any{
				"flink-revision": "b1b7cc5 @ 2024-07-22T12:53:03+02:00", "flink-version": "1.20.0",
				"total-cpu": "2.0", "total-memory": "4294967296",
			},
			"jobManagerDeploymentStatus": "READY",
			"jobStatus": map[string]any{
				"checkpointInfo": map[string]any{"lastPeriodicCheckpointTimestamp": 0},
				"jobId":          hex(name)[:32], "jobName": name, "startTime": "1795608000000", "state": "RUNNING", "updateTime": "1795608060000",
				"savepointInfo": map[string]any{"lastPeriodicSavepointTimestamp": 0, "savepointHistory": []any{}},
			},
			"lifecycleState": "STABLE", "observedGeneration": 1,
			"reconciliationStatus": map[string]any{
				"lastReconciledSpec": reconciled, "lastStableSpec": reconciled,
				"reconciliationTimestamp": 1795608000000, "state": "DEPLOYED",
			},
			"taskManager": map[string]any{"labelSelector": "component=taskmanager,app=" + name, "replicas": 1},
		}
	case strings.HasPrefix(str(child, "apiVersion"), "kafka.strimzi.io/"):
		st := map[string]any{
			"observedGeneration": 1,
			"conditions":         []any{map[string]any{"lastTransitionTime": created, "status": "True", "type": "Ready"}},
		}
		if kind == "KafkaTopic" {
			st["topicName"], st["topicId"] = cmpOr(str(spec, "topicName"), name), hex(name)[:22]
		}
		return st
	}
	return nil
}

// operator is the field manager that writes a kind's status.
func operator(kind string) string {
	switch kind {
	case "Deployment":
		return "kube-controller-manager"
	case "SparkApplication":
		return "spark-operator"
	case "FlinkDeployment":
		return "flink-kubernetes-operator"
	}
	return "strimzi-entity-operator"
}

func condition(typ, reason, message string) map[string]any {
	return map[string]any{
		"lastTransitionTime": created, "lastUpdateTime": created,
		"message": message, "reason": reason, "status": "True", "type": typ,
	}
}

// entry is a managedFields entry.
func entry(manager string, apiVersion any, subresource string, fields map[string]any) map[string]any {
	e := map[string]any{
		"apiVersion": apiVersion, "fieldsType": "FieldsV1", "fieldsV1": fields,
		"manager": manager, "operation": "Update", "time": created,
	}
	if subresource != "" {
		e["subresource"] = subresource
	}
	return e
}

// fieldsOf is the FieldsV1 set of an object's fields, in the API server's
// notation: "f:" fields, "k:" list elements by key, "v:" set elements.
func fieldsOf(obj map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		if k == "apiVersion" || k == "kind" {
			continue
		}
		out["f:"+k] = fieldSet(v, k != "metadata")
	}
	return out
}

func fieldSet(v any, dot bool) map[string]any {
	out := map[string]any{}
	switch v := v.(type) {
	case map[string]any:
		if dot {
			out["."] = map[string]any{}
		}
		for k, e := range v {
			out["f:"+k] = fieldSet(e, true)
		}
	case []any:
		for _, e := range v {
			switch e := e.(type) {
			case map[string]any:
				key := map[string]any{}
				switch {
				case e["name"] != nil:
					key["name"] = e["name"]
				case e["containerPort"] != nil:
					key["containerPort"], key["protocol"] = e["containerPort"], "TCP"
				default:
					return out // atomic
				}
				out["k:"+marshal(key)] = fieldSet(e, true)
			default:
				out["v:"+marshal(e)] = map[string]any{}
			}
		}
		if len(out) > 0 {
			out["."] = map[string]any{}
		}
	}
	return out
}

// uid is a deterministic uid for an object.
func uid(kind, ns, name string) string {
	h := hex(kind + "/" + ns + "/" + name)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func hash(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func hex(s string) string {
	h := hash(s)
	return fmt.Sprintf("%x", h[:])
}

func setAnnotation(meta map[string]any, key, value string) {
	object(meta, "annotations")[key] = value
}

// object returns m[key] as an object, making it if it is missing.
func object(m map[string]any, key string) map[string]any {
	o, ok := m[key].(map[string]any)
	if !ok {
		o = map[string]any{}
		m[key] = o
	}
	return o
}

func list(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// num is a JSON number as an int, def when it is not one.
func num(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return def
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // JSON-decoded values always marshal
	}
	return string(b)
}

// copyJSON copies in into out through JSON, so that nothing of in is
// shared or modified; numbers become float64 as encoding/json decodes them.
func copyJSON(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
