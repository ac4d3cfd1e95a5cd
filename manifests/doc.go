// Package manifests holds what installs Sluice into a cluster: the
// StreamingApplication CRD, the kustomize base (the Metacontroller
// CompositeController, the admission policies that keep Kafka topics, the hook's
// Deployment and Service), the optional components that add child kinds, and
// example applications. As a Go package it embeds the CRD, the base
// CompositeController and the components' patches, so that the sluice binary can
// print them, and it states the CRD's caps as constants. It does no I/O beyond
// reading its embedded files and must not depend on the rest of the product.
package manifests
