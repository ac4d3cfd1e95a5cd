package graph

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Document is one document of a YAML or JSON stream, as written.
type Document struct {
	// Position is the document's place in the stream, from 1; empty
	// documents are not counted.
	Position int
	// Data is the document's text: YAML, or one JSON value.
	Data []byte
}

// Documents splits a YAML stream (documents between "---" lines) or a JSON
// stream (JSON values one after another) into its documents, skipping empty
// ones (a trailing "---", a document of comments, null). It does not decode
// them; an error is a stream it cannot split, and names the document.
func Documents(data []byte) ([]Document, error) {
	if utilyaml.IsJSONBuffer(data) {
		// A stream that starts with "{" is JSON, unless its first value
		// does not end where a second begins: then it is YAML (a flow
		// mapping, say), as k8s.io/apimachinery's YAMLOrJSONDecoder decides.
		docs, err := jsonDocuments(data)
		if err == nil || len(docs) > 1 {
			return docs, err
		}
	}
	var docs []Document
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		if emptyYAML(doc) {
			continue
		}
		docs = append(docs, Document{Position: len(docs) + 1, Data: slices.Clone(doc)})
	}
}

func jsonDocuments(data []byte) ([]Document, error) {
	var docs []Document
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, fmt.Errorf("document %d: %w", len(docs)+1, err)
		}
		if !isNull(raw) {
			docs = append(docs, Document{Position: len(docs) + 1, Data: raw})
		}
	}
}

// isMarker reports whether a line is a YAML document marker alone ("---",
// "...", perhaps with a comment); the stream reader keeps a leading "---".
func isMarker(l []byte) bool {
	for _, m := range []string{"---", "..."} {
		if rest, ok := bytes.CutPrefix(l, []byte(m)); ok {
			rest = bytes.TrimSpace(rest)
			return len(rest) == 0 || rest[0] == '#'
		}
	}
	return false
}

func isNull(js []byte) bool { return string(bytes.TrimSpace(js)) == "null" }

// emptyYAML reports whether a YAML document holds nothing: blank lines and
// comments, or a lone null. (Converting it to see would double the cost of
// Parse.)
func emptyYAML(doc []byte) bool {
	var content []byte
	for line := range bytes.Lines(doc) {
		l := bytes.TrimSpace(line)
		if len(l) == 0 || l[0] == '#' || isMarker(l) {
			continue
		}
		if content != nil {
			return false
		}
		content = l
	}
	if content == nil {
		return true
	}
	value, _, _ := bytes.Cut(content, []byte(" #"))
	switch string(bytes.TrimSpace(value)) {
	case "null", "Null", "NULL", "~":
		return true
	}
	return false
}
