package request

import (
	"encoding/json"
	"errors"
)

// The two floors a hook's cost per sync is measured against, on the same
// bytes (hooks' BenchmarkSync, test/load).

// Scan is the scan floor: checking the body is JSON (encoding/json's
// Valid), the least any reader does.
func Scan(body []byte) error {
	if !json.Valid(body) {
		return errors.New("invalid JSON")
	}
	return nil
}

// Generic is the generic floor: the body decoded into any by encoding/json
// and its observed children encoded as one list, what any hook pays to read
// a request and answer its children.
func Generic(body []byte) error {
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	byKind, _ := req["children"].(map[string]any)
	var kids []any
	for _, byName := range byKind {
		m, _ := byName.(map[string]any)
		for _, u := range m {
			kids = append(kids, u)
		}
	}
	_, err := json.Marshal(kids)
	return err
}
