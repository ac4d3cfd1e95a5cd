// Package request generates hook requests shaped like Metacontroller's, for
// the benchmarks (hooks/bench_test.go) and the load script (test/load):
// applications of any number of streamlets (fan-out, all three runtimes), and
// the sync request Metacontroller sends once every child of an answer exists
// and runs, each observed child as the API server returns it — its
// last-applied annotation, managedFields, owner reference, server-set
// metadata, defaulted fields and its operator's status. The output is
// deterministic: the same input gives the same bytes. It does no I/O and
// imports nothing of Sluice, so that the hooks package's own tests can use it.
package request
