package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Parse decodes one StreamingApplication from YAML or JSON strictly, for the
// offline commands: an unknown or misspelt field, or a field given twice, is
// an error that names it. The hook does not use it: the API server has
// already pruned what the CRD does not know.
func Parse(data []byte) (*StreamingApplication, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var app StreamingApplication
	if err := dec.Decode(&app); err != nil {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, fmt.Errorf("%w %s (misspelt, or not part of %s)", ErrUnknownField, field, APIVersion)
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: more than one document", ErrMalformed)
	}
	if app.APIVersion != APIVersion || app.Kind != Kind {
		return nil, fmt.Errorf("%w: apiVersion/kind is %q/%q, want %s/%s", ErrMalformed, app.APIVersion, app.Kind, APIVersion, Kind)
	}
	return &app, nil
}

// FromJSON decodes a parent as the API server stored it (leniently: the
// server has already pruned unknown fields).
func FromJSON(data []byte) (*StreamingApplication, error) {
	var app StreamingApplication
	if err := json.Unmarshal(data, &app); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return &app, nil
}
