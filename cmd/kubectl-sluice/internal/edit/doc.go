// Package edit makes what kubectl sluice sends: configuration values from
// the command line (STREAMLET.KEY=VALUE) merged into an application and
// checked against the streamlets' declared parameters with the graph
// package's own validation, and the server-side apply configurations of
// scale and configure, which hold the fields kubectl-sluice already owns
// and the one field it changes.
//
// It does no I/O and holds no client code.
package edit
