// Package hooks is Sluice's HTTP edge: Metacontroller's v2 wire types, the
// httprouter server with its routes, limits (limits.go: the request body and
// the large requests' memory budget) and timeouts, metrics and logs, and the
// two functions behind the routes, Sync and Finalize. They read the request
// (read.go, readparent.go, readchildren.go: Metacontroller's form read once,
// observed children lean, anything else by encoding/json), resolve the parent
// with graph, and hand both to children.Answer or children.Finalize, which
// hold every data-safety rule; then they write the answer: the server
// (encode.go) encodes the children as children built them, Sync and
// Finalize return them as maps.
//
// Only server.go touches net/http; Sync and Finalize are pure functions of
// the request and the time passed in.
package hooks
