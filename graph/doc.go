// Package graph holds the StreamingApplication API (group sluice.dev, version
// v1alpha1) and turns one application into its blueprint graph: strict
// parsing, validation that reports every problem at once with the path of the
// field at fault, and resolution into topics, consumer groups, merged runtime
// settings and final parameter values.
//
// Everything here is a pure function of its input. The package does no I/O,
// reads no clock, environment or randomness, and logs nothing; callers pass
// everything in.
package graph
