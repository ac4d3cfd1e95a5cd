package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/sluice-dev/sluice/graph"
)

// KafkaTopic is what undeploy knows of one observed KafkaTopic.
type KafkaTopic struct {
	// Name is the Kafka topic's name.
	Name string
	// Unmanaged and DeletionAllowed are its marks: strimzi.io/managed
	// "false" and sluice.dev/deletion "allowed".
	Unmanaged, DeletionAllowed bool
}

// Undeploy says, topic by topic, what deleting the application does under
// its topicDeletionPolicy: the finalize hook marks every KafkaTopic first
// (Retain: released, the Kafka topic and its data stay; Delete: deleted with
// its data), then the garbage collector deletes the children. Existing
// topics the application only wires in (status.topics, not managed) are
// untouched.
func Undeploy(w io.Writer, namespace, name string, policy graph.TopicDeletionPolicy, topics []KafkaTopic, st *graph.Status) error {
	if policy == "" {
		policy = graph.Retain
	}
	fmt.Fprintf(w, "Undeploying StreamingApplication %s/%s (topicDeletionPolicy %s) deletes its workloads, ConfigMaps and Services. Its topics:\n", namespace, name, policy)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	slices.SortFunc(topics, func(a, b KafkaTopic) int { return strings.Compare(a.Name, b.Name) })
	seen := map[string]bool{}
	for _, t := range topics {
		seen[t.Name] = true
		fmt.Fprintf(tw, "  %s\t%s\n", t.Name, topicFate(policy, t))
	}
	if st != nil {
		for _, t := range st.Topics {
			if !t.Managed && !seen[t.Name] {
				seen[t.Name] = true
				fmt.Fprintf(tw, "  %s\t%s\n", t.Name, "untouched: an existing topic the application only wires in")
			}
		}
	}
	if len(seen) == 0 {
		fmt.Fprintf(tw, "  (none)\n")
	}
	return tw.Flush()
}

func topicFate(policy graph.TopicDeletionPolicy, t KafkaTopic) string {
	switch {
	case t.DeletionAllowed:
		return "deleted with its data: already marked sluice.dev/deletion: allowed, Strimzi deletes the Kafka topic"
	case t.Unmanaged:
		return "kept: already released (strimzi.io/managed: \"false\"); its KafkaTopic is deleted, the Kafka topic and its data stay"
	case policy == graph.Delete:
		return "deleted with its data: marked sluice.dev/deletion: allowed first, then Strimzi deletes the Kafka topic"
	}
	return "kept: released first (strimzi.io/managed: \"false\"), then its KafkaTopic is deleted; the Kafka topic and its data stay"
}

// Confirm is undeploy's question; only "y" or "yes" goes on.
func Confirm(namespace, name string) string {
	return fmt.Sprintf("Delete StreamingApplication %s/%s? [y/N] ", namespace, name)
}

// Confirmed reports whether an answer to Confirm is a yes.
func Confirmed(answer string) bool {
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes"
}
