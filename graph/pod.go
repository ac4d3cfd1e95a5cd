package graph

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// ConfigDir is where a streamlet finds streamlet.json; no user volume may be
// mounted there.
const ConfigDir = "/etc/sluice"

// The volumes Sluice adds to a streamlet's pods; no user volume may take
// their names.
const (
	VolumeConfig    = "sluice-config"
	VolumeKafkaCA   = "sluice-kafka-ca"
	VolumeKafkaUser = "sluice-kafka-user"
	VolumeState     = "sluice-state"
)

var reservedVolumes = []string{VolumeConfig, VolumeKafkaCA, VolumeKafkaUser, VolumeState}

// KafkaVolumes are the names of the volumes of a cluster's CA and user
// Secrets ("" the default cluster): VolumeKafkaCA and VolumeKafkaUser, or
// those suffixed with the name of a spec.kafkaClusters entry.
func KafkaVolumes(cluster string) (ca, user string) {
	if cluster == "" {
		return VolumeKafkaCA, VolumeKafkaUser
	}
	return VolumeKafkaCA + "-" + cluster, VolumeKafkaUser + "-" + cluster
}

// reservedVolume reports whether Sluice uses a volume name: its own, or one
// of a cluster's credentials.
func reservedVolume(name string) bool {
	return slices.Contains(reservedVolumes, name) || strings.HasPrefix(name, VolumeKafkaCA+"-") || strings.HasPrefix(name, VolumeKafkaUser+"-")
}

// reservedLabelPrefixes are the label and annotation keys Sluice sets.
var reservedLabelPrefixes = []string{"sluice.dev/", "app.kubernetes.io/"}

// checkPodDefaults checks what goes onto every pod: the image pull secrets
// and the metrics port.
func checkPodDefaults(m *merged) Problems {
	var ps Problems
	for _, name := range m.spec.ImagePullSecrets {
		checkRef(&ps, "spec.imagePullSecrets", name)
	}
	if dup := firstDuplicate(m.spec.ImagePullSecrets); dup != "" {
		ps.add("spec.imagePullSecrets", ErrDuplicate, "%q listed twice", dup)
	}
	if mt := m.spec.Metrics; mt != nil {
		checkPort(&ps, "spec.metrics.port", mt.Port)
		if mt.Path != "" && !strings.HasPrefix(mt.Path, "/") {
			ps.add("spec.metrics.path", ErrBadValue, "%q does not start with /", mt.Path)
		}
	}
	return ps
}

// checkEndpoints checks each streamlet's endpoint: a port, on an akka
// streamlet, other than the metrics port.
func checkEndpoints(m *merged) Problems {
	var ps Problems
	for _, s := range m.declared() {
		ep := s.Endpoint
		if ep == nil {
			continue
		}
		checkPort(&ps, s.path+".endpoint.containerPort", ep.ContainerPort)
		if s.Runtime != Akka {
			ps.add(s.path+".endpoint", ErrNotAllowed, "only akka streamlets serve endpoints")
		}
		if mt := m.spec.Metrics; mt != nil && mt.Port == ep.ContainerPort {
			ps.add(s.path+".endpoint.containerPort", ErrDuplicate, "port %d is also spec.metrics.port", mt.Port)
		}
	}
	return ps
}

// checkResources checks that no request is above its limit.
func checkResources(m *merged) Problems {
	var ps Problems
	for _, s := range m.declared() {
		if res := s.Resources; res != nil {
			for _, name := range slices.Sorted(maps.Keys(res.Limits)) {
				q := res.Limits[name]
				if req, ok := res.Requests[name]; ok && req.Cmp(q) > 0 {
					ps.add(fmt.Sprintf("%s.resources.requests[%s]", s.path, name), ErrBadValue, "request %s is above limit %s", req.String(), q.String())
				}
			}
		}
	}
	return ps
}

// checkEnv checks each environment variable: a name, set once and not one
// of Sluice's, and a value or exactly one reference.
func checkEnv(m *merged) Problems {
	var ps Problems
	for _, s := range m.declared() {
		seen := map[string]bool{}
		for _, e := range s.Env {
			p := fmt.Sprintf("%s.env[%s]", s.path, e.Name)
			if errs := validation.IsEnvVarName(e.Name); len(errs) > 0 {
				ps.add(p, ErrInvalidName, "not a valid variable name: %s", strings.Join(errs, "; "))
			}
			if seen[e.Name] {
				ps.add(p, ErrDuplicate, "variable set twice")
			}
			seen[e.Name] = true
			if strings.HasPrefix(e.Name, "SLUICE_") {
				ps.add(p, ErrNotAllowed, "SLUICE_ variables are set by Sluice")
			}
			if e.ValueFrom != nil {
				checkEnvSource(&ps, p, e)
			}
		}
	}
	return ps
}

func checkEnvSource(ps *Problems, path string, e EnvVar) {
	if e.Value != "" {
		ps.add(path, ErrBadValue, "set value or valueFrom, not both")
	}
	refs := 0
	for _, ref := range []*KeyRef{e.ValueFrom.SecretKeyRef, e.ValueFrom.ConfigMapKeyRef} {
		if ref != nil {
			refs++
			checkRef(ps, path+".valueFrom.name", ref.Name)
			if ref.Key == "" {
				ps.add(path+".valueFrom.key", ErrRequired, "missing")
			}
		}
	}
	if refs != 1 {
		ps.add(path+".valueFrom", ErrBadValue, "set exactly one of secretKeyRef and configMapKeyRef")
	}
}

// checkVolumeMounts checks each volume mount: a name, not Sluice's, mounted
// once, at an absolute path outside ConfigDir, from exactly one source.
func checkVolumeMounts(m *merged) Problems {
	var ps Problems
	for _, s := range m.declared() {
		seen := map[string]bool{}
		for _, v := range s.VolumeMounts {
			p := fmt.Sprintf("%s.volumeMounts[%s]", s.path, v.Name)
			if errs := validation.IsDNS1123Label(v.Name); len(errs) > 0 {
				ps.add(p, ErrInvalidName, "not a valid volume name: %s", strings.Join(errs, "; "))
			}
			if reservedVolume(v.Name) {
				ps.add(p, ErrNotAllowed, "volume name %q is used by Sluice", v.Name)
			}
			if seen[v.Name] {
				ps.add(p, ErrDuplicate, "volume mounted twice")
			}
			seen[v.Name] = true
			if !strings.HasPrefix(v.MountPath, "/") {
				ps.add(p+".mountPath", ErrBadValue, "%q is not an absolute path", v.MountPath)
			}
			if v.MountPath == ConfigDir || strings.HasPrefix(v.MountPath, ConfigDir+"/") {
				ps.add(p+".mountPath", ErrNotAllowed, "%s holds the streamlet's configuration", ConfigDir)
			}
			checkVolumeSource(&ps, p, v)
		}
	}
	return ps
}

func checkVolumeSource(ps *Problems, path string, v VolumeMount) {
	sources := 0
	for _, ref := range []string{v.Secret, v.ConfigMap, v.PersistentVolumeClaim} {
		if ref != "" {
			sources++
			checkRef(ps, path, ref)
		}
	}
	if v.EmptyDir != nil {
		sources++
		if v.EmptyDir.SizeLimit != "" {
			if _, err := resource.ParseQuantity(v.EmptyDir.SizeLimit); err != nil {
				ps.add(path+".emptyDir.sizeLimit", ErrBadValue, "%q is not a quantity: %v", v.EmptyDir.SizeLimit, err)
			}
		}
	}
	if sources != 1 {
		ps.add(path, ErrBadValue, "set exactly one of secret, configMap, persistentVolumeClaim and emptyDir")
	}
}

// checkPodMetadata checks the labels and annotations a streamlet adds to
// its pods: valid, and none of the keys Sluice sets.
func checkPodMetadata(m *merged) Problems {
	var ps Problems
	for _, s := range m.declared() {
		for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
			p := fmt.Sprintf("%s.labels[%s]", s.path, k)
			if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(s.Labels[k])...); len(errs) > 0 {
				ps.add(p, ErrBadValue, "not a valid label: %s", strings.Join(errs, "; "))
			}
			checkReservedKey(&ps, p, k)
		}
		for _, k := range slices.Sorted(maps.Keys(s.Annotations)) {
			p := fmt.Sprintf("%s.annotations[%s]", s.path, k)
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				ps.add(p, ErrBadValue, "not a valid annotation key: %s", strings.Join(errs, "; "))
			}
			checkReservedKey(&ps, p, k)
		}
	}
	return ps
}

func checkReservedKey(ps *Problems, path, key string) {
	for _, prefix := range reservedLabelPrefixes {
		if strings.HasPrefix(key, prefix) {
			ps.add(path, ErrNotAllowed, "keys under %s are set by Sluice", prefix)
		}
	}
}

func checkPort(ps *Problems, path string, port int32) {
	if port < 1 || port > 65535 {
		ps.add(path, ErrBadValue, "port %d is not between 1 and 65535", port)
	}
}

// firstDuplicate returns the first value listed twice in a sorted list.
func firstDuplicate(sorted []string) string {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return sorted[i]
		}
	}
	return ""
}
