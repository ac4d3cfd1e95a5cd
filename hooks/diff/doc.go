// Package diff previews what an edit of a StreamingApplication does to its
// children: it runs the very pure function the sync hook runs (hooks.Sync) on
// the observed children and compares the answer with what Metacontroller last
// applied to each child, so it shows the children that would be created,
// changed (field by field) and deleted, and what happens to every topic:
// kept, created, retained, released or deleted.
//
// It does no I/O and holds no client code: `sluice diff OLD NEW` (offline)
// and `kubectl sluice diff FILE` (the live children, fetched by the plugin)
// both call it.
package diff
