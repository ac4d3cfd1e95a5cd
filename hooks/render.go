package hooks

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
