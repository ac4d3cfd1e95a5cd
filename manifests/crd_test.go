package manifests

import (
	"testing"

	"sigs.k8s.io/yaml"
)

// schema is the subset of OpenAPI v3 (with Kubernetes' extensions) that the CRD
// uses. It is decoded strictly: a keyword the CRD starts to use fails every test
// until the validator in schema_test.go learns it.
type schema struct {
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Description          string             `json:"description,omitempty"`
	Properties           map[string]*schema `json:"properties,omitempty"`
	Items                *schema            `json:"items,omitempty"`
	AdditionalProperties *schema            `json:"additionalProperties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	MinLength            *int64             `json:"minLength,omitempty"`
	MaxLength            *int64             `json:"maxLength,omitempty"`
	MinItems             *int64             `json:"minItems,omitempty"`
	MaxItems             *int64             `json:"maxItems,omitempty"`
	MaxProperties        *int64             `json:"maxProperties,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	ExclusiveMinimum     bool               `json:"exclusiveMinimum,omitempty"`
	AnyOf                []*schema          `json:"anyOf,omitempty"`

	IntOrString           bool     `json:"x-kubernetes-int-or-string,omitempty"`
	PreserveUnknownFields bool     `json:"x-kubernetes-preserve-unknown-fields,omitempty"`
	ListType              string   `json:"x-kubernetes-list-type,omitempty"`
	ListMapKeys           []string `json:"x-kubernetes-list-map-keys,omitempty"`
	Validations           []rule   `json:"x-kubernetes-validations,omitempty"`
}

// rule is one CEL validation rule. Unit tests do not evaluate CEL (the end-to-end
// tests do, on a real API server); they check the rules' numbers.
type rule struct {
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	FieldPath string `json:"fieldPath,omitempty"`
}

// loadSchema returns the openAPIV3Schema of the CRD's only version.
func loadSchema(t *testing.T) *schema {
	t.Helper()
	version, raw, err := CRDSchema()
	if err != nil {
		t.Fatal(err)
	}
	if version != "v1alpha1" {
		t.Fatalf("CRD version: want only v1alpha1, got %s", version)
	}
	var s schema
	if err := yaml.UnmarshalStrict(raw, &s); err != nil {
		t.Fatalf("decode openAPIV3Schema (a keyword the tests do not know?): %v", err)
	}
	return &s
}
