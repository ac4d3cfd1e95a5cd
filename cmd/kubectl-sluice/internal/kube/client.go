package kube

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/edit"
	"github.com/sluice-dev/sluice/graph"
	"github.com/sluice-dev/sluice/hooks/diff"
)

// The resources the plugin reads and writes itself.
var (
	// Applications is the StreamingApplication resource.
	Applications        = schema.GroupVersionResource{Group: graph.Group, Version: graph.Version, Resource: "streamingapplications"}
	compositeController = schema.GroupVersionResource{Group: "metacontroller.k8s.io", Version: "v1alpha1", Resource: "compositecontrollers"}
)

// Client talks to one cluster as the flags say.
type Client struct {
	dyn    dynamic.Interface
	disc   discovery.DiscoveryInterface
	mapper meta.RESTMapper
	host   string
	// Namespace is -n, else the kubeconfig context's, else "default".
	Namespace string
	// ExplicitNamespace is true when -n was given (or the context sets one).
	ExplicitNamespace bool
}

// New builds a client from cli-runtime's flags. Nothing is sent yet.
func New(flags *genericclioptions.ConfigFlags) (*Client, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	ns, explicit, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	// Uncached: a cached client answers from what it read before, and asks
	// for every group first; one question is enough here.
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper, err := flags.ToRESTMapper()
	if err != nil {
		return nil, err
	}
	return &Client{dyn: dyn, disc: disc, mapper: mapper, host: cfg.Host, Namespace: ns, ExplicitNamespace: explicit}, nil
}

// App reads one application.
func (c *Client) App(ctx context.Context, ns, name string) (*unstructured.Unstructured, error) {
	u, err := c.dyn.Resource(Applications).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, c.explain(ctx, err, "get", Applications.GroupResource().String(), ns, name)
	}
	return u, nil
}

// Apps lists the applications of a namespace, or of every one for "".
func (c *Client) Apps(ctx context.Context, ns string) ([]unstructured.Unstructured, error) {
	list, err := c.dyn.Resource(Applications).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.explain(ctx, err, "list", Applications.GroupResource().String(), ns, "")
	}
	return list.Items, nil
}

// ApplyOptions are the options of a server-side apply.
type ApplyOptions struct {
	// DryRun asks the server to run every check and store nothing.
	DryRun bool
	// Force takes over fields another field manager owns, as kubectl's
	// --force-conflicts does.
	Force bool
}

// Apply applies an application with server-side apply, field manager
// kubectl-sluice.
func (c *Client) Apply(ctx context.Context, obj *unstructured.Unstructured, opts ApplyOptions) (*unstructured.Unstructured, error) {
	o := metav1.ApplyOptions{FieldManager: edit.FieldManager, Force: opts.Force}
	if opts.DryRun {
		o.DryRun = []string{metav1.DryRunAll}
	}
	u, err := c.dyn.Resource(Applications).Namespace(obj.GetNamespace()).Apply(ctx, obj.GetName(), obj, o)
	if err != nil {
		return nil, c.explain(ctx, err, "patch", Applications.GroupResource().String(), obj.GetNamespace(), obj.GetName())
	}
	return u, nil
}

// Delete deletes an application with the default propagation, so that the
// finalize hook runs first (foreground deletion would bypass it).
func (c *Client) Delete(ctx context.Context, ns, name string) error {
	err := c.dyn.Resource(Applications).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil {
		return c.explain(ctx, err, "delete", Applications.GroupResource().String(), ns, name)
	}
	return nil
}

// Controller finds the CompositeController whose parent resource is
// streamingapplications.sluice.dev.
func (c *Client) Controller(ctx context.Context) (*unstructured.Unstructured, error) {
	list, err := c.dyn.Resource(compositeController).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, c.explain(ctx, err, "list", compositeController.GroupResource().String(), "", "")
	}
	var found []*unstructured.Unstructured
	for i := range list.Items {
		cc := &list.Items[i]
		apiVersion, _, _ := unstructured.NestedString(cc.Object, "spec", "parentResource", "apiVersion")
		res, _, _ := unstructured.NestedString(cc.Object, "spec", "parentResource", "resource")
		if apiVersion == Applications.GroupVersion().String() && res == Applications.Resource {
			found = append(found, cc)
		}
	}
	switch len(found) {
	case 0:
		return nil, sentence("no CompositeController manages %s in this cluster: install Sluice first (its manifests hold the controller)", Applications.GroupResource())
	case 1:
		return found[0], nil
	}
	return nil, sentence("%d CompositeControllers manage %s: keep one", len(found), Applications.GroupResource())
}

// Children lists the children of parent as Metacontroller observes them:
// every kind the controller lists (a key "Kind.apiVersion" each, possibly
// empty), in the parent's namespace, labelled controller-uid=<parent uid>,
// and not controlled by another owner. With kinds, only those kinds.
func (c *Client) Children(ctx context.Context, controller, parent *unstructured.Unstructured, kinds ...string) (map[string]map[string]*unstructured.Unstructured, error) {
	resources, _, err := unstructured.NestedSlice(controller.Object, "spec", "childResources")
	if err != nil {
		return nil, fmt.Errorf("CompositeController %s: spec.childResources: %w", controller.GetName(), err)
	}
	out := map[string]map[string]*unstructured.Unstructured{}
	for _, r := range resources {
		m, _ := r.(map[string]any)
		apiVersion, _ := m["apiVersion"].(string)
		resource, _ := m["resource"].(string)
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil {
			return nil, fmt.Errorf("CompositeController %s: childResources %s: %w", controller.GetName(), apiVersion, err)
		}
		gvr := gv.WithResource(resource)
		gvk, err := c.mapper.KindFor(gvr)
		if err != nil {
			return nil, sentence("the child resource %s of CompositeController %s is not served by this cluster (%v)", gvr.GroupResource(), controller.GetName(), err)
		}
		if len(kinds) > 0 && !slices.Contains(kinds, gvk.Kind) {
			continue
		}
		list, err := c.dyn.Resource(gvr).Namespace(parent.GetNamespace()).List(ctx, metav1.ListOptions{
			LabelSelector: diff.ControllerUIDLabel + "=" + string(parent.GetUID()),
		})
		if err != nil {
			return nil, c.explain(ctx, err, "list", gvr.GroupResource().String(), parent.GetNamespace(), "")
		}
		byName := map[string]*unstructured.Unstructured{}
		for i := range list.Items {
			child := &list.Items[i]
			if ref := metav1.GetControllerOf(child); ref != nil && ref.UID != parent.GetUID() {
				continue
			}
			child.SetAPIVersion(apiVersion)
			child.SetKind(gvk.Kind)
			byName[child.GetNamespace()+"/"+child.GetName()] = child
		}
		out[gvk.Kind+"."+apiVersion] = byName
	}
	return out, nil
}
