package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// TestExplain: each error a user meets is one sentence with its sentinel;
// discovery of a server that serves nothing tells a missing CRD.
func TestExplain(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/apis/sluice.dev/v1alpha1" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"sluice.dev/v1alpha1","resources":[{"name":"streamingapplications","namespaced":true,"kind":"StreamingApplication","verbs":["get"]}]}`)
	}))
	defer srv.Close()
	c := client(t, srv.URL)
	gr := Applications.GroupResource()
	cases := []struct {
		name     string
		err      error
		verb     string
		ns, obj  string
		want     string
		sentinel error
	}{
		{"not found", apierrors.NewNotFound(gr, "app"), "get", "demo", "app",
			"application demo/app does not exist (kubectl sluice list -n demo lists the applications there)", ErrNotFound},
		{"unknown path", apierrors.NewGenericServerResponse(http.StatusNotFound, "GET", gr, "", "", 0, true), "list", "demo", "",
			"the StreamingApplication API (streamingapplications.sluice.dev/v1alpha1) is not installed in the cluster at " + srv.URL + ": install Sluice first (kubectl apply --server-side -k manifests/)", ErrNotInstalled},
		{"no kind", &meta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "sluice.dev", Kind: "StreamingApplication"}}, "get", "demo", "app",
			"the StreamingApplication API (streamingapplications.sluice.dev/v1alpha1) is not installed in the cluster at " + srv.URL + ": install Sluice first (kubectl apply --server-side -k manifests/)", ErrNotInstalled},
		{"forbidden", apierrors.NewForbidden(gr, "app", errors.New("no")), "patch", "demo", "app",
			"RBAC forbids you to patch streamingapplications.sluice.dev in namespace demo: ask for the permission, or act as someone who has it (--as)", ErrForbidden},
		{"forbidden everywhere", apierrors.NewForbidden(gr, "", errors.New("no")), "list", "", "",
			"RBAC forbids you to list streamingapplications.sluice.dev in any namespace: ask for the permission, or act as someone who has it (--as)", ErrForbidden},
		{"unauthorized", apierrors.NewUnauthorized("who are you"), "get", "demo", "app",
			"the cluster at " + srv.URL + " refused your credentials: log in again, or check --kubeconfig and --context", ErrUnreachable},
		{"unreachable", &url.Error{Op: "Get", URL: "https://127.0.0.1:1/apis", Err: fmt.Errorf("dial tcp: %w", errors.New("connect: connection refused"))}, "get", "demo", "app",
			"the cluster at " + srv.URL + " is unreachable (dial tcp: connect: connection refused): check --kubeconfig, --context and the network", ErrUnreachable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.explain(context.Background(), tc.err, tc.verb, gr.String(), tc.ns, tc.obj)
			if diff := cmp.Diff(tc.want, got.Error()); diff != "" {
				t.Errorf("sentence mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(got, tc.sentinel) {
				t.Errorf("%v is not %v", got, tc.sentinel)
			}
		})
	}
	if !c.installed(context.Background()) {
		t.Error("installed() is false on a server that serves StreamingApplications")
	}

	empty := httptest.NewServer(http.NotFoundHandler())
	defer empty.Close()
	c = client(t, empty.URL)
	if c.installed(context.Background()) {
		t.Error("installed() is true on a server that serves nothing")
	}
	got := c.explain(context.Background(), apierrors.NewNotFound(gr, "app"), "get", gr.String(), "demo", "app")
	if !errors.Is(got, ErrNotInstalled) {
		t.Errorf("a missing application on a server without the CRD: %v, want ErrNotInstalled", got)
	}
}

func client(t *testing.T, server string) *Client {
	t.Helper()
	flags := genericclioptions.NewConfigFlags(false)
	cacheDir := t.TempDir()
	flags.APIServer, flags.CacheDir = &server, &cacheDir
	c, err := New(flags)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
