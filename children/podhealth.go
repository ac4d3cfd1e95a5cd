package children

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
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

// PodsHealth sums the health of pods by their sluice.dev/streamlet label. A
// pod whose status cannot be read as a Pod's counts with no restarts.
func PodsHealth(pods []*unstructured.Unstructured) map[string]PodHealth {
	out := map[string]PodHealth{}
	for _, u := range pods {
		name := label(u, LabelStreamlet)
		if name == "" {
			continue
		}
		h := out[name]
		h.Pods++
		pod, _ := decode[corev1.Pod](u)
		for _, cs := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
			h.Restarts += cs.RestartCount
			if w := cs.State.Waiting; w != nil && slices.Contains(troubleReasons, w.Reason) {
				if h.Waiting == nil {
					h.Waiting = map[string]int32{}
				}
				h.Waiting[w.Reason]++
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
