package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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
	"prometheusrules":   "PrometheusRule",
	"kafkausers":        "KafkaUser",

	// KEDA's, the keda component.
	"scaledobjects":          "ScaledObject",
	"triggerauthentications": "TriggerAuthentication",
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

// The CompositeController that Controller looks for, and the parent
// resource it must manage.
const (
	controllerAPIVersion = "metacontroller.k8s.io/v1alpha1"
	controllerKind       = "CompositeController"
	parentResource       = "streamingapplications." + graph.Group
)

// Controller picks Sluice's CompositeController out of a YAML or JSON stream,
// such as `kubectl kustomize manifests/` output: the CompositeController
// whose parentResource is streamingapplications.sluice.dev. A stream without
// one, or with two, is an error that says what the stream holds.
func Controller(data []byte) (*unstructured.Unstructured, error) {
	docs, err := graph.Documents(data)
	if err != nil {
		return nil, err
	}
	var others, theirs, ours []string
	var found *unstructured.Unstructured
	for _, d := range docs {
		u, err := decodeObject(d.Data)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", d.Position, err)
		}
		if u.GetAPIVersion() != controllerAPIVersion || u.GetKind() != controllerKind {
			others = append(others, u.GetKind()+"/"+u.GetName())
			continue
		}
		apiVersion, _, _ := unstructured.NestedString(u.Object, "spec", "parentResource", "apiVersion")
		resource, _, _ := unstructured.NestedString(u.Object, "spec", "parentResource", "resource")
		group, _, _ := strings.Cut(apiVersion, "/")
		if manages := resource + "." + group; manages != parentResource {
			theirs = append(theirs, u.GetName()+" manages "+manages)
			continue
		}
		found = u
		ours = append(ours, fmt.Sprintf("%s\x00%d", u.GetName(), d.Position))
	}
	switch {
	case len(ours) == 1:
		return found, nil
	case len(ours) > 1:
		names, positions := make([]string, len(ours)), make([]string, len(ours))
		for i, o := range ours {
			names[i], positions[i], _ = strings.Cut(o, "\x00")
		}
		return nil, fmt.Errorf("%ss %s (documents %s) both manage %s: keep one",
			controllerKind, joinAnd(names), joinAnd(positions), parentResource)
	case len(theirs) == 1:
		return nil, fmt.Errorf("%s %s, not %s", controllerKind, theirs[0], parentResource)
	case len(theirs) > 1:
		names := make([]string, len(theirs))
		for i, t := range theirs {
			names[i], _, _ = strings.Cut(t, " ")
		}
		return nil, fmt.Errorf("none of the %ss %s manages %s", controllerKind, strings.Join(names, ", "), parentResource)
	case len(docs) == 0:
		return nil, fmt.Errorf("no %s (%s): the file holds no document", controllerKind, controllerAPIVersion)
	}
	const listed = 10
	more := ""
	if len(others) > listed {
		others, more = others[:listed], fmt.Sprintf(" and %d more", len(others)-listed)
	}
	return nil, fmt.Errorf("no %s (%s) among its %s: %s%s", controllerKind, controllerAPIVersion,
		plural(len(docs), "document"), strings.Join(others, ", "), more)
}

func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Answer is the rendered answer for one application of a stream.
type Answer struct {
	// Name is the application's name, or its position (see graph.Parsed).
	Name     string
	Response *Response
}

// RenderStream answers the empty sync request (see Render) for every
// StreamingApplication of a YAML or JSON stream, in order. A document that
// does not parse strictly or is of another kind is an error, one line each,
// prefixed with the document's name; then nothing is answered, so that no
// partial stream reaches kubectl apply.
func RenderStream(parentData []byte, controller *unstructured.Unstructured, now time.Time) ([]Answer, error) {
	docs, err := graph.ParseAll(parentData)
	var errs []error
	for _, d := range docs {
		if d.Err != nil {
			for line := range strings.SplitSeq(d.Err.Error(), "\n") {
				errs = append(errs, fmt.Errorf("%s: %s", d.Label, line))
			}
		}
	}
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(docs) == 0 {
		return nil, errors.New("no StreamingApplication")
	}
	answers := make([]Answer, len(docs))
	for i, d := range docs {
		resp, err := renderParent(d.Data, controller, now)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Label, err)
		}
		answers[i] = Answer{Name: d.Label, Response: resp}
	}
	return answers, nil
}

// Render answers the empty sync request for a parent (one document, YAML
// or JSON, parsed strictly) under a CompositeController (see Controller):
// exactly what the sync hook answers before any child exists. A parent
// without a namespace renders into "default".
func Render(parentData, controllerData []byte, now time.Time) (*Response, error) {
	controller, err := Controller(controllerData)
	if err != nil {
		return nil, fmt.Errorf("controller: %w", err)
	}
	app, err := graph.Parse(parentData)
	if err != nil {
		return nil, err
	}
	if app == nil {
		return nil, errors.New("no StreamingApplication")
	}
	return renderParent(parentData, controller, now)
}

// renderParent answers for one parent document that parses.
func renderParent(parentData []byte, controller *unstructured.Unstructured, now time.Time) (*Response, error) {
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
	req, err := EmptyRequest(controller.DeepCopy(), parent)
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
