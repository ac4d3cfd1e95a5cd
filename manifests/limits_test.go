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
// limits.go: a cap added to the CRD must be added here, with its constant.
func TestCRDCapsAreTheConstants(t *testing.T) {
	// Ports, topic settings and runtime settings appear at several places.
	port := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".name maxLength":               MaxNameLength,
			p + ".schema.format maxLength":      MaxShortLength,
			p + ".schema.name maxLength":        MaxTextLength,
			p + ".schema.fingerprint maxLength": MaxTextLength,
			p + ".topic.name maxLength":         MaxTopicNameLength,
			p + ".topic.config maxProperties":   MaxTopicConfig,
		}
	}
	spark := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".version maxLength":             MaxShortLength,
			p + ".mainApplicationFile maxLength": MaxTextLength,
			p + ".serviceAccountName maxLength":  MaxObjectNameLength,
			p + ".driver.coreLimit maxLength":    MaxShortLength,
			p + ".driver.memory maxLength":       MaxShortLength,
			p + ".executor.coreLimit maxLength":  MaxShortLength,
			p + ".executor.memory maxLength":     MaxShortLength,
			p + ".sparkConf maxProperties":       MaxRuntimeConf,
		}
	}
	flink := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".version maxLength":                MaxShortLength,
			p + ".jarURI maxLength":                 MaxTextLength,
			p + ".serviceAccountName maxLength":     MaxObjectNameLength,
			p + ".jobManager.memory maxLength":      MaxShortLength,
			p + ".taskManager.memory maxLength":     MaxShortLength,
			p + ".flinkConfiguration maxProperties": MaxRuntimeConf,
		}
	}
	keyRef := func(p string) map[string]int64 {
		return map[string]int64{
			p + ".name maxLength": MaxObjectNameLength,
			p + ".key maxLength":  MaxObjectNameLength,
		}
	}
	const st = "spec.streamlets[]"
	want := map[string]int64{
		"spec.image maxLength":                                 MaxTextLength,
		"spec.imagePullSecrets maxItems":                       MaxImagePullSecrets,
		"spec.imagePullSecrets[] maxLength":                    MaxObjectNameLength,
		"spec.serviceAccountName maxLength":                    MaxObjectNameLength,
		"spec.kafka.cluster maxLength":                         MaxLabelValueLength,
		"spec.kafka.bootstrapServers maxLength":                MaxTextLength,
		"spec.kafka.tls.caSecret maxLength":                    MaxObjectNameLength,
		"spec.kafka.authentication.secretName maxLength":       MaxObjectNameLength,
		"spec.kafka.topicDefaults.config maxProperties":        MaxTopicConfig,
		"spec.state.uri maxLength":                             MaxTextLength,
		"spec.state.pvc maxLength":                             MaxObjectNameLength,
		"spec.metrics.path maxLength":                          MaxTextLength,
		"spec.streamlets maxItems":                             MaxStreamlets,
		st + ".name maxLength":                                 MaxNameLength,
		st + ".className maxLength":                            MaxTextLength,
		st + ".image maxLength":                                MaxTextLength,
		st + ".inlets maxItems":                                MaxPortsPerStreamlet,
		st + ".outlets maxItems":                               MaxPortsPerStreamlet,
		st + ".configParameters maxItems":                      MaxConfigParameters,
		st + ".configParameters[].key maxLength":               MaxObjectNameLength,
		st + ".configParameters[].pattern maxLength":           MaxTextLength,
		st + ".configParameters[].description maxLength":       MaxTextLength,
		st + ".config maxProperties":                           MaxConfigValues,
		st + ".serviceAccountName maxLength":                   MaxObjectNameLength,
		st + ".env maxItems":                                   MaxEnv,
		st + ".env[].name maxLength":                           MaxObjectNameLength,
		st + ".labels maxProperties":                           MaxStreamletLabels,
		st + ".labels{} maxLength":                             MaxLabelValueLength,
		st + ".annotations maxProperties":                      MaxStreamletLabels,
		st + ".volumeMounts maxItems":                          MaxVolumeMounts,
		st + ".volumeMounts[].name maxLength":                  MaxNameLength,
		st + ".volumeMounts[].mountPath maxLength":             MaxTextLength,
		st + ".volumeMounts[].subPath maxLength":               MaxTextLength,
		st + ".volumeMounts[].secret maxLength":                MaxObjectNameLength,
		st + ".volumeMounts[].configMap maxLength":             MaxObjectNameLength,
		st + ".volumeMounts[].persistentVolumeClaim maxLength": MaxObjectNameLength,
		"spec.connections maxItems":                            MaxConnections,
		"spec.connections[].from maxLength":                    MaxPortRefLength,
		"spec.connections[].to maxItems":                       MaxConnectionTargets,
		"spec.connections[].to[] maxLength":                    MaxPortRefLength,
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
		{"workload", "", MaxWorkloadNameLength},
		{"spark workload", "spark", MaxSparkWorkloadNameLength},
		{"flink workload", "flink", MaxFlinkWorkloadNameLength},
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
		if r.Rule == fmt.Sprintf("size(self.metadata.name) <= %d", MaxNameLength) {
			nameRule = true
		}
	}
	if !nameRule {
		t.Errorf("no root rule capping the application name at %d characters", MaxNameLength)
	}
}

// TestCRDHeaderListsTheConstants keeps the table in the CRD's leading comment
// equal to limits.go: every line "… NUMBER MaxName".
func TestCRDHeaderListsTheConstants(t *testing.T) {
	consts := map[string]int{
		"MaxStreamlets":              MaxStreamlets,
		"MaxPortsPerStreamlet":       MaxPortsPerStreamlet,
		"MaxConnections":             MaxConnections,
		"MaxConnectionTargets":       MaxConnectionTargets,
		"MaxConfigParameters":        MaxConfigParameters,
		"MaxConfigValues":            MaxConfigValues,
		"MaxEnv":                     MaxEnv,
		"MaxVolumeMounts":            MaxVolumeMounts,
		"MaxImagePullSecrets":        MaxImagePullSecrets,
		"MaxTopicConfig":             MaxTopicConfig,
		"MaxStreamletLabels":         MaxStreamletLabels,
		"MaxRuntimeConf":             MaxRuntimeConf,
		"MaxNameLength":              MaxNameLength,
		"MaxObjectNameLength":        MaxObjectNameLength,
		"MaxTopicNameLength":         MaxTopicNameLength,
		"MaxTextLength":              MaxTextLength,
		"MaxShortLength":             MaxShortLength,
		"MaxLabelValueLength":        MaxLabelValueLength,
		"MaxPortRefLength":           MaxPortRefLength,
		"MaxWorkloadNameLength":      MaxWorkloadNameLength,
		"MaxSparkWorkloadNameLength": MaxSparkWorkloadNameLength,
		"MaxFlinkWorkloadNameLength": MaxFlinkWorkloadNameLength,
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
		t.Errorf("caps listed in the CRD's header mismatch (-limits.go +CRD):\n%s", diff)
	}
	if names := slices.Sorted(maps.Keys(got)); len(names) == 0 {
		t.Error("the CRD's header lists no caps")
	}
}
