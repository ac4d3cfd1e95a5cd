package graph

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinel errors, one per kind of problem, for errors.Is in callers and tests.
var (
	ErrInvalidName     = errors.New("invalid name")
	ErrNameTooLong     = errors.New("name too long")
	ErrDuplicate       = errors.New("duplicate")
	ErrRequired        = errors.New("required")
	ErrUnknownRuntime  = errors.New("unknown runtime")
	ErrMissingSetting  = errors.New("missing runtime setting")
	ErrNoSuchStreamlet = errors.New("no such streamlet")
	ErrNoSuchPort      = errors.New("no such port")
	ErrSchemaMismatch  = errors.New("schema mismatch")
	ErrUnconnected     = errors.New("inlet has no source")
	ErrTwoSources      = errors.New("inlet has more than one source")
	ErrCycle           = errors.New("cycle")
	ErrBadValue        = errors.New("bad value")
	ErrUndeclaredKey   = errors.New("undeclared config key")
	ErrNotAllowed      = errors.New("not allowed")
	ErrUnknownField    = errors.New("unknown field")
	ErrMalformed       = errors.New("malformed application")
	// ErrWrongType is a value of the wrong type: a string where an integer
	// belongs, a list where a value belongs. Decoding reports it at the path
	// of the value and goes on with the rest of the application.
	ErrWrongType = errors.New("wrong type")
	// ErrNotApplication is a document of another kind in a stream.
	ErrNotApplication = errors.New("not a " + APIVersion + " " + Kind)
	// ErrNotScalar is a Scalar given an object, a list or null.
	ErrNotScalar = errors.New("must be a string, number or boolean")
)

// Problem is one thing wrong with an application, at the path of the field
// at fault, e.g. "spec.streamlets[merge].inlets[in-0]".
type Problem struct {
	Path string
	Err  error
}

// Error is the problem as one line: the path, then what is wrong.
func (p Problem) Error() string { return p.Path + ": " + p.Err.Error() }

// Unwrap lets errors.Is see the sentinel.
func (p Problem) Unwrap() error { return p.Err }

// Problems is every problem found in one application, in a stable order.
type Problems []Problem

// Error is every problem, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Strings returns one line per problem.
func (ps Problems) Strings() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Error()
	}
	return out
}

// add records a problem at path: what is wrong, of the kind of sentinel.
func (ps *Problems) add(path string, sentinel error, format string, args ...any) {
	ps.addErr(path, faultf(sentinel, format, args...))
}

// faultf says what is wrong, matching sentinel.
func faultf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel)
}

// addErr records a problem at path whose error says what is wrong.
func (ps *Problems) addErr(path string, err error) {
	*ps = append(*ps, Problem{Path: path, Err: err})
}

// sorted returns the problems in a stable order, each once.
func (ps Problems) sorted() Problems {
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(a.Error(), b.Error()) })
	return slices.CompactFunc(ps, func(a, b Problem) bool { return a.Error() == b.Error() })
}
