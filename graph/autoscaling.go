package graph

import (
	"cmp"
	"maps"
	"slices"
)

// Autoscaling is the one autoscaling field of every runtime: the streamlet
// is scaled between MinReplicas and MaxReplicas by the operator that runs
// it well — an akka streamlet by KEDA on its inlets' consumer lag, a flink
// streamlet's parallelism by the Flink operator's autoscaler, a spark
// streamlet's executors by Spark's dynamic allocation.
type Autoscaling struct {
	// MinReplicas is the fewest pods, executors or parallelism; 1 when
	// unset. 0 lets KEDA scale an akka streamlet to zero while no lag
	// waits (a flink streamlet runs at least 1).
	MinReplicas *int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the most.
	MaxReplicas int32 `json:"maxReplicas"`
	// LagThreshold is the consumer lag per pod KEDA aims at (akka only;
	// KEDA's default, 10, when unset).
	LagThreshold *int64 `json:"lagThreshold,omitempty"`
	// ActivationLagThreshold is the lag above which KEDA wakes a streamlet
	// scaled to zero (akka only; 0 when unset).
	ActivationLagThreshold *int64 `json:"activationLagThreshold,omitempty"`
}

// Autoscaler is a streamlet's resolved autoscaling: every value final.
type Autoscaler struct {
	MinReplicas int32
	MaxReplicas int32
	// LagThreshold and ActivationLagThreshold are KEDA's, for akka
	// streamlets; 0 for the other runtimes.
	LagThreshold           int64
	ActivationLagThreshold int64
}

// KEDA's kafka scaler defaults, written out so that the ScaledObject says
// what it does.
const (
	defaultLagThreshold           = 10
	defaultActivationLagThreshold = 0
)

// Keys Sluice sets for an autoscaled streamlet, which the user's runtime
// configuration must leave to autoscaling: the Flink operator's autoscaler
// switch and bounds (also under their older "kubernetes.operator." prefix,
// which the operator still reads), and Spark's dynamic allocation as the
// Spark operator writes it from spec.dynamicAllocation.
const (
	FlinkAutoscalerEnabled        = "job.autoscaler.enabled"
	FlinkAutoscalerMinParallelism = "job.autoscaler.vertex.min-parallelism"
	FlinkAutoscalerMaxParallelism = "job.autoscaler.vertex.max-parallelism"
)

// flinkBeforeAutoscaler are the Flink versions without the job vertex
// parallelism overrides (Flink 1.17) the operator's autoscaler scales with.
var flinkBeforeAutoscaler = []string{"v1_13", "v1_14", "v1_15", "v1_16"}

var (
	flinkAutoscalerKeys = []string{FlinkAutoscalerEnabled, FlinkAutoscalerMinParallelism, FlinkAutoscalerMaxParallelism}
	sparkDynamicKeys    = []string{
		"spark.dynamicAllocation.enabled", "spark.dynamicAllocation.initialExecutors",
		"spark.dynamicAllocation.minExecutors", "spark.dynamicAllocation.maxExecutors",
		"spark.dynamicAllocation.shuffleTracking.enabled",
	}
)

// checkAutoscaling checks each streamlet's autoscaling: a range that holds
// at least one replica, replicas (the starting size) within it, lag
// thresholds KEDA accepts and only where KEDA reads them, inlets to read
// lag from, and no runtime setting that would fight the autoscaler.
func checkAutoscaling(m *merged) Problems {
	var ps Problems
	for _, s := range m.declared() {
		a := s.Autoscaling
		if a == nil {
			continue
		}
		path := s.path + ".autoscaling"
		lowest := int32(0)
		if s.Runtime == Flink {
			lowest = 1
		}
		low := autoscalingMin(a)
		switch {
		case low < 0:
			ps.add(path+".minReplicas", ErrBadValue, "%d: cannot be negative", low)
		case low < lowest:
			ps.add(path+".minReplicas", ErrBadValue, "%d: a Flink job's parallelism is at least 1", low)
		}
		switch {
		case a.MaxReplicas == 0:
			ps.add(path+".maxReplicas", ErrRequired, "missing: the most replicas the autoscaler may run")
		case a.MaxReplicas < 1:
			ps.add(path+".maxReplicas", ErrBadValue, "%d: at least 1", a.MaxReplicas)
		case low > a.MaxReplicas:
			ps.add(path+".minReplicas", ErrBadValue, "%d is above maxReplicas %d", low, a.MaxReplicas)
		}
		if r := s.Replicas; r != nil && a.MaxReplicas >= 1 && (*r < low || *r > a.MaxReplicas) {
			ps.add(s.path+".replicas", ErrBadValue, "%d is outside autoscaling's %d to %d: with autoscaling, replicas is only the starting size; set it within the range or remove it",
				*r, low, a.MaxReplicas)
		}
		switch s.Runtime {
		case Akka:
			checkLagAutoscaling(&ps, s, path)
		case Spark:
			checkNoLagThresholds(&ps, path, a, "Spark's dynamic allocation scales executors on the job's task backlog")
			checkNotSet(&ps, s.path+".spark.sparkConf", s.run.spark.SparkConf, sparkDynamicKeys)
		case Flink:
			checkNoLagThresholds(&ps, path, a, "the Flink operator's autoscaler scales on busy time and backlog")
			checkNotSet(&ps, s.path+".flink.flinkConfiguration", s.run.flink.FlinkConfiguration, flinkAutoscalerConfigKeys())
			if v := s.run.flink.Version; slices.Contains(flinkBeforeAutoscaler, v) {
				ps.add(path, ErrNotAllowed, "the Flink operator's autoscaler needs Flink 1.17 or later (job vertex parallelism overrides), not %s", v)
			}
		}
	}
	return ps
}

// checkLagAutoscaling checks what KEDA needs to scale an akka streamlet on
// consumer lag: an inlet whose consumer group has a lag, and thresholds
// its kafka scaler accepts.
func checkLagAutoscaling(ps *Problems, s *mergedStreamlet, path string) {
	a := s.Autoscaling
	if len(s.Inlets) == 0 {
		ps.add(path, ErrNotAllowed, "streamlet %s has no inlet: it cannot scale on consumer lag; remove autoscaling and set replicas", s.Name)
	}
	if t := a.LagThreshold; t != nil && *t < 1 {
		ps.add(path+".lagThreshold", ErrBadValue, "%d: KEDA needs a lag per pod of at least 1", *t)
	}
	if t := a.ActivationLagThreshold; t != nil && *t < 0 {
		ps.add(path+".activationLagThreshold", ErrBadValue, "%d: cannot be negative", *t)
	}
}

func checkNoLagThresholds(ps *Problems, path string, a *Autoscaling, why string) {
	for _, f := range []struct {
		name string
		set  bool
	}{{"lagThreshold", a.LagThreshold != nil}, {"activationLagThreshold", a.ActivationLagThreshold != nil}} {
		if f.set {
			ps.add(path+"."+f.name, ErrNotAllowed, "%s, not on a lag threshold; %s applies to akka streamlets only", why, f.name)
		}
	}
}

// checkNotSet refuses the keys of conf that autoscaling sets.
func checkNotSet(ps *Problems, path string, conf map[string]string, keys []string) {
	for _, k := range slices.Sorted(maps.Keys(conf)) {
		if slices.Contains(keys, k) {
			ps.add(path, ErrNotAllowed, "%q is set by autoscaling; remove it here (or remove autoscaling)", k)
		}
	}
}

// flinkAutoscalerConfigKeys are the keys of flinkAutoscalerKeys under both
// prefixes the operator reads.
func flinkAutoscalerConfigKeys() []string {
	out := slices.Clone(flinkAutoscalerKeys)
	for _, k := range flinkAutoscalerKeys {
		out = append(out, "kubernetes.operator."+k)
	}
	return out
}

func autoscalingMin(a *Autoscaling) int32 {
	if a.MinReplicas == nil {
		return 1
	}
	return *a.MinReplicas
}

// resolveAutoscaling settles an autoscaled streamlet's range and starting
// size: replicas as given (checkAutoscaling holds it within the range),
// else the least the range allows — at least one executor for Spark,
// which the Spark operator needs to start the application.
func resolveAutoscaling(rs *ResolvedStreamlet, s *Streamlet) {
	a := s.Autoscaling
	if a == nil {
		return
	}
	as := &Autoscaler{MinReplicas: autoscalingMin(a), MaxReplicas: a.MaxReplicas}
	if rs.Runtime == Akka {
		as.LagThreshold = cmp.Or(deref(a.LagThreshold), defaultLagThreshold)
		as.ActivationLagThreshold = defaultActivationLagThreshold
		if a.ActivationLagThreshold != nil {
			as.ActivationLagThreshold = *a.ActivationLagThreshold
		}
	}
	rs.Autoscaling = as
	if s.Replicas == nil {
		rs.Replicas = as.MinReplicas
		if rs.Runtime == Spark {
			rs.Replicas = max(rs.Replicas, 1)
		}
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
