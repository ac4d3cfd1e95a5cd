package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// APIClients talks to the test cluster's API server.
type APIClients struct {
	// Config is the admin's client configuration (bearer token, QPS 200, burst 400;
	// warnings routed to the collector of the request's context).
	Config *rest.Config
	// Dyn is the dynamic client every read and write of the harness goes through.
	Dyn dynamic.Interface
	// Mapper resolves kinds to resources by discovery, cached until Reset.
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// NewAPIClients returns the clients of the API server the kubeconfig names.
func newAPIClients(kubeconfig string) (*APIClients, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	cfg.WarningHandlerWithContext = warningRouter{}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &APIClients{
		Config: cfg,
		Dyn:    dyn,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
	}, nil
}

// mapping resolves a kind to its resource, refreshing discovery once on a miss (CRDs
// appear while the harness runs).
func (a *APIClients) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		a.mapper.Reset()
		m, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not served by the test cluster: %w", gvk, err)
	}
	return m, nil
}

// ResourceFor returns the dynamic client for obj's kind, namespaced when the kind is.
func (a *APIClients) resourceFor(gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, error) {
	m, err := a.mapping(gvk)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return a.Dyn.Resource(m.Resource).Namespace(namespace), nil
	}
	return a.Dyn.Resource(m.Resource), nil
}

// Resource returns the dynamic client for obj's kind, in obj's namespace when the
// kind is namespaced.
func (a *APIClients) Resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	return a.resourceFor(obj.GroupVersionKind(), obj.GetNamespace())
}

// DryRunStrict creates obj with dryRun=All and fieldValidation=Strict: the API server
// runs every check of a real create (schema, unknown fields, CEL, admission) and
// stores nothing. A warning of the API server is an error too.
func (a *APIClients) DryRunStrict(ctx context.Context, obj *unstructured.Unstructured) error {
	r, err := a.Resource(obj)
	if err != nil {
		return err
	}
	return noWarnings(ctx, func(ctx context.Context) error {
		_, err := r.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"})
		return err
	})
}

// Options of every write the harness checks: fieldValidation=Strict makes the API
// server refuse an unknown or duplicate field instead of dropping it with a warning.
var (
	StrictCreate = metav1.CreateOptions{FieldValidation: "Strict"}
	StrictUpdate = metav1.UpdateOptions{FieldValidation: "Strict"}
)

// CreateStrict creates obj for real with fieldValidation=Strict.
func (a *APIClients) CreateStrict(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	r, err := a.Resource(obj)
	if err != nil {
		return nil, err
	}
	return r.Create(ctx, obj, StrictCreate)
}

// Get reads the object of kind gvk named namespace/name.
func (a *APIClients) Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	r, err := a.resourceFor(gvk, namespace)
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, name, metav1.GetOptions{})
}

// IsRefused reports whether err is the API server refusing a request (validation,
// admission, forbidden), as opposed to a transport problem.
func IsRefused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err)
}

// ChildKinds lists the child kinds by apiVersion/kind that a CompositeController
// object declares in spec.childResources, as Metacontroller keys them
// ("Kind.apiVersion").
func (a *APIClients) ChildKinds(controller *unstructured.Unstructured) ([]schema.GroupVersionKind, error) {
	list, _, err := unstructured.NestedSlice(controller.Object, "spec", "childResources")
	if err != nil {
		return nil, err
	}
	var out []schema.GroupVersionKind
	for _, item := range list {
		m, _ := item.(map[string]any)
		apiVersion, _ := m["apiVersion"].(string)
		res, _ := m["resource"].(string)
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil {
			return nil, err
		}
		gvk, err := a.kindFor(gv.WithResource(res))
		if err != nil {
			return nil, fmt.Errorf("childResources %s %s: %w", apiVersion, res, err)
		}
		out = append(out, gvk)
	}
	return out, nil
}

// kindFor resolves a resource to its kind, refreshing discovery once on a miss (CRDs
// appear while the harness runs).
func (a *APIClients) kindFor(gvr schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	gvk, err := a.mapper.KindFor(gvr)
	if err != nil {
		a.mapper.Reset()
		gvk, err = a.mapper.KindFor(gvr)
	}
	return gvk, err
}

// Resources the tests read and write, and the list options that select everything.
var (
	KafkaTopicsGVR = schema.GroupVersionResource{Group: "kafka.strimzi.io", Version: "v1", Resource: "kafkatopics"}
	SappGVR        = schema.GroupVersionResource{Group: "sluice.dev", Version: "v1alpha1", Resource: "streamingapplications"}
	NamespacesGVR  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	ListAll        = metav1.ListOptions{}
)

// DryRunApplyStrict server-side applies obj with dryRun=All and
// fieldValidation=Strict: for objects that exist already (the CRD, installed by
// TestMain), where a create would only report that.
func (a *APIClients) DryRunApplyStrict(t *testing.T, obj *unstructured.Unstructured) error {
	t.Helper()
	r, err := a.Resource(obj)
	if err != nil {
		return err
	}
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return err
	}
	force := true
	_, err = r.Patch(Ctx(t), obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{
		DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict", FieldManager: "sluice-e2e", Force: &force,
	})
	return err
}

// NewNamespace creates a uniquely named namespace for one test. Namespaces are not
// deleted afterwards: the cluster lives only as long as the run, and a namespace
// holding managed topics could not be deleted anyway.
func (c *Cluster) NewNamespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%s", prefix, RandSuffix())
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
	if _, err := c.API.CreateStrict(Ctx(t), ns); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}
