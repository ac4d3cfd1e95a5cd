package graph

import "errors"

// After parsing (parse.go: the offline commands and the hook decode an
// application there), an application goes through three steps:
//
//   - merge (merge.go) sorts every set-like list and merges the runtime
//     defaults into each streamlet; it never reports a problem;
//   - the rules (listed below, one subject per file) report every problem,
//     each at its path; they never change the application;
//   - build (build.go) resolves a valid application into its Blueprint; it
//     never reports a problem.

// Validate returns every problem of app at once, each prefixed with the path
// of the field at fault; nil when the application is valid.
func Validate(app *StreamingApplication) Problems {
	return check(merge(app))
}

// Resolve validates app and, when it is valid, resolves it into a Blueprint.
// The input is not modified; its set-like lists may come in any order.
func Resolve(app *StreamingApplication) (*Blueprint, Problems) {
	m := merge(app)
	if problems := check(m); len(problems) > 0 {
		return nil, problems
	}
	return build(m), nil
}

// ResolveJSON decodes a parent as the API server stored it (FromJSON) and
// resolves it: the values of the wrong type come first, then every problem
// of the rest of the application, and there is a blueprint only when there
// is no problem at all. A document it cannot decode is one problem at spec.
func ResolveJSON(data []byte) (*Blueprint, Problems) {
	app, err := FromJSON(data)
	if app == nil {
		return nil, Problems{{Path: "spec", Err: err}} // matches ErrMalformed
	}
	bp, problems := Resolve(app)
	var wrong Problems
	if !errors.As(err, &wrong) {
		return bp, problems
	}
	return nil, append(wrong, problems...)
}

// A rule reports the problems of one subject of a merged application; it
// does not change the application, and relies on no other rule.
type rule func(m *merged) Problems

// rules are every check of an application, grouped by the file that holds
// them.
var rules = []rule{
	// names.go
	checkNames,
	// connections.go: ports and connections
	checkPorts, checkConnections, checkSources, checkCycles,
	// runtimes.go
	checkRuntimes, checkServiceAccounts, checkSpark, checkFlink,
	// state.go
	checkState,
	// pod.go: pod settings
	checkPodDefaults, checkEndpoints, checkResources, checkEnv, checkVolumeMounts, checkPodMetadata,
	// parameters.go
	checkParameters,
	// kafka.go and topics.go
	checkKafka, checkTopicSettings, checkOutletTopics, checkInletTopics,
	// clusters.go: several Kafka clusters
	checkKafkaClusters, checkPortClusters,
	// autoscaling.go
	checkAutoscaling,
	// limits.go: caps
	checkCaps,
}

// check runs every rule over m.
func check(m *merged) Problems {
	var all Problems
	for _, r := range rules {
		all = append(all, r(m)...)
	}
	if len(all) == 0 {
		return nil
	}
	return all.sorted()
}
