// Package hooks is Sluice's HTTP edge: Metacontroller's v2 wire types, the
// httprouter server with its routes, limits and timeouts, and the two pure
// functions behind them, Sync and Finalize, which apply the data-safety
// rules ("never lose a stream") around the children package's builders.
//
// Only server.go touches net/http; Sync and Finalize are pure functions of
// the request and the time passed in.
package hooks
