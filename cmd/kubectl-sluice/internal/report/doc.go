// Package report writes what kubectl sluice prints: the defaults a deploy
// uses in the seed platform's words, the [Done] lines, the status tables, the
// application list, the progress of a wait, and what undeploy does to every
// topic. Everything is computed from plain values; the clock is passed in.
//
// It does no I/O but to the writer it is given, and holds no client code.
package report
