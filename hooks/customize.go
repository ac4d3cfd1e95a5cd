package hooks

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/sluice-dev/sluice/children"
)

// CustomizeRequest is Metacontroller's customize hook request.
type CustomizeRequest struct {
	Controller *unstructured.Unstructured `json:"controller"`
	Parent     *unstructured.Unstructured `json:"parent"`
}

// CustomizeResponse names the related objects Metacontroller adds to every
// sync request of the parent.
type CustomizeResponse struct {
	RelatedResources []RelatedResource `json:"relatedResources"`
}

// RelatedResource selects related objects of one resource.
type RelatedResource struct {
	APIVersion    string                `json:"apiVersion"`
	Resource      string                `json:"resource"`
	Namespace     string                `json:"namespace,omitempty"`
	LabelSelector *metav1.LabelSelector `json:"labelSelector,omitempty"`
}

// relatedPodsKey is the key of the application's pods in a sync request's
// related map.
const relatedPodsKey = "Pod.v1"

// Customize asks for the application's pods (every pod Sluice's children
// make carries sluice.dev/app), whose container restarts and waiting reasons
// then appear in each streamlet's status. It is called only where the
// pod-health component added the hook.
func Customize(req *CustomizeRequest) (*CustomizeResponse, error) {
	if err := checkParent(&Request{Parent: req.Parent}); err != nil {
		return nil, err
	}
	return &CustomizeResponse{RelatedResources: []RelatedResource{{
		APIVersion: "v1",
		Resource:   "pods",
		Namespace:  req.Parent.GetNamespace(),
		LabelSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{children.LabelApp: req.Parent.GetName()},
		},
	}}}, nil
}

// relatedPods returns the pods of a sync request's related map, if the
// customize hook asked for them.
func relatedPods(req *Request) []*unstructured.Unstructured {
	byName := req.Related[relatedPodsKey]
	pods := make([]*unstructured.Unstructured, 0, len(byName))
	for _, u := range byName {
		if u != nil {
			pods = append(pods, u)
		}
	}
	return pods
}
