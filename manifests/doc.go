// Package manifests holds what installs Sluice into a cluster: the
// StreamingApplication CRD, the kustomize base (the Metacontroller
// CompositeController, the admission policies that keep Kafka topics, the hook's
// Deployment and Service), the optional components that add child kinds, and
// example applications. As a Go package it embeds the CRD, the base
// CompositeController and the components' patches, so that the sluice binary can
// print them; its tests hold the CRD to the caps of graph/limits.go. It does no I/O beyond
// reading its embedded files and must not depend on the rest of the product.
package manifests
