package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/edit"
	"github.com/sluice-dev/sluice/graph"
)

// document is the one StreamingApplication of a file: typed, and as
// written (what is applied).
type document struct {
	file string
	app  *graph.StreamingApplication
	obj  *unstructured.Unstructured
}

// readApp reads FILE ("-" is standard input) holding one
// StreamingApplication. Problems of the document (unknown fields, values of
// the wrong type) are returned as lines, with every other problem after
// Merge.
func (e *env) readApp(name string) (*document, []string, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(e.in)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, nil, err
	}
	file := name
	if name == "-" {
		file = "stdin"
	}
	docs, err := graph.ParseAll(data)
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	case len(docs) != 1:
		return nil, nil, fmt.Errorf("%s: %d StreamingApplications; kubectl sluice reads one per file", file, len(docs))
	}
	d := docs[0]
	var lines []string
	if d.Err != nil {
		lines = strings.Split(d.Err.Error(), "\n")
	}
	if d.App == nil {
		return nil, prefix(file+": "+d.Label, lines), nil
	}
	js, err := yaml.YAMLToJSON(d.Data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	delete(obj.Object, "status")
	return &document{file: file, app: d.App, obj: obj}, prefix(file+": "+d.Label, lines), nil
}

func prefix(p string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = p + ": " + l
	}
	return out
}

// namespace settles the document's namespace against -n: the file's, else
// -n's or the context's; a file and an -n that disagree are an error, as in
// kubectl apply.
func (d *document) namespace(ns string, explicit bool) error {
	switch have := d.obj.GetNamespace(); {
	case have == "":
		d.obj.SetNamespace(ns)
	case explicit && have != ns:
		return usageError{fmt.Sprintf("the namespace of %s (%s) does not match -n %s", d.file, have, ns)}
	}
	d.app.Namespace = d.obj.GetNamespace()
	return nil
}

// settings reads --conf values and --conf-file files, in order.
func (e *env) settings(conf, files []string) ([]edit.Setting, error) {
	var out []edit.Setting
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s, err := edit.ParseFile(f, data)
		if err != nil {
			return nil, usageError{"--conf-file " + err.Error()}
		}
		out = append(out, s...)
	}
	s, err := edit.ParseSettings(conf)
	if err != nil {
		return nil, usageError{"--conf " + err.Error()}
	}
	return append(out, s...), nil
}

// printLines prints each line to w.
func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// validApp reads the application of file and validates it with the same
// code as the hook, printing every problem; n is how many there were, and
// doc is nil when there were any.
func (e *env) validApp(file string) (doc *document, n int, err error) {
	doc, problems, err := e.readApp(file)
	if err != nil {
		return nil, 0, err
	}
	if doc != nil {
		problems = append(problems, prefix(doc.file+": "+doc.app.Name, graph.Validate(doc.app).Strings())...)
	}
	if len(problems) > 0 {
		printLines(e.errOut, problems)
		return nil, len(problems), nil
	}
	return doc, 0, nil
}
