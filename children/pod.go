package children

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/sluice-dev/sluice/graph"
)

// Where Kafka credentials are mounted: outside graph.ConfigDir, because
// nesting a mount inside a ConfigMap volume fails on read-only volumes.
const (
	kafkaCADir   = "/var/run/secrets/sluice/kafka-ca"
	kafkaUserDir = "/var/run/secrets/sluice/kafka-user"
)

// kafkaDirs are where a cluster's CA and user credentials are mounted: the
// default cluster's at kafkaCADir and kafkaUserDir, another's beside them,
// suffixed with its name.
func kafkaDirs(cluster string) (caDir, userDir string) {
	if cluster == "" {
		return kafkaCADir, kafkaUserDir
	}
	return kafkaCADir + "-" + cluster, kafkaUserDir + "-" + cluster
}

// Environment variables Sluice sets in every streamlet container.
const (
	EnvConfigFile = "SLUICE_CONFIG_FILE"
	EnvClass      = "SLUICE_STREAMLET_CLASS"
)

// podParts are the pieces every runtime puts into a streamlet's pods.
type podParts struct {
	volumes []corev1.Volume
	mounts  []corev1.VolumeMount
	env     []corev1.EnvVar
}

// streamletPod gathers the volumes, mounts and environment of a streamlet's
// pods: Sluice's (configuration, Kafka credentials, state; graph names them
// and refuses user volumes of those names) first, then the user's in the
// user's order.
func streamletPod(bp *graph.Blueprint, s *graph.ResolvedStreamlet) podParts {
	var p podParts
	p.add(graph.VolumeConfig, graph.ConfigDir, true, corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName(bp.Name, s.Name)},
	}})
	for _, cluster := range append([]string{""}, s.Clusters()...) {
		conn := bp.Connection(cluster)
		caDir, userDir := kafkaDirs(cluster)
		caVolume, userVolume := graph.KafkaVolumes(cluster)
		if conn.CASecret != "" {
			p.add(caVolume, caDir, true, secretVolume(conn.CASecret))
		}
		if secret := conn.UserSecret(bp.Name, s.Name, cluster); secret != "" {
			p.add(userVolume, userDir, true, secretVolume(secret))
		}
	}
	if s.StateClaim != "" {
		p.add(graph.VolumeState, graph.StateMountPath, false, corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: s.StateClaim},
		})
	}
	for _, m := range s.VolumeMounts {
		p.volumes = append(p.volumes, corev1.Volume{Name: m.Name, VolumeSource: userVolumeSource(m)})
		p.mounts = append(p.mounts, corev1.VolumeMount{Name: m.Name, MountPath: m.MountPath, ReadOnly: m.ReadOnly, SubPath: m.SubPath})
	}
	p.env = append(p.env, corev1.EnvVar{Name: EnvConfigFile, Value: graph.ConfigDir + "/" + ConfigFile})
	if s.ClassName != "" && s.Runtime == graph.Akka {
		p.env = append(p.env, corev1.EnvVar{Name: EnvClass, Value: s.ClassName})
	}
	for _, e := range s.Env {
		p.env = append(p.env, envVar(e))
	}
	return p
}

func (p *podParts) add(name, path string, readOnly bool, src corev1.VolumeSource) {
	p.volumes = append(p.volumes, corev1.Volume{Name: name, VolumeSource: src})
	p.mounts = append(p.mounts, corev1.VolumeMount{Name: name, MountPath: path, ReadOnly: readOnly})
}

func secretVolume(name string) corev1.VolumeSource {
	return corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name}}
}

func userVolumeSource(m graph.VolumeMount) corev1.VolumeSource {
	switch {
	case m.Secret != "":
		return secretVolume(m.Secret)
	case m.ConfigMap != "":
		return corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: m.ConfigMap}}}
	case m.PersistentVolumeClaim != "":
		return corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: m.PersistentVolumeClaim, ReadOnly: m.ReadOnly}}
	default:
		ed := &corev1.EmptyDirVolumeSource{}
		if m.EmptyDir != nil && m.EmptyDir.SizeLimit != "" {
			q := resource.MustParse(m.EmptyDir.SizeLimit) // validated by graph
			ed.SizeLimit = &q
		}
		return corev1.VolumeSource{EmptyDir: ed}
	}
}

func envVar(e graph.EnvVar) corev1.EnvVar {
	out := corev1.EnvVar{Name: e.Name, Value: e.Value}
	if vf := e.ValueFrom; vf != nil {
		out.ValueFrom = &corev1.EnvVarSource{}
		if ref := vf.SecretKeyRef; ref != nil {
			out.ValueFrom.SecretKeyRef = &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key, Optional: ref.Optional,
			}
		}
		if ref := vf.ConfigMapKeyRef; ref != nil {
			out.ValueFrom.ConfigMapKeyRef = &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key, Optional: ref.Optional,
			}
		}
	}
	return out
}

// pullSecrets are the application's image pull secrets, sorted.
func pullSecrets(bp *graph.Blueprint) []corev1.LocalObjectReference {
	var refs []corev1.LocalObjectReference
	for _, name := range bp.ImagePullSecrets {
		refs = append(refs, corev1.LocalObjectReference{Name: name})
	}
	return refs
}

// containerPorts are the streamlet's endpoint and metrics ports.
func containerPorts(bp *graph.Blueprint, s *graph.ResolvedStreamlet) []corev1.ContainerPort {
	var ports []corev1.ContainerPort
	if s.Endpoint != nil {
		ports = append(ports, corev1.ContainerPort{Name: portHTTP, ContainerPort: s.Endpoint.ContainerPort, Protocol: corev1.ProtocolTCP})
	}
	if m := bp.Metrics; m != nil {
		ports = append(ports, corev1.ContainerPort{Name: portMetrics, ContainerPort: m.Port, Protocol: corev1.ProtocolTCP})
	}
	return ports
}

// Port names on streamlet containers.
const (
	portHTTP    = "http"
	portMetrics = "metrics"
)

// resources converts a streamlet's requests and limits.
func resources(s *graph.ResolvedStreamlet) corev1.ResourceRequirements {
	if s.Resources == nil {
		return corev1.ResourceRequirements{}
	}
	return corev1.ResourceRequirements{Requests: s.Resources.Requests, Limits: s.Resources.Limits}
}
