package graph

import (
	"slices"
	"strings"
)

// checkRuntimes checks what every runtime needs of a streamlet: an image, a
// known runtime, a replica count, and no settings that runtime ignores.
func checkRuntimes(m *merged) Problems {
	var ps Problems
	for _, s := range m.declared() {
		if s.run.image == "" {
			ps.add(s.path+".image", ErrRequired, "no image here and no spec.image")
		}
		if s.run.replicas < 0 {
			ps.add(s.path+".replicas", ErrBadValue, "%d replicas: cannot be negative", s.run.replicas)
		}
		switch s.Runtime {
		case Akka:
			checkNoBlock(&ps, s, "spark", s.Spark != nil)
			checkNoBlock(&ps, s, "flink", s.Flink != nil)
		case Spark:
			checkNoBlock(&ps, s, "flink", s.Flink != nil)
			checkNoResources(&ps, s, "spark.driver and spark.executor (cores, coreLimit, memory)")
		case Flink:
			checkNoBlock(&ps, s, "spark", s.Spark != nil)
			checkNoResources(&ps, s, "flink.jobManager and flink.taskManager (cpu, memory)")
		case "":
			ps.add(s.path+".runtime", ErrRequired, "missing: one of akka, spark, flink")
		default:
			ps.add(s.path+".runtime", ErrUnknownRuntime, "%q is not akka, spark or flink", s.Runtime)
		}
	}
	return ps
}

func checkNoBlock(ps *Problems, s *mergedStreamlet, block string, set bool) {
	if set {
		ps.add(s.path+"."+block, ErrNotAllowed, "a %s block on a %s streamlet", block, s.Runtime)
	}
}

// checkNoResources refuses resources on a streamlet whose operator sizes its
// pods from the runtime block: the value would be dropped or overwritten.
func checkNoResources(ps *Problems, s *mergedStreamlet, sizedBy string) {
	if s.Resources != nil {
		ps.add(s.path+".resources", ErrNotAllowed, "a %s streamlet is sized by %s; resources applies to akka streamlets only", s.Runtime, sizedBy)
	}
}

// checkServiceAccounts checks the names of the service accounts pods run
// as, and that a spark or flink streamlet does not name two: its own
// serviceAccountName overrides the runtime's, but not a different one in
// its own runtime block.
func checkServiceAccounts(m *merged) Problems {
	var ps Problems
	if m.spec.ServiceAccountName != "" {
		checkRef(&ps, "spec.serviceAccountName", m.spec.ServiceAccountName)
	}
	for _, s := range m.declared() {
		if s.ServiceAccountName == "" {
			continue
		}
		checkRef(&ps, s.path+".serviceAccountName", s.ServiceAccountName)
		block, inBlock := "", ""
		switch {
		case s.Runtime == Spark && s.Spark != nil:
			block, inBlock = "spark", s.Spark.ServiceAccountName
		case s.Runtime == Flink && s.Flink != nil:
			block, inBlock = "flink", s.Flink.ServiceAccountName
		}
		if inBlock != "" && inBlock != s.ServiceAccountName {
			ps.add(s.path+".serviceAccountName", ErrBadValue, "%q differs from %s.serviceAccountName %q: set one of them", s.ServiceAccountName, block, inBlock)
		}
	}
	return ps
}

// Spark application types the Spark operator accepts.
var sparkTypes = []string{"Java", "Python", "R", "Scala"}

// checkSpark refuses, for each spark streamlet, what the Spark operator
// would refuse later.
func checkSpark(m *merged) Problems {
	var ps Problems
	for _, s := range m.running(Spark) {
		sp, path := s.run.spark, s.path+".spark"
		missing := missingSetting(&ps, path, Spark)
		if sp.Version == "" {
			missing("version", "the Spark version")
		}
		switch {
		case sp.Type == "":
			missing("type", "the application type (Java, Python, R or Scala)")
		case !slices.Contains(sparkTypes, sp.Type):
			ps.add(path+".type", ErrBadValue, "%q is not one of %s", sp.Type, strings.Join(sparkTypes, ", "))
		}
		if sp.MainApplicationFile == "" {
			missing("mainApplicationFile", "the application file")
		}
		if s.run.replicas < 1 {
			ps.add(s.path+".replicas", ErrMissingSetting, "a Spark streamlet needs at least 1 executor, not %d", s.run.replicas)
		}
		if sp.ServiceAccountName != "" {
			checkRef(&ps, path+".serviceAccountName", sp.ServiceAccountName)
		}
		for _, pod := range []struct {
			name string
			p    *SparkPod
		}{{"driver", sp.Driver}, {"executor", sp.Executor}} {
			if pod.p != nil && pod.p.Cores != nil && *pod.p.Cores < 1 {
				ps.add(path+"."+pod.name+".cores", ErrBadValue, "%d cores: at least 1", *pod.p.Cores)
			}
		}
	}
	return ps
}

// missingSetting reports, under path, a setting a runtime needs that
// neither the streamlet nor spec.runtimes sets.
func missingSetting(ps *Problems, path string, rt Runtime) func(field, what string) {
	return func(field, what string) {
		ps.add(path+"."+field, ErrMissingSetting, "missing: %s; set it here or in spec.runtimes.%s", what, rt)
	}
}

// Flink upgrade modes the Flink operator accepts.
var flinkUpgradeModes = []string{"last-state", "savepoint", "stateless"}

// checkFlink refuses, for each flink streamlet, what the Flink operator
// would refuse later. (What its upgrade mode needs of state, checkState
// checks.)
func checkFlink(m *merged) Problems {
	var ps Problems
	for _, s := range m.running(Flink) {
		fl, path := s.run.flink, s.path+".flink"
		missing := missingSetting(&ps, path, Flink)
		if fl.Version == "" {
			missing("version", "the Flink version (e.g. v1_20)")
		} else if !slices.Contains(FlinkVersions, fl.Version) {
			ps.add(path+".version", ErrBadValue, "%q is not a Flink version the Flink operator knows: one of %s", fl.Version, strings.Join(FlinkVersions, ", "))
		}
		if fl.JarURI == "" {
			missing("jarURI", "the job's jar")
		}
		if fl.ServiceAccountName == "" {
			missing("serviceAccountName", "the Flink operator needs a service account allowed to manage the job's pods")
		} else {
			checkRef(&ps, path+".serviceAccountName", fl.ServiceAccountName)
		}
		checkFlinkResources(&ps, path, fl, missing)
		if fl.UpgradeMode != "" && !slices.Contains(flinkUpgradeModes, fl.UpgradeMode) {
			ps.add(path+".upgradeMode", ErrBadValue, "%q is not one of %s", fl.UpgradeMode, strings.Join(flinkUpgradeModes, ", "))
		}
		if s.run.replicas < 1 {
			ps.add(s.path+".replicas", ErrMissingSetting, "a Flink streamlet's parallelism is at least 1, not %d", s.run.replicas)
		}
	}
	return ps
}

// checkFlinkResources checks the job and task managers' CPUs and memory.
func checkFlinkResources(ps *Problems, path string, fl *FlinkSettings, missing func(field, what string)) {
	for _, c := range []struct {
		name string
		r    *FlinkResource
	}{{"jobManager", fl.JobManager}, {"taskManager", fl.TaskManager}} {
		if c.r != nil && c.r.CPU != nil && *c.r.CPU <= 0 {
			ps.add(path+"."+c.name+".cpu", ErrBadValue, "%g CPUs: more than 0", *c.r.CPU)
		}
	}
	if fl.JobManager == nil || fl.JobManager.Memory == "" {
		missing("jobManager.memory", "the job manager's memory")
	}
	if fl.TaskManager == nil || fl.TaskManager.Memory == "" {
		missing("taskManager.memory", "the task manager's memory")
	}
}
