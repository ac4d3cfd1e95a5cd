package manifests

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/graph"
)

// capsOf walks s and returns every maxItems, maxProperties and maxLength in it,
// keyed "path keyword" (paths as in spec.streamlets[].name, map values as {}).
func capsOf(path string, s *schema, into map[string]int64) {
	if s.MaxItems != nil {
		into[path+" maxItems"] = *s.MaxItems
	}
	if s.MaxProperties != nil {
		into[path+" maxProperties"] = *s.MaxProperties
	}
	if s.MaxLength != nil {
		into[path+" maxLength"] = *s.MaxLength
	}
	for name, p := range s.Properties {
		capsOf(path+"."+name, p, into)
	}
	if s.Items != nil {
		capsOf(path+"[]", s.Items, into)
	}
	if s.AdditionalProperties != nil {
		capsOf(path+"{}", s.AdditionalProperties, into)
	}
}

// TestCRDCapsAreTheConstants checks every cap in the CRD's spec schema against
// graph/limits.go: a cap added to the CRD must be added here, with its constant.
func TestCRDCapsAreTheConstants(t *testing.T) {
	// Ports, topic settings and runtime settings appear at several places.
	port := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".name maxLength":               graph.MaxNameLength,
			p + ".schema.format maxLength":      graph.MaxShortLength,
			p + ".schema.name maxLength":        graph.MaxTextLength,
			p + ".schema.fingerprint maxLength": graph.MaxTextLength,
			p + ".topic.name maxLength":         graph.MaxTopicName,
			p + ".topic.config maxProperties":   graph.MaxTopicConfig,
		}
	}
	spark := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".version maxLength":             graph.MaxShortLength,
			p + ".mainApplicationFile maxLength": graph.MaxTextLength,
			p + ".serviceAccountName maxLength":  graph.MaxObjectNameLength,
			p + ".driver.coreLimit maxLength":    graph.MaxShortLength,
			p + ".driver.memory maxLength":       graph.MaxShortLength,
			p + ".executor.coreLimit maxLength":  graph.MaxShortLength,
			p + ".executor.memory maxLength":     graph.MaxShortLength,
			p + ".sparkConf maxProperties":       graph.MaxRuntimeConf,
		}
	}
	flink := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".version maxLength":                graph.MaxShortLength,
			p + ".jarURI maxLength":                 graph.MaxTextLength,
			p + ".serviceAccountName maxLength":     graph.MaxObjectNameLength,
			p + ".jobManager.memory maxLength":      graph.MaxShortLength,
			p + ".taskManager.memory maxLength":     graph.MaxShortLength,
			p + ".flinkConfiguration maxProperties": graph.MaxRuntimeConf,
		}
	}
	keyRef := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".name maxLength": graph.MaxObjectNameLength,
			p + ".key maxLength":  graph.MaxObjectNameLength,
		}
	}
	const st = "spec.streamlets[]"
	want := map[string]int64{
		"spec.image maxLength":                                     graph.MaxTextLength,
		"spec.imagePullSecrets maxItems":                           graph.MaxImagePullSecrets,
		"spec.imagePullSecrets[] maxLength":                        graph.MaxObjectNameLength,
		"spec.serviceAccountName maxLength":                        graph.MaxObjectNameLength,
		"spec.kafka.cluster maxLength":                             graph.MaxLabelValueLength,
		"spec.kafka.bootstrapServers maxLength":                    graph.MaxTextLength,
		"spec.kafka.tls.caSecret maxLength":                        graph.MaxObjectNameLength,
		"spec.kafka.topicPrefix maxLength":                         graph.MaxTopicPrefixLength,
		"spec.kafkaClusters maxItems":                              graph.MaxKafkaClusters,
		"spec.kafkaClusters[].authentication.secretName maxLength": graph.MaxObjectNameLength,
		"spec.kafkaClusters[].bootstrapServers maxLength":          graph.MaxTextLength,
		"spec.kafkaClusters[].cluster maxLength":                   graph.MaxLabelValueLength,
		"spec.kafkaClusters[].name maxLength":                      graph.MaxKafkaClusterNameLength,
		"spec.kafkaClusters[].tls.caSecret maxLength":              graph.MaxObjectNameLength,
		"spec.kafkaClusters[].topicDefaults.config maxProperties":  graph.MaxTopicConfig,
		"spec.streamlets[].inlets[].topic.cluster maxLength":       graph.MaxKafkaClusterNameLength,
		"spec.streamlets[].outlets[].topic.cluster maxLength":      graph.MaxKafkaClusterNameLength,
		"spec.kafka.authentication.secretName maxLength":           graph.MaxObjectNameLength,
		"spec.kafka.topicDefaults.config maxProperties":            graph.MaxTopicConfig,
		"spec.state.uri maxLength":                                 graph.MaxTextLength,
		"spec.state.pvc maxLength":                                 graph.MaxObjectNameLength,
		"spec.metrics.path maxLength":                              graph.MaxTextLength,
		"spec.streamlets maxItems":                                 graph.MaxStreamlets,
		st + ".name maxLength":                                     graph.MaxNameLength,
		st + ".className maxLength":                                graph.MaxTextLength,
		st + ".image maxLength":                                    graph.MaxTextLength,
		st + ".inlets maxItems":                                    graph.MaxPortsPerStreamlet,
		st + ".outlets maxItems":                                   graph.MaxPortsPerStreamlet,
		st + ".configParameters maxItems":                          graph.MaxConfigParameters,
		st + ".configParameters[].key maxLength":                   graph.MaxObjectNameLength,
		st + ".configParameters[].pattern maxLength":               graph.MaxTextLength,
		st + ".configParameters[].description maxLength":           graph.MaxTextLength,
		st + ".config maxProperties":                               graph.MaxConfigValues,
		st + ".serviceAccountName maxLength":                       graph.MaxObjectNameLength,
		st + ".env maxItems":                                       graph.MaxEnv,
		st + ".env[].name maxLength":                               graph.MaxObjectNameLength,
		st + ".labels maxProperties":                               graph.MaxStreamletLabels,
		st + ".labels{} maxLength":                                 graph.MaxLabelValueLength,
		st + ".annotations maxProperties":                          graph.MaxStreamletLabels,
		st + ".volumeMounts maxItems":                              graph.MaxVolumeMounts,
		st + ".volumeMounts[].name maxLength":                      graph.MaxNameLength,
		st + ".volumeMounts[].mountPath maxLength":                 graph.MaxTextLength,
		st + ".volumeMounts[].subPath maxLength":                   graph.MaxTextLength,
		st + ".volumeMounts[].secret maxLength":                    graph.MaxObjectNameLength,
		st + ".volumeMounts[].configMap maxLength":                 graph.MaxObjectNameLength,
		st + ".volumeMounts[].persistentVolumeClaim maxLength":     graph.MaxObjectNameLength,
		"spec.connections maxItems":                                graph.MaxConnections,
		"spec.connections[].from maxLength":                        graph.MaxPortRefLength,
		"spec.connections[].to maxItems":                           graph.MaxConnectionTargets,
		"spec.connections[].to[] maxLength":                        graph.MaxPortRefLength,
	}
	for _, m := range []map[string]int64{
		port(st + ".inlets[]"), port(st + ".outlets[]"),
		spark("spec.runtimes.spark"), spark(st + ".spark"),
		flink("spec.runtimes.flink"), flink(st + ".flink"),
		keyRef(st + ".env[].valueFrom.secretKeyRef"), keyRef(st + ".env[].valueFrom.configMapKeyRef"),
	} {
		maps.Copy(want, m)
	}

	got := map[string]int64{}
	capsOf("spec", loadSchema(t).Properties["spec"], got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("caps of the CRD's spec schema mismatch (-want +got):\n%s", diff)
	}
}

// TestCRDNameRulesUseTheConstants checks the numbers in the CEL rules on
// derived names.
func TestCRDNameRulesUseTheConstants(t *testing.T) {
	root := loadSchema(t)
	cases := []struct {
		name    string
		runtime string // "" for the rule on every streamlet
		limit   int
	}{
		{"workload", "", graph.MaxWorkloadName},
		{"spark workload", "spark", graph.MaxSparkName},
		{"flink workload", "flink", graph.MaxFlinkName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var found []rule
			for _, r := range root.Validations {
				if strings.HasPrefix(r.Message, tc.name+" name:") {
					found = append(found, r)
				}
			}
			if len(found) != 1 {
				t.Fatalf("want one root rule with message %q, got %d", tc.name+" name: …", len(found))
			}
			r := found[0]
			if want := fmt.Sprintf("size(self.metadata.name) + 1 + size(s.name) <= %d)", tc.limit); !strings.Contains(r.Rule, want) {
				t.Errorf("rule %q does not contain %q", r.Rule, want)
			}
			if want := fmt.Sprintf("at most %d characters", tc.limit); !strings.Contains(r.Message, want) {
				t.Errorf("message %q does not say %q", r.Message, want)
			}
			if tc.runtime != "" && !strings.Contains(r.Rule, fmt.Sprintf("s.runtime != '%s'", tc.runtime)) {
				t.Errorf("rule %q does not select %s streamlets", r.Rule, tc.runtime)
			}
		})
	}

	var nameRule bool
	for _, r := range root.Validations {
		if r.Rule == fmt.Sprintf("size(self.metadata.name) <= %d", graph.MaxNameLength) {
			nameRule = true
		}
	}
	if !nameRule {
		t.Errorf("no root rule capping the application name at %d characters", graph.MaxNameLength)
	}
}

// TestCRDHeaderListsTheConstants keeps the table in the CRD's leading comment
// equal to graph/limits.go: every line "… NUMBER MaxName".
func TestCRDHeaderListsTheConstants(t *testing.T) {
	consts := map[string]int{
		"MaxStreamlets":             graph.MaxStreamlets,
		"MaxPortsPerStreamlet":      graph.MaxPortsPerStreamlet,
		"MaxConnections":            graph.MaxConnections,
		"MaxConnectionTargets":      graph.MaxConnectionTargets,
		"MaxConfigParameters":       graph.MaxConfigParameters,
		"MaxConfigValues":           graph.MaxConfigValues,
		"MaxEnv":                    graph.MaxEnv,
		"MaxVolumeMounts":           graph.MaxVolumeMounts,
		"MaxImagePullSecrets":       graph.MaxImagePullSecrets,
		"MaxTopicConfig":            graph.MaxTopicConfig,
		"MaxStreamletLabels":        graph.MaxStreamletLabels,
		"MaxRuntimeConf":            graph.MaxRuntimeConf,
		"MaxNameLength":             graph.MaxNameLength,
		"MaxObjectNameLength":       graph.MaxObjectNameLength,
		"MaxTopicName":              graph.MaxTopicName,
		"MaxTextLength":             graph.MaxTextLength,
		"MaxShortLength":            graph.MaxShortLength,
		"MaxLabelValueLength":       graph.MaxLabelValueLength,
		"MaxPortRefLength":          graph.MaxPortRefLength,
		"MaxWorkloadName":           graph.MaxWorkloadName,
		"MaxSparkName":              graph.MaxSparkName,
		"MaxFlinkName":              graph.MaxFlinkName,
		"MaxTopicPrefixLength":      graph.MaxTopicPrefixLength,
		"MaxKafkaClusters":          graph.MaxKafkaClusters,
		"MaxKafkaClusterNameLength": graph.MaxKafkaClusterNameLength,
	}
	line := regexp.MustCompile(`^#.*\s(\d+)\s+(Max[A-Za-z]+)$`)
	got := map[string]int{}
	for l := range strings.Lines(string(CRD())) {
		if !strings.HasPrefix(l, "#") {
			break
		}
		if m := line.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			n, _ := strconv.Atoi(m[1])
			got[m[2]] = n
		}
	}
	if diff := cmp.Diff(consts, got); diff != "" {
		t.Errorf("caps listed in the CRD's header mismatch (-graph/limits.go +CRD):\n%s", diff)
	}
	if names := slices.Sorted(maps.Keys(got)); len(names) == 0 {
		t.Error("the CRD's header lists no caps")
	}
}
