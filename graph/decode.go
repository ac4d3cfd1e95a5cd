package graph

import (
	"encoding/json"
	"errors"
	"fmt"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Parse decodes one StreamingApplication from YAML or JSON strictly, for the
// offline commands, the way the API server's strict field validation does:
// field names are case-sensitive, and every unknown or misspelt field, and
// every field given twice, is an error that names its path. With only such
// field errors it also returns the application decoded without those
// fields, so that its other problems can be reported at once. The hook does
// not use it: the API server has already pruned what the CRD does not know.
func Parse(data []byte) (*StreamingApplication, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var app StreamingApplication
	strict, err := kjson.UnmarshalStrict(js, &app)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if app.APIVersion != APIVersion || app.Kind != Kind {
		return nil, fmt.Errorf("%w: apiVersion/kind is %q/%q, want %s/%s", ErrMalformed, app.APIVersion, app.Kind, APIVersion, Kind)
	}
	errs := make([]error, len(strict))
	for i, e := range strict {
		errs[i] = fieldError{e}
	}
	return &app, errors.Join(errs...)
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

// fieldError is an unknown (or duplicate) field found by strict decoding;
// it matches ErrUnknownField.
type fieldError struct{ err error }

// Error names the field and says what to check.
func (e fieldError) Error() string {
	return e.err.Error() + " (misspelt, or not part of " + APIVersion + ")"
}

// Is makes a fieldError match ErrUnknownField.
func (e fieldError) Is(target error) bool { return target == ErrUnknownField }
