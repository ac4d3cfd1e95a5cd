package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// apiClients talks to the test cluster's API server.
type apiClients struct {
	config *rest.Config
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

func newAPIClients(kubeconfig string) (*apiClients, error) {
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
	return &apiClients{
		config: cfg,
		dyn:    dyn,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
	}, nil
}

// mapping resolves a kind to its resource, refreshing discovery once on a miss (CRDs
// appear while the harness runs).
func (a *apiClients) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
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

// resourceFor returns the dynamic client for obj's kind, namespaced when the kind is.
func (a *apiClients) resourceFor(gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, error) {
	m, err := a.mapping(gvk)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return a.dyn.Resource(m.Resource).Namespace(namespace), nil
	}
	return a.dyn.Resource(m.Resource), nil
}

func (a *apiClients) resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	return a.resourceFor(obj.GroupVersionKind(), obj.GetNamespace())
}

// dryRunStrict creates obj with dryRun=All and fieldValidation=Strict: the API server
// runs every check of a real create (schema, unknown fields, CEL, admission) and
// stores nothing. A warning of the API server is an error too.
func (a *apiClients) dryRunStrict(ctx context.Context, obj *unstructured.Unstructured) error {
	r, err := a.resource(obj)
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
	strictCreate = metav1.CreateOptions{FieldValidation: "Strict"}
	strictUpdate = metav1.UpdateOptions{FieldValidation: "Strict"}
)

// warningsKey is the context key of the warnings collected for one request.
type warningsKey struct{}

// warnings collects the Warning headers of the requests made with its context.
type warnings struct {
	mu   sync.Mutex
	list []string
}

// warningRouter hands each warning of the API server to the collector in the
// request's context; a warning outside noWarnings is logged.
type warningRouter struct{}

func (warningRouter) HandleWarningHeaderWithContext(ctx context.Context, code int, agent, text string) {
	if w, ok := ctx.Value(warningsKey{}).(*warnings); ok {
		w.mu.Lock()
		w.list = append(w.list, text)
		w.mu.Unlock()
		return
	}
	logf("API server warning: %s", text)
}

// noWarnings runs do with a context that collects the API server's warnings and
// fails when do fails or any warning came back: under fieldValidation=Strict a
// warning still means the server did not take the request quite as written.
func noWarnings(ctx context.Context, do func(context.Context) error) error {
	w := &warnings{}
	if err := do(context.WithValue(ctx, warningsKey{}, w)); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.list) > 0 {
		return fmt.Errorf("the API server warned: %s", strings.Join(w.list, "; "))
	}
	return nil
}

// withoutWarnings is noWarnings for a call that returns a value: it returns call's
// value and fails when call fails or the API server warned.
func withoutWarnings[T any](ctx context.Context, call func(context.Context) (T, error)) (T, error) {
	var v T
	err := noWarnings(ctx, func(ctx context.Context) error {
		var err error
		v, err = call(ctx)
		return err
	})
	return v, err
}

// createStrict creates obj for real with fieldValidation=Strict.
func (a *apiClients) createStrict(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	r, err := a.resource(obj)
	if err != nil {
		return nil, err
	}
	return r.Create(ctx, obj, strictCreate)
}

func (a *apiClients) get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	r, err := a.resourceFor(gvk, namespace)
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, name, metav1.GetOptions{})
}

// ctx returns a context that ends with the test, bounded by a generous timeout.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}

// newNamespace creates a uniquely named namespace for one test. Namespaces are not
// deleted afterwards: the cluster lives only as long as the run, and a namespace
// holding managed topics could not be deleted anyway.
func (c *cluster) newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%s", prefix, randSuffix())
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name},
	}}
	if _, err := c.api.createStrict(ctx(t), ns); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}

// poll calls cond until it reports done, fails the test after timeout with the last
// reason cond gave.
func poll(t *testing.T, timeout time.Duration, what string, cond func() (done bool, reason string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, reason := cond()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, reason)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s", what)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// objKey names an object for messages and maps: Kind namespace/name.
func objKey(o *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
}

// isRefused reports whether err is the API server refusing a request (validation,
// admission, forbidden), as opposed to a transport problem.
func isRefused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err)
}

// sluiceKinds lists the child kinds by apiVersion/kind that a CompositeController
// object declares in spec.childResources, as Metacontroller keys them
// ("Kind.apiVersion").
func (a *apiClients) childKinds(controller *unstructured.Unstructured) ([]schema.GroupVersionKind, error) {
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
		gvk, err := a.mapper.KindFor(gv.WithResource(res))
		if err != nil {
			a.mapper.Reset()
			if gvk, err = a.mapper.KindFor(gv.WithResource(res)); err != nil {
				return nil, fmt.Errorf("childResources %s %s: %w", apiVersion, res, err)
			}
		}
		out = append(out, gvk)
	}
	return out, nil
}

// childKey is Metacontroller's key of a child kind in a hook request.
func childKey(gvk schema.GroupVersionKind) string {
	return gvk.Kind + "." + gvk.GroupVersion().String()
}

// containsAll reports whether s contains every one of subs (case-insensitive).
func containsAll(s string, subs ...string) bool {
	s = strings.ToLower(s)
	for _, sub := range subs {
		if !strings.Contains(s, strings.ToLower(sub)) {
			return false
		}
	}
	return true
}

var (
	kafkaTopicsGVR = schema.GroupVersionResource{Group: "kafka.strimzi.io", Version: "v1", Resource: "kafkatopics"}
	sappGVR        = schema.GroupVersionResource{Group: "sluice.dev", Version: "v1alpha1", Resource: "streamingapplications"}
	listAll        = metav1.ListOptions{}
)
