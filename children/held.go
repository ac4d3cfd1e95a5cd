package children

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// adoptHeldTopics answers a desired KafkaTopic under the name of the observed
// KafkaTopic that already holds its Kafka topic, where the desired name is not
// observed yet (the object name of a topic changed with Sluice's naming
// contract, or with an outlet's rename): Strimzi refuses a second KafkaTopic
// for one topic, and dropping the first would delete the topic. The maps are
// updated in place.
func adoptHeldTopics(byName, byTopic map[string]*KafkaTopic, observedTopics []*unstructured.Unstructured, observed Observed, notes map[string]string) {
	for _, obs := range observedTopics {
		name := obs.GetName()
		d, ok := byTopic[topicName(obs)]
		if _, desired := byName[name]; desired || !ok {
			continue
		}
		if _, exists := observed.Get(KafkaTopicKind, d.Name); exists {
			continue
		}
		delete(byName, d.Name)
		notes[name] = fmt.Sprintf("kept as KafkaTopic %s, which already holds topic %s (Sluice would name it %s)", name, d.topicName(), d.Name)
		d.Name = name
		byName[name] = d
	}
}
