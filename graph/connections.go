package graph

import (
	"fmt"
	"slices"
	"strings"
)

// checkConnections checks every connection end, schema compatibility, and
// that every inlet has exactly one source.
func checkConnections(r *resolver) {
	fedBy := map[string][]string{} // "streamlet.inlet" -> sources
	for _, c := range r.spec.Connections {
		path := fmt.Sprintf("spec.connections[%s]", c.From)
		out, ok := r.port(path, c.From, "outlet")
		if len(c.To) == 0 {
			r.addf(path+".to", ErrRequired, "a connection goes to at least one inlet")
		}
		for _, to := range c.To {
			toPath := fmt.Sprintf("spec.connections[%s -> %s]", c.From, to)
			in, inOK := r.port(toPath, to, "inlet")
			if !inOK {
				continue
			}
			fedBy[to] = append(fedBy[to], c.From)
			if ok && in.Schema != out.Schema {
				r.addf(toPath, ErrSchemaMismatch, "%s writes %s but %s reads %s", c.From, schemaString(out.Schema), to, schemaString(in.Schema))
			}
			if ok {
				if t := r.topicOf(splitRef(c.From)); t != nil {
					r.sources[to] = t.Name
				}
			}
		}
	}
	for _, s := range r.spec.Streamlets {
		for _, in := range s.Inlets {
			ref := s.Name + "." + in.Name
			path := fmt.Sprintf("%s.inlets[%s]", streamletPath(&s), in.Name)
			sources := fedBy[ref]
			if in.Topic != nil && in.Topic.Name != "" {
				sources = append(sources, "topic "+in.Topic.Name)
			}
			switch {
			case len(sources) == 0:
				r.addf(path, ErrUnconnected, "connect an outlet to %s in spec.connections, or name an existing topic in its topic.name", ref)
			case len(sources) > 1:
				slices.Sort(sources)
				r.addf(path, ErrTwoSources, "fed by %s; an inlet reads one stream", strings.Join(sources, " and "))
			}
		}
	}
}

func splitRef(ref string) (string, string) {
	s, p, _ := splitPortRef(ref)
	return s, p
}

// port finds the inlet or outlet named "streamlet.port", reporting at path
// when there is none.
func (r *resolver) port(path, ref, kind string) (Port, bool) {
	sname, pname, ok := splitPortRef(ref)
	if !ok {
		r.addf(path, ErrNoSuchPort, "%q is not written streamlet.%s", ref, kind)
		return Port{}, false
	}
	s, ok := r.streamlets[sname]
	if !ok {
		r.addf(path, ErrNoSuchStreamlet, "%q: no streamlet %q", ref, sname)
		return Port{}, false
	}
	ports := s.Outlets
	if kind == "inlet" {
		ports = s.Inlets
	}
	for _, p := range ports {
		if p.Name == pname {
			return p, true
		}
	}
	r.addf(path, ErrNoSuchPort, "streamlet %q has no %s %q", sname, kind, pname)
	return Port{}, false
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
func checkCycles(r *resolver) {
	next := map[string][]string{}
	for _, c := range r.spec.Connections {
		from, _ := splitRef(c.From)
		for _, to := range c.To {
			if s, _ := splitRef(to); s != "" && !slices.Contains(next[from], s) {
				next[from] = append(next[from], s)
			}
		}
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	reported := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		state[n] = onPath
		path = append(path, n)
		for _, m := range next[n] {
			switch state[m] {
			case onPath:
				i := slices.Index(path, m)
				loop := append(slices.Clone(path[i:]), m)
				key := canonicalLoop(loop)
				if !reported[key] {
					reported[key] = true
					r.addf(fmt.Sprintf("spec.streamlets[%s]", m), ErrCycle,
						"%s: Sluice applications are acyclic by policy; break the loop or feed back through an existing topic", strings.Join(loop, " -> "))
				}
			case unseen:
				visit(m)
			}
		}
		path = path[:len(path)-1]
		state[n] = done
	}
	for _, s := range r.spec.Streamlets {
		if state[s.Name] == unseen {
			visit(s.Name)
		}
	}
}

// canonicalLoop names a loop independently of where it was entered.
func canonicalLoop(loop []string) string {
	nodes := slices.Clone(loop[:len(loop)-1])
	slices.Sort(nodes)
	return strings.Join(nodes, ",")
}
