package harness

import "testing"

// TestMetacontrollerErrorFilters pins which of Metacontroller's error messages the
// checks after it acted leave out (lines as Metacontroller v4.17.2 logged them in
// this suite), and that any other refusal in the same message is still reported.
func TestMetacontrollerErrorFilters(t *testing.T) {
	const ns, name = "nsdelete-0743e7", "call-record-aggregator"
	terminating := `failed to sync StreamingApplication 'nsdelete-0743e7/call-record-aggregator': can't reconcile children for StreamingApplication nsdelete-0743e7/call-record-aggregator: ` +
		`[services \"call-record-aggregator-cdr-ingress\" is forbidden: unable to create new content in namespace nsdelete-0743e7 because it is being terminated, ` +
		`deployments.apps \"call-record-aggregator-merge\" is forbidden: unable to create new content in namespace nsdelete-0743e7 because it is being terminated]`
	gone := `Sync error: can't remove finalizer for StreamingApplication nsdelete-0743e7/call-record-aggregator: streamingapplications.sluice.dev "call-record-aggregator" not found`
	conflicted := `can't reconcile children for StreamingApplication scale-1/call-record-aggregator: can't update Deployment scale-1/call-record-aggregator-merge: ` +
		`Operation cannot be fulfilled on deployments.apps "call-record-aggregator-merge": ` + conflict
	status := `can't update status for StreamingApplication release-6be29d/call-record-aggregator: StreamingApplication.sluice.dev "call-record-aggregator" is invalid: ` +
		`status.topics[1]: Duplicate value: {"name":"call-record-aggregator.cdr-aggregator.out"}`
	for _, tc := range []struct {
		name   string
		filter func(string) bool
		msg    string
		want   bool
	}{
		{"re-create refused in a terminating namespace", CreateRefusedInTerminatingNamespace(ns), terminating, true},
		{"and a refused update beside it", CreateRefusedInTerminatingNamespace(ns), terminating + `, kafkatopics.kafka.strimzi.io "t" is forbidden: ValidatingAdmissionPolicy 'sluice-keep-topics' denied request`, false},
		{"another namespace", CreateRefusedInTerminatingNamespace("other"), terminating, false},
		{"a status refusal", CreateRefusedInTerminatingNamespace(ns), status, false},
		{"finalizer of a parent gone", FinalizerOfGoneParent(ns, name), gone, true},
		{"finalizer of another parent", FinalizerOfGoneParent(ns, "other"), gone, false},
		{"a conflict", onlyConflicts, conflicted, true},
		{"a conflict and a status refusal", onlyConflicts, conflicted + "; " + status, false},
		{"a status refusal alone", onlyConflicts, status, false},
	} {
		if got := tc.filter(tc.msg); got != tc.want {
			t.Errorf("%s: left out = %t, want %t:\n%s", tc.name, got, tc.want, tc.msg)
		}
	}
}
