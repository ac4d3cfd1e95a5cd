package harness

import "strings"

// FinalizerOfGoneParent reports whether an error of Metacontroller is only that it
// could not remove its finalizer from the parent ns/name because the parent is gone
// already: a sync queued before the parent's deletion finds it in Metacontroller's
// cache and removes the finalizer a second time (Metacontroller v4.17.2 raises a
// SyncError for that). The finalize that mattered was done.
func FinalizerOfGoneParent(ns, name string) func(string) bool {
	removal := "can't remove finalizer for StreamingApplication " + ns + "/" + name + ": "
	return func(s string) bool {
		_, rest, ok := strings.Cut(s, removal)
		return ok && !strings.Contains(s, "can't reconcile children") && !strings.Contains(s, "can't update status") &&
			strings.Contains(rest, "not found")
	}
}

// CreateRefusedInTerminatingNamespace reports whether an error of Metacontroller
// is only that it could not re-create children in namespace while it terminates:
// the namespace controller deletes the children and the application in no
// particular order, and until the application is deleted too, Metacontroller
// re-creates the children it misses, which the API server refuses. Nothing is
// lost: the application's next sync is its finalize. Any other refusal in the same
// message (the status, an update, a topic's deletion) is not this.
func CreateRefusedInTerminatingNamespace(namespace string) func(string) bool {
	refusal := "is forbidden: unable to create new content in namespace " + namespace + " because it is being terminated"
	return func(s string) bool {
		return strings.Contains(s, "can't reconcile children") && OnlyErrors(s, refusal)
	}
}

// conflict is the API server's refusal of a write made from a stale read
// (optimistic concurrency): Metacontroller read a child from its cache before the
// watch delivered its own last write of it, and retries. Never the hook's doing.
const conflict = "the object has been modified; please apply your changes to the latest version and try again"

// onlyConflicts reports whether an error of Metacontroller holds conflicts and no
// other error.
func onlyConflicts(s string) bool { return OnlyErrors(s, conflict) }

// errorMarkers are words of every refusal of the API server and error of
// Metacontroller that onlyErrors must not let through.
var errorMarkers = []string{"forbidden", "Forbidden", "invalid", "Invalid", "denied", "Duplicate", "can't update status",
	"not found", "timeout", "refused", "modified", "exceeded", "error:", "EOF"}

// OnlyErrors reports whether s holds at least one of the errors and, once they
// are cut out, no other refusal.
func OnlyErrors(s string, errs ...string) bool {
	found := false
	for _, e := range errs {
		if strings.Contains(s, e) {
			found = true
			s = strings.ReplaceAll(s, e, "")
		}
	}
	if !found {
		return false
	}
	for _, marker := range errorMarkers {
		if strings.Contains(s, marker) {
			return false
		}
	}
	return true
}
