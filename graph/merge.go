package graph

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
)

// merged is an application ready for the rules and for build: every
// set-like list sorted, and each streamlet's runtime settings merged with
// the application's defaults. Merging reports nothing; the rules judge the
// result.
type merged struct {
	name, namespace string
	generation      int64
	// spec is the spec with every set-like list sorted (see normalize).
	spec Spec
	// streamlets are spec.Streamlets, each with its merged settings.
	streamlets []mergedStreamlet
	// byName indexes spec.Streamlets by name; the first of duplicates.
	byName map[string]*Streamlet
}

// mergedStreamlet is one streamlet as written, beside its merged settings.
type mergedStreamlet struct {
	*Streamlet
	// path is spec.streamlets[NAME], or spec.streamlets[i] without a name
	// (i its position as written), as type errors name it too.
	path string
	// repeat marks a later streamlet of a valid name already declared:
	// checkNames reports it as a duplicate, and the rules of runtimes, pods
	// and state skip it (see declared).
	repeat bool
	run    runSettings
}

// runSettings are a streamlet's runtime settings merged with the defaults.
type runSettings struct {
	image          string
	replicas       int32
	serviceAccount string // of the streamlet's pods
	spark          *SparkSettings
	flink          *FlinkSettings
}

// merge prepares app for the rules and build; app is not modified.
func merge(app *StreamingApplication) *merged {
	m := &merged{
		name: app.Name, namespace: app.Namespace, generation: app.Generation,
		spec: normalize(app.Spec),
	}
	m.byName = make(map[string]*Streamlet, len(m.spec.Streamlets))
	nameless := positionsWithoutName(app.Spec.Streamlets)
	for i := range m.spec.Streamlets {
		s := &m.spec.Streamlets[i]
		ms := mergedStreamlet{Streamlet: s, path: fmt.Sprintf("spec.streamlets[%s]", s.Name), run: mergeRun(&m.spec, s)}
		if s.Name == "" { // sorted first, in the order written
			ms.path, nameless = fmt.Sprintf("spec.streamlets[%d]", nameless[0]), nameless[1:]
		}
		_, known := m.byName[s.Name]
		ms.repeat = known && checkLabelName(s.Name) == nil
		if !known {
			m.byName[s.Name] = s
		}
		m.streamlets = append(m.streamlets, ms)
	}
	return m
}

// declared are the streamlets but the repeats of a name, for the rules of
// settings that only the first of a name may have.
func (m *merged) declared() []*mergedStreamlet {
	out := make([]*mergedStreamlet, 0, len(m.streamlets))
	for i := range m.streamlets {
		if !m.streamlets[i].repeat {
			out = append(out, &m.streamlets[i])
		}
	}
	return out
}

// running are the declared streamlets of one runtime.
func (m *merged) running(rt Runtime) []*mergedStreamlet {
	var out []*mergedStreamlet
	for _, s := range m.declared() {
		if s.Runtime == rt {
			out = append(out, s)
		}
	}
	return out
}

// mergeRun merges a streamlet's settings with the application's: the image,
// one replica by default, the runtime block over spec.runtimes, and the
// streamlet's service account over the runtime's.
func mergeRun(spec *Spec, s *Streamlet) runSettings {
	run := runSettings{image: cmp.Or(s.Image, spec.Image), replicas: 1}
	if s.Replicas != nil {
		run.replicas = *s.Replicas
	}
	switch s.Runtime {
	case Akka:
		run.serviceAccount = cmp.Or(s.ServiceAccountName, spec.ServiceAccountName)
	case Spark:
		run.spark = overlay(spec.Runtimes.Spark, s.Spark)
		run.spark.ServiceAccountName = cmp.Or(s.ServiceAccountName, run.spark.ServiceAccountName)
		run.serviceAccount = run.spark.ServiceAccountName
	case Flink:
		run.flink = overlay(spec.Runtimes.Flink, s.Flink)
		run.flink.ServiceAccountName = cmp.Or(s.ServiceAccountName, run.flink.ServiceAccountName)
		run.serviceAccount = run.flink.ServiceAccountName
	}
	return run
}

// overlay returns a new T: the defaults def, with every field that over sets
// (is not zero) set over them. Structs behind pointers merge field by field,
// maps key by key; neither input is changed, and either may be nil.
func overlay[T any](def, over *T) *T {
	var out T
	if def != nil {
		out = *def
	}
	if over != nil {
		overlayFields(reflect.ValueOf(&out).Elem(), reflect.ValueOf(over).Elem())
	}
	return &out
}

// overlayFields sets the fields of struct dst that src sets, copying what
// it changes below dst rather than writing into the defaults.
func overlayFields(dst, src reflect.Value) {
	for i := range dst.NumField() {
		d, s := dst.Field(i), src.Field(i)
		switch {
		case s.IsZero():
			// the default stays
		case d.Kind() == reflect.Pointer && d.Type().Elem().Kind() == reflect.Struct && !d.IsNil():
			merged := reflect.New(d.Type().Elem())
			merged.Elem().Set(d.Elem())
			overlayFields(merged.Elem(), s.Elem())
			d.Set(merged)
		case d.Kind() == reflect.Map && !d.IsNil():
			merged := reflect.MakeMapWithSize(d.Type(), d.Len()+s.Len())
			for _, m := range []reflect.Value{d, s} {
				for it := m.MapRange(); it.Next(); {
					merged.SetMapIndex(it.Key(), it.Value())
				}
			}
			d.Set(merged)
		default:
			d.Set(s)
		}
	}
}

// normalize returns a copy of spec with every set-like list sorted, so that
// everything downstream is independent of the order the user wrote.
func normalize(spec Spec) Spec {
	spec.Streamlets = slices.Clone(spec.Streamlets)
	slices.SortStableFunc(spec.Streamlets, func(a, b Streamlet) int { return cmp.Compare(a.Name, b.Name) })
	for i := range spec.Streamlets {
		s := &spec.Streamlets[i]
		s.Inlets = sortedPorts(s.Inlets)
		s.Outlets = sortedPorts(s.Outlets)
		s.ConfigParameters = slices.Clone(s.ConfigParameters)
		slices.SortStableFunc(s.ConfigParameters, func(a, b ConfigParameter) int { return cmp.Compare(a.Key, b.Key) })
	}
	spec.Connections = slices.Clone(spec.Connections)
	for i := range spec.Connections {
		spec.Connections[i].To = slices.Sorted(slices.Values(spec.Connections[i].To))
	}
	slices.SortStableFunc(spec.Connections, func(a, b Connection) int {
		return cmp.Or(cmp.Compare(a.From, b.From), slices.Compare(a.To, b.To))
	})
	spec.ImagePullSecrets = slices.Sorted(slices.Values(spec.ImagePullSecrets))
	return spec
}

func sortedPorts(ports []Port) []Port {
	ports = slices.Clone(ports)
	slices.SortStableFunc(ports, func(a, b Port) int { return cmp.Compare(a.Name, b.Name) })
	return ports
}

// positionsWithoutName are the positions of the streamlets without a name,
// as written.
func positionsWithoutName(streamlets []Streamlet) []int {
	var out []int
	for i, s := range streamlets {
		if s.Name == "" {
			out = append(out, i)
		}
	}
	return out
}
