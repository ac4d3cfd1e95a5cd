package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
)

// Error is an error a user meets, said in one sentence; the cause is kept
// for errors.Is and -v.
type Error struct {
	Sentence string
	Err      error
}

func (e *Error) Error() string { return e.Sentence }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func sentence(format string, args ...any) error {
	return &Error{Sentence: fmt.Sprintf(format, args...)}
}

// Sentinels of the errors a user meets, for errors.Is.
var (
	ErrNotInstalled = errors.New("StreamingApplication API not installed")
	ErrNotFound     = errors.New("application not found")
	ErrForbidden    = errors.New("forbidden")
	ErrUnreachable  = errors.New("cluster unreachable")
	ErrConflict     = errors.New("field manager conflict")
)

// explain says in one sentence what went wrong with verb on resource (in
// namespace ns, object name when one): the API not installed, the
// application missing, RBAC forbidding the verb, the cluster unreachable or
// refusing the credentials, a field another manager owns.
func (c *Client) explain(ctx context.Context, err error, verb, resource, ns, name string) error {
	where := "in namespace " + ns
	if ns == "" {
		where = "in any namespace"
		if resource == compositeController.GroupResource().String() {
			where = "at cluster scope"
		}
	}
	switch {
	case meta.IsNoMatchError(err):
		return c.notInstalled(err)
	case apierrors.IsForbidden(err):
		return &Error{Sentence: fmt.Sprintf("RBAC forbids you to %s %s %s: ask for the permission, or act as someone who has it (--as)", verb, resource, where), Err: errors.Join(ErrForbidden, err)}
	case apierrors.IsUnauthorized(err):
		return &Error{Sentence: fmt.Sprintf("the cluster at %s refused your credentials: log in again, or check --kubeconfig and --context", c.host), Err: errors.Join(ErrUnreachable, err)}
	case apierrors.IsConflict(err) && verb == "patch":
		return &Error{Sentence: fmt.Sprintf("%s: another field manager owns a field this changes; change it where it is managed (for example your GitOps repository), or run again with --force-conflicts to take it over", conflictMessage(err)), Err: errors.Join(ErrConflict, err)}
	case apierrors.IsNotFound(err):
		if resource == Applications.GroupResource().String() && (unknownPath(err) || !c.installed(ctx)) {
			return c.notInstalled(err)
		}
		if resource == Applications.GroupResource().String() && name != "" {
			return &Error{Sentence: fmt.Sprintf("application %s/%s does not exist (kubectl sluice list -n %s lists the applications there)", ns, name, ns), Err: errors.Join(ErrNotFound, err)}
		}
		return &Error{Sentence: fmt.Sprintf("%s %s not found %s", resource, name, where), Err: err}
	case unreachable(err):
		return &Error{Sentence: fmt.Sprintf("the cluster at %s is unreachable (%s): check --kubeconfig, --context and the network", c.host, cause(err)), Err: errors.Join(ErrUnreachable, err)}
	}
	return err
}

func (c *Client) notInstalled(err error) error {
	return &Error{Sentence: fmt.Sprintf("the StreamingApplication API (%s/%s) is not installed in the cluster at %s: install Sluice first (kubectl apply --server-side -k manifests/)",
		Applications.GroupResource(), Applications.Version, c.host), Err: errors.Join(ErrNotInstalled, err)}
}

// installed asks discovery whether the cluster serves StreamingApplications.
func (c *Client) installed(ctx context.Context) bool {
	list, err := c.disc.ServerResourcesForGroupVersion(Applications.GroupVersion().String())
	if err != nil {
		return !apierrors.IsNotFound(err)
	}
	for _, r := range list.APIResources {
		if r.Name == Applications.Resource {
			return true
		}
	}
	return false
}

// unknownPath reports whether a NotFound is the API server's answer for a
// path it does not serve ("the server could not find the requested
// resource"), not for a missing object, which names the object.
func unknownPath(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return false
	}
	d := st.Status().Details
	return d == nil || d.Name == ""
}

// conflictMessage is the API server's account of an apply conflict, which
// names the fields and their managers.
func conflictMessage(err error) string {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return strings.TrimSpace(st.Status().Message)
	}
	return err.Error()
}

// unreachable reports whether err is a transport failure: no connection,
// a timeout, a name that does not resolve, a certificate not trusted.
func unreachable(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe) || errors.As(err, &de) ||
		errors.Is(err, context.DeadlineExceeded)
}

// cause is the innermost message of a transport error.
func cause(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}
