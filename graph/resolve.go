package graph

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Validate returns every problem of app at once, each prefixed with the path
// of the field at fault; nil when the application is valid.
func Validate(app *StreamingApplication) Problems {
	_, problems := Resolve(app)
	return problems
}

// ResolveJSON decodes a parent as the API server stored it (FromJSON) and
// resolves it: the values of the wrong type come first, then every problem
// of the rest of the application, and there is a blueprint only when there
// is no problem at all. A document it cannot decode is one problem at spec.
func ResolveJSON(data []byte) (*Blueprint, Problems) {
	app, err := FromJSON(data)
	if app == nil {
		return nil, Problems{{Path: "spec", Err: err}}
	}
	bp, problems := Resolve(app)
	if err == nil {
		return bp, problems
	}
	var wrong Problems
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() { // errors.Join of Problems
		wrong = append(wrong, e.(Problem))
	}
	return nil, append(wrong, problems...)
}

// Resolve validates app and, when it is valid, resolves it into a Blueprint.
// The input is not modified; its set-like lists may come in any order.
func Resolve(app *StreamingApplication) (*Blueprint, Problems) {
	r := &resolver{app: app, spec: normalize(app.Spec)}
	r.index()
	for _, rule := range rules {
		rule(r)
	}
	if len(r.problems) > 0 {
		slices.SortStableFunc(r.problems, func(a, b Problem) int { return cmp.Compare(a.Error(), b.Error()) })
		return nil, slices.CompactFunc(r.problems, func(a, b Problem) bool { return a.Error() == b.Error() })
	}
	return r.blueprint(), nil
}

// rules run in order over one resolver; each adds what it finds wrong and
// what it resolved. Later rules may rely on the indexes of earlier ones but
// never on their having found nothing.
var rules = []func(*resolver){
	checkCaps,
	checkApplication,
	checkStreamlets,
	checkPorts,
	resolveTopics,
	checkConnections,
	checkCycles,
	resolveParameters,
}

// resolver carries one application through the rules.
type resolver struct {
	app      *StreamingApplication
	spec     Spec
	problems Problems

	streamlets map[string]*Streamlet   // by name; first of duplicates
	settings   map[string]*resolvedRun // merged runtime settings by streamlet
	params     map[string][]Parameter  // resolved parameters by streamlet
	topics     []Topic                 // managed and unmanaged, by name
	// sources maps "streamlet.inlet" to the topic it reads.
	sources map[string]string
}

// resolvedRun is the merged runtime configuration of one streamlet.
type resolvedRun struct {
	image          string
	replicas       int32
	serviceAccount string
	spark          *SparkSettings
	flink          *FlinkSettings
}

func (r *resolver) add(path string, err error) {
	r.problems = append(r.problems, Problem{Path: path, Err: err})
}

func (r *resolver) addf(path string, sentinel error, format string, args ...any) {
	r.add(path, fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel))
}

func (r *resolver) index() {
	r.streamlets = make(map[string]*Streamlet, len(r.spec.Streamlets))
	r.settings = make(map[string]*resolvedRun, len(r.spec.Streamlets))
	r.params = make(map[string][]Parameter, len(r.spec.Streamlets))
	r.sources = make(map[string]string)
	for i := range r.spec.Streamlets {
		s := &r.spec.Streamlets[i]
		if _, dup := r.streamlets[s.Name]; !dup {
			r.streamlets[s.Name] = s
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

// streamletPath is the path of a streamlet in messages.
func streamletPath(s *Streamlet) string {
	return fmt.Sprintf("spec.streamlets[%s]", s.Name)
}

// resolveTopics derives one topic per outlet and the existing topics inlets
// name, and reports two outlets that would write one Kafka topic or make two
// KafkaTopics of one name.
func resolveTopics(r *resolver) {
	app := r.app.Name
	defaults := r.spec.Kafka.TopicDefaults
	byName := map[string]string{}   // topic name -> path of its first port
	byObject := map[string]string{} // KafkaTopic name -> path of its first outlet
	for _, s := range r.spec.Streamlets {
		for _, o := range s.Outlets {
			path := fmt.Sprintf("%s.outlets[%s]", streamletPath(&s), o.Name)
			t := Topic{
				Name: TopicName(app, s.Name, o.Name), Streamlet: s.Name, Outlet: o.Name,
				Managed: true, Schema: o.Schema,
				Partitions: defaults.Partitions, Replicas: defaults.Replicas,
				Config: maps.Clone(defaults.Config),
			}
			if o.Topic != nil {
				if o.Topic.Name != "" {
					t.Name = o.Topic.Name
				}
				t.Managed = o.Topic.Managed == nil || *o.Topic.Managed
				t.Partitions = cmp.Or(o.Topic.Partitions, t.Partitions)
				t.Replicas = cmp.Or(o.Topic.Replicas, t.Replicas)
				for k, v := range o.Topic.Config {
					if t.Config == nil {
						t.Config = map[string]Scalar{}
					}
					t.Config[k] = v
				}
			}
			if err := checkTopicName(t.Name); err != nil {
				r.add(path+".topic.name", err)
			}
			t.ObjectName = TopicObjectName(t.Name)
			if first, dup := byName[t.Name]; dup {
				r.addf(path, ErrDuplicate, "topic %q is also written by %s", t.Name, first)
				continue
			}
			if first, dup := byObject[t.ObjectName]; dup {
				r.addf(path, ErrDuplicate, "topic %q would be KafkaTopic %q, and so would the topic of %s; choose another topic name",
					t.Name, t.ObjectName, first)
				continue
			}
			byName[t.Name] = path
			byObject[t.ObjectName] = path
			r.topics = append(r.topics, t)
		}
	}
	for _, s := range r.spec.Streamlets {
		for _, in := range s.Inlets {
			if in.Topic == nil {
				continue
			}
			path := fmt.Sprintf("%s.inlets[%s].topic", streamletPath(&s), in.Name)
			if in.Topic.Name == "" {
				r.addf(path+".name", ErrRequired, "an inlet's topic names an existing topic")
				continue
			}
			if in.Topic.Managed != nil && *in.Topic.Managed {
				r.addf(path+".managed", ErrNotAllowed, "an inlet cannot own a topic; declare it on the outlet that writes it, or set managed: false")
			}
			if err := checkTopicName(in.Topic.Name); err != nil {
				r.add(path+".name", err)
				continue
			}
			r.sources[s.Name+"."+in.Name] = in.Topic.Name
			if _, known := byName[in.Topic.Name]; known {
				continue
			}
			byName[in.Topic.Name] = path
			r.topics = append(r.topics, Topic{Name: in.Topic.Name, ObjectName: TopicObjectName(in.Topic.Name), Schema: in.Schema})
		}
	}
	slices.SortFunc(r.topics, func(a, b Topic) int { return cmp.Compare(a.Name, b.Name) })
}

// topicOf returns the topic written by an outlet.
func (r *resolver) topicOf(streamlet, outlet string) *Topic {
	for i := range r.topics {
		if r.topics[i].Streamlet == streamlet && r.topics[i].Outlet == outlet {
			return &r.topics[i]
		}
	}
	return nil
}

// topicNamed returns the topic with the given Kafka name.
func (r *resolver) topicNamed(name string) *Topic {
	i, ok := slices.BinarySearchFunc(r.topics, name, func(t Topic, n string) int { return cmp.Compare(t.Name, n) })
	if !ok {
		return nil
	}
	return &r.topics[i]
}

// blueprint assembles the resolved application; called only without problems.
func (r *resolver) blueprint() *Blueprint {
	spec := &r.spec
	bp := &Blueprint{
		Name: r.app.Name, Namespace: r.app.Namespace, Generation: r.app.Generation,
		Kafka:  kafkaConnection(spec.Kafka),
		Policy: cmp.Or(spec.TopicDeletionPolicy, Retain), ImagePullSecrets: spec.ImagePullSecrets, Metrics: spec.Metrics,
		Topics: r.topics,
	}
	for i := range spec.Streamlets {
		bp.Streamlets = append(bp.Streamlets, r.streamlet(&spec.Streamlets[i]))
	}
	for i := range bp.Topics {
		slices.Sort(bp.Topics[i].Readers)
	}
	return bp
}

// kafkaConnection is what streamlets need of spec.kafka.
func kafkaConnection(k Kafka) KafkaConnection {
	c := KafkaConnection{Cluster: k.Cluster, BootstrapServers: k.BootstrapServers, Authentication: k.Authentication}
	if k.TLS != nil {
		c.CASecret = k.TLS.CASecret
	}
	return c
}

// streamlet resolves one streamlet, adding its inlets to their topics'
// readers.
func (r *resolver) streamlet(s *Streamlet) ResolvedStreamlet {
	app := r.app.Name
	run := r.settings[s.Name]
	rs := ResolvedStreamlet{
		Name: s.Name, Runtime: s.Runtime, ClassName: s.ClassName,
		Image: run.image, Replicas: run.replicas, ServiceAccountName: run.serviceAccount,
		Parameters: r.params[s.Name], Endpoint: s.Endpoint,
		Resources: s.Resources, Env: s.Env, Labels: s.Labels, Annotations: s.Annotations, VolumeMounts: s.VolumeMounts,
		Spark: run.spark, Flink: run.flink,
	}
	resolveState(&rs, r.spec.State)
	for _, in := range s.Inlets {
		topic := r.sources[s.Name+"."+in.Name]
		rs.Inlets = append(rs.Inlets, Wire{Port: in.Name, Schema: in.Schema, Topic: topic, ConsumerGroup: ConsumerGroup(app, s.Name, in.Name)})
		if t := r.topicNamed(topic); t != nil {
			t.Readers = append(t.Readers, s.Name+"."+in.Name)
		}
	}
	for _, o := range s.Outlets {
		rs.Outlets = append(rs.Outlets, Wire{Port: o.Name, Schema: o.Schema, Topic: r.topicOf(s.Name, o.Name).Name})
	}
	return rs
}

// splitPortRef splits "streamlet.port".
func splitPortRef(ref string) (streamlet, port string, ok bool) {
	streamlet, port, ok = strings.Cut(ref, ".")
	return streamlet, port, ok && streamlet != "" && port != "" && !strings.Contains(port, ".")
}
