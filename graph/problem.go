package graph

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinel errors, one per kind of problem, for errors.Is in callers and
// tests. A problem's text never repeats its sentinel: it says what is wrong
// in words of its own, and errors.Is finds the kind.
var (
	ErrInvalidName     = errors.New("invalid name")
	ErrNameTooLong     = errors.New("name too long")
	ErrDuplicate       = errors.New("duplicate")
	ErrRequired        = errors.New("required")
	ErrUnknownRuntime  = errors.New("unknown runtime")
	ErrMissingSetting  = errors.New("missing runtime setting")
	ErrNoSuchStreamlet = errors.New("no such streamlet")
	ErrNoSuchPort      = errors.New("no such port")
	ErrNoSuchCluster   = errors.New("no such Kafka cluster")
	ErrSchemaMismatch  = errors.New("schema mismatch")
	ErrUnconnected     = errors.New("inlet has no source")
	ErrTwoSources      = errors.New("inlet has more than one source")
	ErrCycle           = errors.New("cycle")
	ErrBadValue        = errors.New("bad value")
	ErrUndeclaredKey   = errors.New("undeclared config key")
	ErrNotAllowed      = errors.New("not allowed")
	// ErrUnknownField is a field the API does not have (or one given twice),
	// found by strict decoding.
	ErrUnknownField = errors.New("unknown field")
	// ErrWrongType is a value of the wrong type: a string where an integer
	// belongs, a list where a value belongs. Decoding reports it at the path
	// of the value and goes on with the rest of the application.
	ErrWrongType = errors.New("wrong type")
	// ErrMalformed is a document that does not decode at all; it is an
	// error of the document, not a problem at a path (but for ResolveJSON,
	// which reports it at spec).
	ErrMalformed = errors.New("malformed application")
	// ErrNotApplication is a document of another kind in a stream.
	ErrNotApplication = errors.New("not a " + APIVersion + " " + Kind)
	// ErrNotScalar is a Scalar given an object, a list or null.
	ErrNotScalar = errors.New("must be a string, number or boolean")
)

// Problem is one thing wrong with an application: the path of the field at
// fault, e.g. "spec.streamlets[merge].inlets[in-0]", and what is wrong
// there. "Problem" means only this in graph; the status's list of reasons
// the spec was rejected (Status.Problems) is made of their lines.
type Problem struct {
	Path string
	// Err says what is wrong; errors.Is finds the problem's sentinel
	// through it.
	Err error
}

// Error is the problem as one line, "path: what is wrong".
func (p Problem) Error() string { return p.Path + ": " + p.Err.Error() }

// Unwrap lets errors.Is see the sentinel.
func (p Problem) Unwrap() error { return p.Err }

// Problems is every problem found in one application, in a stable order.
// As an error (Parse and FromJSON return it) it is one problem per line,
// and errors.Is sees each problem's sentinel.
type Problems []Problem

// Error is every problem, one per line.
func (ps Problems) Error() string { return strings.Join(ps.Strings(), "\n") }

// Unwrap is each problem, for errors.Is and errors.As.
func (ps Problems) Unwrap() []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errs
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
	ps.addErr(path, reasonf(sentinel, format, args...))
}

// addErr records a problem at path whose reason a helper gave.
func (ps *Problems) addErr(path string, reason error) {
	*ps = append(*ps, Problem{Path: path, Err: reason})
}

// sorted returns the problems in a stable order, each once.
func (ps Problems) sorted() Problems {
	slices.SortStableFunc(ps, func(a, b Problem) int { return cmp.Compare(a.Error(), b.Error()) })
	return slices.CompactFunc(ps, func(a, b Problem) bool { return a.Error() == b.Error() })
}

// orNil is ps as an error: nil when there is no problem.
func (ps Problems) orNil() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// reason is what is wrong at a path: its text, which never repeats the
// sentinel, and the sentinel errors.Is matches.
type reason struct {
	text     string
	sentinel error
}

// reasonf says what is wrong, matching sentinel.
func reasonf(sentinel error, format string, args ...any) error {
	return reason{text: fmt.Sprintf(format, args...), sentinel: sentinel}
}

// Error says what is wrong.
func (r reason) Error() string { return r.text }

// Is matches the reason's sentinel.
func (r reason) Is(target error) bool { return target == r.sentinel }
