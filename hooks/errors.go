package hooks

import "errors"

// Errors of a request, mapped to HTTP status codes in one place
// (server.go). A request Sluice cannot read gets an error, never an answer:
// Metacontroller then changes nothing and retries.
var (
	// ErrMalformed is a request that is not Metacontroller's v2 shape (400).
	ErrMalformed = errors.New("malformed request")
	// errForeign is a well-formed request for a parent that is not a
	// StreamingApplication: a misconfigured controller (422).
	errForeign = errors.New("foreign request")
)
