// Package draw draws a blueprint as Graphviz DOT or as a Mermaid flowchart
// (which renders in Markdown and needs no Graphviz): streamlets shaped by
// runtime with their scale, an edge per topic and reader labelled with the
// topic, existing topics as their own nodes, and, given the application's
// status, every streamlet and topic coloured by its health.
//
// It does no I/O and holds no client code.
package draw
