// Package children builds the objects Sluice asks Metacontroller for, one
// builder per kind and one file each, from a resolved graph.Blueprint, and
// answers a sync or finalize (Answer, Finalize in answer.go and finalize.go)
// with those children, every data-safety rule applied in a file named for
// it (frozen.go, topics.go and the files it names), and the application's
// status aggregated from the children Metacontroller observed. What the
// answer reads of an observed child, per kind, is ObservedFields
// (observed.go): the hook's reader leaves the rest raw. An answered child is
// a Child (child.go): built typed and encoded straight from its struct, or a
// map where it is kept as last applied or a rule edits it.
//
// Everything here is a pure function of its input: no I/O, no clock (callers
// pass the time in), no randomness, no logging. Output is deterministic:
// set-like lists sorted, ordered lists (env, volume mounts) kept in the
// user's order.
package children
