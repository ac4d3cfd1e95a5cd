// Package graph holds the StreamingApplication API (group sluice.dev, version
// v1alpha1) and turns one application into its Blueprint: strict parsing
// (parse.go), merging the runtime defaults into each streamlet (merge.go),
// the checks, a list of small rules one subject per file that report every
// problem at once at the path of the field at fault (resolve.go lists them),
// and resolution into topics, wires, parameters, state and merged runtime
// settings (build.go), which children builds from without reading the spec.
//
// Everything here is a pure function of its input. The package does no I/O,
// reads no clock, environment or randomness, and logs nothing; callers pass
// everything in.
package graph
