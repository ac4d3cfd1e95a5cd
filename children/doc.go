// Package children builds the objects Sluice asks Metacontroller for, one
// builder per kind and one file each, from a resolved graph.Blueprint, and
// aggregates the application's status from the children Metacontroller
// observed.
//
// Everything here is a pure function of its input: no I/O, no clock (callers
// pass the time in), no randomness, no logging. Output is deterministic:
// set-like lists sorted, ordered lists (env, volume mounts) kept in the
// user's order.
package children
