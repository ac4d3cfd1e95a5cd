package graph

import (
	"fmt"
	"slices"
	"strings"
)

// checkPorts checks each port's name, that it is unique among the
// streamlet's inlets and outlets, and its schema.
func checkPorts(m *merged) Problems {
	var ps Problems
	for _, s := range m.streamlets {
		seen := map[string]string{}
		for _, group := range []struct {
			kind  string
			ports []Port
		}{{"inlets", s.Inlets}, {"outlets", s.Outlets}} {
			for _, p := range group.ports {
				path := fmt.Sprintf("%s.%s[%s]", s.path, group.kind, p.Name)
				if err := checkLabelName(p.Name); err != nil {
					ps.addErr(path+".name", err)
				}
				if kind, dup := seen[p.Name]; dup {
					ps.add(path, ErrDuplicate, "port %q is also one of the %s", p.Name, kind)
				}
				seen[p.Name] = group.kind
				if p.Schema.Format == "" {
					ps.add(path+".schema.format", ErrRequired, "missing: the schema format, e.g. avro, protobuf, json")
				}
				if p.Schema.Name == "" {
					ps.add(path+".schema.name", ErrRequired, "missing: the record type, e.g. carly.data.CallRecord")
				}
			}
		}
	}
	return ps
}

// checkConnections checks that every connection goes from an outlet to
// inlets that exist, and that each inlet reads the schema the outlet writes.
func checkConnections(m *merged) Problems {
	var ps Problems
	for _, c := range m.spec.Connections {
		path := fmt.Sprintf("spec.connections[%s]", c.From)
		out, err := m.port(c.From, "outlet")
		if err != nil {
			ps.addErr(path, err)
		}
		if len(c.To) == 0 {
			ps.add(path+".to", ErrRequired, "missing: a connection goes to at least one inlet")
		}
		for _, to := range c.To {
			toPath := fmt.Sprintf("spec.connections[%s -> %s]", c.From, to)
			in, inErr := m.port(to, "inlet")
			switch {
			case inErr != nil:
				ps.addErr(toPath, inErr)
			case err == nil && in.Schema != out.Schema:
				ps.add(toPath, ErrSchemaMismatch, "%s writes %s but %s reads %s", c.From, schemaString(out.Schema), to, schemaString(in.Schema))
			}
		}
	}
	return ps
}

// checkSources checks that every inlet reads exactly one stream: one
// connection, or the existing topic it names.
func checkSources(m *merged) Problems {
	var ps Problems
	fedBy := m.feeders()
	for _, s := range m.streamlets {
		for _, in := range s.Inlets {
			ref := s.Name + "." + in.Name
			path := fmt.Sprintf("%s.inlets[%s]", s.path, in.Name)
			sources := slices.Clone(fedBy[ref])
			if in.Topic != nil && in.Topic.Name != "" {
				sources = append(sources, "topic "+in.Topic.Name)
			}
			switch {
			case len(sources) == 0:
				ps.add(path, ErrUnconnected, "no source: connect an outlet to %s in spec.connections, or name an existing topic in its topic.name", ref)
			case len(sources) > 1:
				slices.Sort(sources)
				ps.add(path, ErrTwoSources, "fed by %s; an inlet reads one stream", strings.Join(sources, " and "))
			}
		}
	}
	return ps
}

// feeders maps each inlet that connections reach, "streamlet.inlet", to the
// outlets connected to it.
func (m *merged) feeders() map[string][]string {
	fedBy := map[string][]string{}
	for _, c := range m.spec.Connections {
		for _, to := range c.To {
			if _, err := m.port(to, "inlet"); err == nil {
				fedBy[to] = append(fedBy[to], c.From)
			}
		}
	}
	return fedBy
}

// port finds the inlet or outlet named "streamlet.port", or says why there
// is none.
func (m *merged) port(ref, kind string) (Port, error) {
	sname, pname, ok := splitPortRef(ref)
	if !ok {
		return Port{}, reasonf(ErrNoSuchPort, "%q is not written streamlet.%s", ref, kind)
	}
	s, ok := m.byName[sname]
	if !ok {
		return Port{}, reasonf(ErrNoSuchStreamlet, "%q: no streamlet %q", ref, sname)
	}
	ports := s.Outlets
	if kind == "inlet" {
		ports = s.Inlets
	}
	for _, p := range ports {
		if p.Name == pname {
			return p, nil
		}
	}
	return Port{}, reasonf(ErrNoSuchPort, "streamlet %q has no %s %q", sname, kind, pname)
}

// splitPortRef splits "streamlet.port".
func splitPortRef(ref string) (streamlet, port string, ok bool) {
	streamlet, port, ok = strings.Cut(ref, ".")
	return streamlet, port, ok && streamlet != "" && port != "" && !strings.Contains(port, ".")
}

func splitRef(ref string) (string, string) {
	s, p, _ := splitPortRef(ref)
	return s, p
}

func schemaString(s Schema) string {
	out := s.Format + ":" + s.Name
	if s.Fingerprint != "" {
		out += " (fingerprint " + s.Fingerprint + ")"
	}
	return out
}

// checkCycles refuses feedback loops. Kafka could carry them, but a loop
// makes an application's output feed its own input without end; Sluice's
// policy is that applications are acyclic, and the message says so.
func checkCycles(m *merged) Problems {
	f := &loopFinder{next: m.downstream(), state: map[string]int{}, reported: map[string]bool{}}
	for _, s := range m.spec.Streamlets {
		if f.state[s.Name] == unseen {
			f.visit(s.Name)
		}
	}
	return f.problems
}

// downstream maps each streamlet to the streamlets its outlets feed, in
// the order of the connections.
func (m *merged) downstream() map[string][]string {
	next := map[string][]string{}
	for _, c := range m.spec.Connections {
		from, _ := splitRef(c.From)
		for _, to := range c.To {
			if s, _ := splitRef(to); s != "" && !slices.Contains(next[from], s) {
				next[from] = append(next[from], s)
			}
		}
	}
	return next
}

// The states of a streamlet in the depth-first search for loops.
const (
	unseen = iota
	onPath
	done
)

// loopFinder searches the streamlet graph depth first and reports each
// loop once, whichever streamlet it was entered at.
type loopFinder struct {
	next     map[string][]string
	state    map[string]int
	path     []string
	reported map[string]bool
	problems Problems
}

func (f *loopFinder) visit(n string) {
	f.state[n] = onPath
	f.path = append(f.path, n)
	for _, m := range f.next[n] {
		switch f.state[m] {
		case onPath:
			i := slices.Index(f.path, m)
			loop := append(slices.Clone(f.path[i:]), m)
			if key := canonicalLoop(loop); !f.reported[key] {
				f.reported[key] = true
				f.problems.add(fmt.Sprintf("spec.streamlets[%s]", m), ErrCycle,
					"loop %s: Sluice applications are acyclic by policy; break the loop or feed back through an existing topic", strings.Join(loop, " -> "))
			}
		case unseen:
			f.visit(m)
		}
	}
	f.path = f.path[:len(f.path)-1]
	f.state[n] = done
}

// canonicalLoop names a loop independently of where it was entered.
func canonicalLoop(loop []string) string {
	nodes := slices.Clone(loop[:len(loop)-1])
	slices.Sort(nodes)
	return strings.Join(nodes, ",")
}
