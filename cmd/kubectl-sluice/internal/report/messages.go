package report

import (
	"fmt"
	"strings"

	"github.com/sluice-dev/sluice/cmd/kubectl-sluice/internal/edit"
	"github.com/sluice-dev/sluice/graph"
)

// Defaults are the lines a deploy prints for every parameter that falls
// back to its default, in the seed platform's words.
func Defaults(bp *graph.Blueprint) []string {
	var out []string
	for _, d := range bp.DefaultedParameters() {
		out = append(out, fmt.Sprintf("Default value '%s' will be used for configuration parameter '%s.%s'", d.Value, d.Streamlet, d.Key))
	}
	return out
}

// Deployed is deploy's last line.
func Deployed(app string) string {
	return fmt.Sprintf("[Done] Deployment of application `%s` has started.", app)
}

// Scaled is scale's last line.
func Scaled(app, streamlet string, replicas int32) string {
	return fmt.Sprintf("[Done] Streamlet %s in application %s is being scaled to %d replicas.", streamlet, app, replicas)
}

// SavepointAsked says a savepoint was asked for.
func SavepointAsked(app, streamlet string, nonce int64) string {
	return fmt.Sprintf("[Done] Savepoint of streamlet %s in application %s asked for (savepointTriggerNonce %d); its status shows it once taken.", streamlet, app, nonce)
}

// Configured says what a configure changes and which streamlets restart.
func Configured(app string, changes []edit.ParameterChange) []string {
	if len(changes) == 0 {
		return []string{fmt.Sprintf("[Done] Nothing to change: application %s already has these values.", app)}
	}
	var out []string
	for _, c := range changes {
		old := fmt.Sprintf("'%s'", c.Old)
		if c.OldDefault {
			old += " (default)"
		}
		out = append(out, fmt.Sprintf("Configuration parameter '%s.%s': %s → '%s'", c.Streamlet, c.Key, old, c.New))
	}
	restarts := edit.Restarts(changes)
	verb := "restart"
	if len(restarts) == 1 {
		verb = "restarts"
	}
	out = append(out, fmt.Sprintf("[Done] Application %s is being reconfigured; %s %s: %s.", app,
		plural(len(restarts), "streamlet"), verb, strings.Join(restarts, ", ")))
	return out
}

// Undeployed is undeploy's last line.
func Undeployed(app string) string {
	return fmt.Sprintf("[Done] Application %s is being undeployed: its topics are marked first, then its children are deleted.", app)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
