package children

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// PodHealth is what a streamlet's pods say beyond its workload's status:
// container restarts and the reasons containers wait in.
type PodHealth struct {
	Pods     int32
	Restarts int32
	// Waiting counts containers by a waiting reason that needs a person,
	// such as CrashLoopBackOff or ImagePullBackOff.
	Waiting map[string]int32
}

// troubleReasons are the waiting reasons that make a streamlet Degraded.
var troubleReasons = []string{"CrashLoopBackOff", "CreateContainerConfigError", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "RunContainerError"}

// PodsHealth sums the health of pods by their sluice.dev/streamlet label.
func PodsHealth(pods []*unstructured.Unstructured) map[string]PodHealth {
	out := map[string]PodHealth{}
	for _, pod := range pods {
		name := pod.GetLabels()[LabelStreamlet]
		if name == "" {
			continue
		}
		h := out[name]
		h.Pods++
		for _, field := range []string{"initContainerStatuses", "containerStatuses"} {
			statuses, _, _ := unstructured.NestedSlice(pod.Object, "status", field)
			for _, s := range statuses {
				cs, ok := s.(map[string]any)
				if !ok {
					continue
				}
				if n, ok := cs["restartCount"].(int64); ok {
					h.Restarts += int32(n)
				}
				reason, _, _ := unstructured.NestedString(cs, "state", "waiting", "reason")
				if slices.Contains(troubleReasons, reason) {
					if h.Waiting == nil {
						h.Waiting = map[string]int32{}
					}
					h.Waiting[reason]++
				}
			}
		}
		out[name] = h
	}
	return out
}

// Trouble describes the waiting containers, "" when there are none.
func (h PodHealth) Trouble() string {
	var parts []string
	for _, reason := range slices.Sorted(maps.Keys(h.Waiting)) {
		parts = append(parts, fmt.Sprintf("%d containers in %s", h.Waiting[reason], reason))
	}
	return strings.Join(parts, ", ")
}
