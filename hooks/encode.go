package hooks

import (
	"encoding/json"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/sluice-dev/sluice/children"
	"github.com/sluice-dev/sluice/children/tree"
	"github.com/sluice-dev/sluice/graph"
)

// served is a sync or finalize answer as the server writes it: the fields
// of a Response, the children encoded straight from what children built
// (children.AppendJSON: a typed child from its struct, never made a map).
// It decodes to the Response that Sync and Finalize return for the same
// request (answerBoth in read_test.go).
type served struct{ children.Result }

// serve is fn answering for the server.
func serve(fn func(*reading, time.Time) (children.Result, error)) func(*reading, time.Time) (*served, error) {
	return func(r *reading, now time.Time) (*served, error) {
		res, err := fn(r, now)
		if err != nil {
			return nil, err
		}
		return &served{res}, nil
	}
}

// encode writes the answer: a children array always, [] when empty.
func (s *served) encode(b []byte) ([]byte, error) {
	status, err := json.Marshal(&s.Status)
	if err != nil {
		return nil, err
	}
	b = append(b, `{"status":`...)
	b = append(b, status...)
	b = append(b, `,"children":`...)
	if b, err = children.AppendJSON(b, s.Children); err != nil {
		return nil, err
	}
	if s.ResyncAfterSeconds != 0 {
		b = append(b, `,"resyncAfterSeconds":`...)
		if b, err = tree.Append(b, s.ResyncAfterSeconds); err != nil {
			return nil, err
		}
	}
	if s.Finalized {
		b = append(b, `,"finalized":true`...)
	}
	return append(b, '}'), nil
}

// outcome reads what kind of answer a sync or finalize answer is from the
// answer itself: a rejected blueprint's says so in BlueprintValid.
func (s *served) outcome(hook string) string {
	switch {
	case hook == "finalize" && s.Finalized:
		return outcomeFinalized
	case hook == "finalize":
		return outcomeFinalizing
	case meta.IsStatusConditionFalse(s.Status.Conditions, graph.ConditionBlueprintValid):
		return outcomeFrozen
	default:
		return outcomeNormal
	}
}

func (s *served) logAttrs() []any {
	return []any{"children", len(s.Children), "phase", s.Status.Phase}
}
