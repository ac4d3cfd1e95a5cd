// Package kube is kubectl sluice's client: the Kubernetes API through
// client-go's dynamic client, configured by cli-runtime's flags
// (--kubeconfig, --context, -n, --as, … as in every kubectl command). It
// reads applications, their CompositeController and their children (the
// kinds the controller lists, by the controller-uid label, as Metacontroller
// fetches them), writes with server-side apply under the field manager
// kubectl-sluice, deletes with the default propagation, and turns the errors
// a user meets into one sentence each.
//
// It is the only package of the plugin that talks to a cluster; nothing of
// it reaches the hook's binary.
package kube
