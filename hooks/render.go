package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/graph"
)

// resourceKinds maps the child resources Sluice makes to their kinds, for
// building a request from a CompositeController's childResources.
var resourceKinds = map[string]string{
	"configmaps":        "ConfigMap",
	"services":          "Service",
	"deployments":       "Deployment",
	"kafkatopics":       "KafkaTopic",
	"sparkapplications": "SparkApplication",
	"flinkdeployments":  "FlinkDeployment",
	"podmonitors":       "PodMonitor",
}

// EmptyRequest is the sync request the controller would send for parent
// before any child exists: a key for every child kind the controller lists,
// each empty. `sluice render` answers it.
func EmptyRequest(controller, parent *unstructured.Unstructured) (*Request, error) {
	resources, _, err := unstructured.NestedSlice(controller.Object, "spec", "childResources")
	if err != nil {
		return nil, fmt.Errorf("controller %s: spec.childResources: %w", controller.GetName(), err)
	}
	req := &Request{Controller: controller, Parent: parent, Children: map[string]map[string]*unstructured.Unstructured{}}
	for i, r := range resources {
		m, _ := r.(map[string]any)
		resource, _ := m["resource"].(string)
		apiVersion, _ := m["apiVersion"].(string)
		kind, ok := resourceKinds[resource]
		if !ok || apiVersion == "" {
			return nil, fmt.Errorf("controller %s: spec.childResources[%d]: %q under %q is not a kind Sluice makes", controller.GetName(), i, resource, apiVersion)
		}
		req.Children[kind+"."+apiVersion] = map[string]*unstructured.Unstructured{}
	}
	return req, nil
}

// RenderUID is the uid an offline parent gets: no API server assigned one.
const RenderUID = "00000000-0000-0000-0000-000000000000"

// Render answers the empty sync request for a parent (YAML or JSON, parsed
// strictly) under a CompositeController (YAML or JSON): exactly what the
// sync hook answers before any child exists. A parent without a namespace
// renders into "default".
func Render(parentData, controllerData []byte, now time.Time) (*Response, error) {
	if _, err := graph.Parse(parentData); err != nil {
		return nil, err
	}
	parent, err := decodeObject(parentData)
	if err != nil {
		return nil, err
	}
	if parent.GetNamespace() == "" {
		parent.SetNamespace("default")
	}
	if parent.GetUID() == "" {
		parent.SetUID(RenderUID)
	}
	controller, err := decodeObject(controllerData)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	req, err := EmptyRequest(controller, parent)
	if err != nil {
		return nil, err
	}
	return Sync(req, now)
}

func decodeObject(data []byte) (*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, err
	}
	return u, nil
}

// WriteAnswer prints an answer as JSON ({"status":…,"children":[…]}), or as
// a YAML stream of the children, each after "---", preceded by the status
// as a comment so that the stream stays fit for kubectl apply.
func WriteAnswer(w io.Writer, format string, resp *Response) error {
	if format == "json" {
		b, err := json.MarshalIndent(resp, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	status, err := yaml.Marshal(map[string]any{"status": resp.Status})
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(bytes.TrimSpace(status), []byte("\n")) {
		out.WriteString("# ")
		out.Write(line)
	}
	out.WriteString("\n")
	for _, child := range resp.Children {
		b, err := yaml.Marshal(child.Object)
		if err != nil {
			return err
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	_, err = w.Write(out.Bytes())
	return err
}
