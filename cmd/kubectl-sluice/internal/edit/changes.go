package edit

import (
	"slices"

	"github.com/sluice-dev/sluice/graph"
)

// ParameterChange is one parameter whose value an edit changes.
type ParameterChange struct {
	Streamlet, Key string
	Old, New       string
	// OldDefault is true when the old value was the parameter's default.
	OldDefault bool
}

// ParameterChanges lists the parameters whose final value differs between
// two blueprints of one application, by streamlet and key. A streamlet
// whose parameters change gets a new configuration checksum, so its pods
// restart (see Restarts).
func ParameterChanges(before, after *graph.Blueprint) []ParameterChange {
	old := map[[2]string]graph.Parameter{}
	for _, s := range before.Streamlets {
		for _, p := range s.Parameters {
			old[[2]string{s.Name, p.Key}] = p
		}
	}
	var out []ParameterChange
	for _, s := range after.Streamlets {
		for _, p := range s.Parameters {
			o, ok := old[[2]string{s.Name, p.Key}]
			if ok && o.Value.String() == p.Value.String() {
				continue
			}
			out = append(out, ParameterChange{Streamlet: s.Name, Key: p.Key, Old: o.Value.String(), New: p.Value.String(), OldDefault: o.Defaulted})
		}
	}
	return out
}

// Restarts lists the streamlets whose configuration the changes touch.
func Restarts(changes []ParameterChange) []string {
	var out []string
	for _, c := range changes {
		if !slices.Contains(out, c.Streamlet) {
			out = append(out, c.Streamlet)
		}
	}
	slices.Sort(out)
	return out
}
