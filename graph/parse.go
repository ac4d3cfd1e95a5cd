package graph

import (
	"fmt"
	jsonv1 "github.com/go-json-experiment/json/v1"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Parsed is one document of a stream, decoded as Parse decodes it.
type Parsed struct {
	Document
	// Label names the document in messages: the application's name, or
	// "document N" for one without a name or of another kind; with the
	// position added when two documents have the same name.
	Label string
	// App and Err are what Parse returned for the document.
	App *StreamingApplication
	Err error
}

// ParseAll parses every document of a YAML or JSON stream (see Documents) as
// a StreamingApplication, as Parse does; a document of another kind gets an
// error matching ErrNotApplication that names its kind and name. The error
// is a stream that cannot be split, after the documents before it.
func ParseAll(data []byte) ([]Parsed, error) {
	docs, err := Documents(data)
	out := make([]Parsed, len(docs))
	names := map[string]int{}
	for i, d := range docs {
		out[i].Document = d
		out[i].App, out[i].Err = parseDocument(d.Data)
		if app := out[i].App; app != nil && app.Name != "" {
			names[app.Name]++
		}
	}
	for i := range out {
		p := &out[i]
		switch app := p.App; {
		case app == nil || app.Name == "":
			p.Label = fmt.Sprintf("document %d", p.Position)
		case names[app.Name] > 1:
			p.Label = fmt.Sprintf("%s (document %d)", app.Name, p.Position)
		default:
			p.Label = app.Name
		}
	}
	return out, err
}

// Parse decodes one StreamingApplication from YAML or JSON strictly, for the
// offline commands, the way the API server's strict field validation does:
// field names are case-sensitive, and every unknown or misspelt field, and
// every field given twice, is an error that names its path. A value of the
// wrong type is an error matching ErrWrongType, at the path of the value
// with streamlets and ports by name. With only such errors it also returns
// the application decoded without those fields and values, so that its other
// problems can be reported at once: unknown fields come first, then values
// of the wrong type by path. A stream of several documents is an error (see
// ParseAll). The hook does not use it: the API server has already pruned
// what the CRD does not know.
func Parse(data []byte) (*StreamingApplication, error) {
	docs, err := Documents(data)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	case len(docs) != 1:
		return nil, fmt.Errorf("%w: %d documents, want one (ParseAll reads a stream)", ErrMalformed, len(docs))
	}
	return parseDocument(docs[0].Data)
}

// parseDocument is Parse of one document.
func parseDocument(doc []byte) (*StreamingApplication, error) {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var app StreamingApplication
	var tree any // the document as checked, once there is a wrong type
	strict, err := kjson.UnmarshalStrict(js, &app)
	var wrong Problems
	if err != nil {
		app, tree, strict, wrong, err = decodeLeniently(js, true)
		if err != nil {
			return nil, err
		}
	}
	if app.APIVersion != APIVersion || app.Kind != Kind {
		return nil, fmt.Errorf("%s is %w", describeObject(app.APIVersion, app.Kind, app.Name), ErrNotApplication)
	}
	return &app, append(unknownFields(strict, tree, js), wrong...).orNil()
}

// describeObject names a document of a stream in messages: kind/name and
// its apiVersion.
func describeObject(apiVersion, kind, name string) string {
	switch {
	case kind == "" && apiVersion == "" && name == "":
		return "an object without apiVersion, kind and name"
	case kind == "" && apiVersion == "":
		return "an object without apiVersion and kind, named " + name + ","
	}
	s := kind
	if kind == "" {
		s = "an object without kind"
	}
	if name != "" {
		s += "/" + name
	}
	if apiVersion == "" {
		return s + " (no apiVersion)"
	}
	return s + " (apiVersion " + apiVersion + ")"
}

// FromJSON decodes a parent as the API server stored it (leniently: the
// server has already pruned unknown fields). A value of the wrong type, which
// the CRD's schema should have refused, is an error matching ErrWrongType at
// its path, as Parse reports it; with only such errors it also returns the
// application decoded without those values, for its other problems. Nothing
// must be made of that application: ResolveJSON reports both and resolves
// nothing.
func FromJSON(data []byte) (*StreamingApplication, error) {
	var app StreamingApplication
	// encoding/json's semantics on the JSON v2 decoder: 1.8 times as fast
	// (BenchmarkFromJSON), and what it accepts is what encoding/json accepts
	// (FuzzFromJSON).
	if err := jsonv1.Unmarshal(data, &app); err != nil {
		app, _, _, wrong, err := decodeLeniently(data, false)
		if err != nil {
			return nil, err
		}
		return &app, wrong.orNil()
	}
	return &app, nil
}
