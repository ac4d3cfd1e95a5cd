package edit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sluice-dev/sluice/graph"
)

// Setting is one configuration value given on the command line,
// STREAMLET.KEY=VALUE: streamlet names have no dots, so the streamlet ends at
// the first one, and the key at the first "=".
type Setting struct {
	Streamlet, Key, Value string
}

// String is the setting as written.
func (s Setting) String() string { return s.Streamlet + "." + s.Key + "=" + s.Value }

// Ref is the parameter the setting sets, STREAMLET.KEY.
func (s Setting) Ref() string { return s.Streamlet + "." + s.Key }

// ErrSyntax is a setting that is not STREAMLET.KEY=VALUE.
var ErrSyntax = errors.New("want STREAMLET.KEY=VALUE")

// ParseSetting reads one STREAMLET.KEY=VALUE.
func ParseSetting(arg string) (Setting, error) {
	ref, value, ok := strings.Cut(arg, "=")
	streamlet, key, dot := strings.Cut(strings.TrimSpace(ref), ".")
	if !ok || !dot || streamlet == "" || key == "" {
		return Setting{}, fmt.Errorf("%q: %w", arg, ErrSyntax)
	}
	return Setting{Streamlet: streamlet, Key: key, Value: strings.TrimSpace(value)}, nil
}

// ParseSettings reads every argument, reporting every bad one at once.
func ParseSettings(args []string) ([]Setting, error) {
	var out []Setting
	var errs []error
	for _, a := range args {
		s, err := ParseSetting(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// ParseFile reads a --conf-file: one STREAMLET.KEY=VALUE per line; blank
// lines and lines starting with # are skipped. Errors name the line.
func ParseFile(name string, data []byte) ([]Setting, error) {
	var out []Setting
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := ParseSetting(line)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, n, err))
			continue
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	return out, errors.Join(errs...)
}

// Merge sets every value into a copy of app's streamlets' config, typed by
// its declared parameter (a number for int32, int64 and double, true or false
// for bool, else a string), and checks them with the graph package's
// validation: a streamlet that does not exist, a key it does not declare and
// a value of the wrong type or pattern are each one problem, prefixed with
// the setting. The other problems of the application follow, each with its
// path. The merged application is returned either way.
func Merge(app *graph.StreamingApplication, settings []Setting) (*graph.StreamingApplication, []string) {
	out := copyApp(app)
	var problems []string
	byRef := map[string]Setting{}
	for _, set := range settings {
		s := streamlet(out, set.Streamlet)
		if s == nil {
			problems = append(problems, fmt.Sprintf("%s: application %s has no streamlet %q; its streamlets: %s",
				set, app.Name, set.Streamlet, strings.Join(StreamletNames(app), ", ")))
			continue
		}
		i := slices.IndexFunc(s.ConfigParameters, func(p graph.ConfigParameter) bool { return p.Key == set.Key })
		if i < 0 {
			problems = append(problems, fmt.Sprintf("%s: streamlet %s declares no parameter %q%s", set, s.Name, set.Key, declared(s)))
			continue
		}
		if s.Config == nil {
			s.Config = map[string]graph.Scalar{}
		}
		s.Config[set.Key] = typed(s.ConfigParameters[i].Type, set.Value)
		byRef[fmt.Sprintf("spec.streamlets[%s].config[%s]", s.Name, set.Key)] = set
	}
	for _, p := range graph.Validate(out) {
		if set, ok := byRef[p.Path]; ok {
			problems = append(problems, fmt.Sprintf("%s: %v", set, p.Err))
			continue
		}
		problems = append(problems, p.Error())
	}
	return out, problems
}

// declared lists a streamlet's parameters for a message.
func declared(s *graph.Streamlet) string {
	if len(s.ConfigParameters) == 0 {
		return "; it declares no parameters"
	}
	keys := make([]string, len(s.ConfigParameters))
	for i, p := range s.ConfigParameters {
		keys[i] = p.Key
	}
	slices.Sort(keys)
	return "; its parameters: " + strings.Join(keys, ", ")
}

// StreamletNames lists an application's streamlets, sorted.
func StreamletNames(app *graph.StreamingApplication) []string {
	names := make([]string, len(app.Spec.Streamlets))
	for i, s := range app.Spec.Streamlets {
		names[i] = s.Name
	}
	slices.Sort(names)
	return names
}

func streamlet(app *graph.StreamingApplication, name string) *graph.Streamlet {
	for i := range app.Spec.Streamlets {
		if app.Spec.Streamlets[i].Name == name {
			return &app.Spec.Streamlets[i]
		}
	}
	return nil
}

// typed is a command-line value as the user would write it in YAML for the
// declared type: numbers and booleans unquoted when they read as such.
func typed(t graph.ParameterType, v string) graph.Scalar {
	raw := ""
	switch t {
	case graph.TypeInt32, graph.TypeInt64:
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			raw = v
		}
	case graph.TypeDouble:
		if f, err := strconv.ParseFloat(v, 64); err == nil && json.Valid([]byte(v)) && !isInfOrNaN(f) {
			raw = v
		}
	case graph.TypeBool:
		if v == "true" || v == "false" {
			raw = v
		}
	}
	if raw == "" {
		return graph.StringScalar(v)
	}
	var s graph.Scalar
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return graph.StringScalar(v)
	}
	return s
}

func isInfOrNaN(f float64) bool { return f != f || f > 1e308 || f < -1e308 }

// copyApp is a deep copy through JSON: the application is small.
func copyApp(app *graph.StreamingApplication) *graph.StreamingApplication {
	b, err := json.Marshal(app)
	if err != nil {
		panic(fmt.Sprintf("a StreamingApplication always marshals: %v", err))
	}
	var out graph.StreamingApplication
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("a marshalled StreamingApplication always unmarshals: %v", err))
	}
	return &out
}
