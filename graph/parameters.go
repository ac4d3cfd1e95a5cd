package graph

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
)

// checkParameters checks every streamlet's declared parameters and the
// values the user sets: each key declared once with a known type, each
// value (or default) of its type, no parameter without a value, and no
// value for an undeclared key.
func checkParameters(m *merged) Problems {
	var ps Problems
	for _, s := range m.streamlets {
		path := s.path
		declared := map[string]bool{}
		for _, cp := range s.ConfigParameters {
			p := fmt.Sprintf("%s.configParameters[%s]", path, cp.Key)
			switch {
			case cp.Key == "":
				ps.add(path+".configParameters.key", ErrRequired, "missing: every parameter has a key")
			case declared[cp.Key]:
				ps.add(p, ErrDuplicate, "parameter %q is declared twice", cp.Key)
			default:
				declared[cp.Key] = true
				checkParameter(&ps, path, s.Config, cp)
			}
		}
		for _, key := range slices.Sorted(maps.Keys(s.Config)) {
			if !declared[key] {
				ps.add(fmt.Sprintf("%s.config[%s]", path, key), ErrUndeclaredKey, "streamlet %q declares no parameter %q", s.Name, key)
			}
		}
	}
	return ps
}

// checkParameter checks one declared parameter of the streamlet at path,
// and its value in config or its default.
func checkParameter(ps *Problems, path string, config map[string]Scalar, cp ConfigParameter) {
	p := fmt.Sprintf("%s.configParameters[%s]", path, cp.Key)
	var pattern *regexp.Regexp
	if cp.Pattern != "" {
		if cp.Type != TypeString {
			ps.add(p+".pattern", ErrNotAllowed, "a pattern applies to string parameters only")
		}
		var err error
		if pattern, err = regexp.Compile("^(?:" + cp.Pattern + ")$"); err != nil {
			ps.add(p+".pattern", ErrBadValue, "%v", err)
		}
	}
	if !slices.Contains(parameterTypes, cp.Type) {
		ps.add(p+".type", ErrBadValue, "%q is not one of bool, int32, int64, double, string, duration, memorysize", cp.Type)
		return
	}
	valuePath := fmt.Sprintf("%s.config[%s]", path, cp.Key)
	if v, set := config[cp.Key]; set {
		if err := checkValue(cp.Type, pattern, v); err != nil {
			ps.add(valuePath, ErrBadValue, "%v", err)
		}
	} else if cp.Default != nil {
		if err := checkValue(cp.Type, pattern, *cp.Default); err != nil {
			ps.add(p+".default", ErrBadValue, "%v", err)
		}
	} else {
		ps.add(valuePath, ErrRequired, "parameter %q has no default; set a value", cp.Key)
	}
}

// resolveParameters settles the final value of each parameter of a valid
// streamlet: the user's, else the default.
func resolveParameters(s *Streamlet) []Parameter {
	var params []Parameter
	for _, cp := range s.ConfigParameters {
		p := Parameter{Key: cp.Key, Type: cp.Type}
		if v, set := s.Config[cp.Key]; set {
			p.Value = v
		} else if cp.Default != nil {
			p.Value, p.Defaulted = *cp.Default, true
		}
		params = append(params, p)
	}
	return params
}

var parameterTypes = []ParameterType{TypeBool, TypeInt32, TypeInt64, TypeDouble, TypeString, TypeDuration, TypeMemorySize}

// checkValue reports why v is not a value of type t.
func checkValue(t ParameterType, pattern *regexp.Regexp, v Scalar) error {
	text := v.String()
	var err error
	switch t {
	case TypeBool:
		if text != "true" && text != "false" {
			err = fmt.Errorf("%s is not true or false", v.quoted())
		}
	case TypeInt32:
		_, err = strconv.ParseInt(text, 10, 32)
	case TypeInt64:
		_, err = strconv.ParseInt(text, 10, 64)
	case TypeDouble:
		_, err = strconv.ParseFloat(text, 64)
	case TypeDuration:
		err = ParseDuration(text)
	case TypeMemorySize:
		err = ParseMemorySize(text)
	case TypeString:
		if pattern != nil && !pattern.MatchString(text) {
			err = fmt.Errorf("%s does not match pattern %s", v.quoted(), pattern.String())
		}
	}
	if numErr, ok := err.(*strconv.NumError); ok {
		return fmt.Errorf("%s is not a %s (%v)", v.quoted(), t, numErr.Err)
	}
	if err == nil && (t == TypeInt32 || t == TypeInt64 || t == TypeDouble) && !json.Valid([]byte(text)) {
		// strconv reads "+50", "007", ".5" and "Inf"; the streamlet's
		// configuration file is JSON, where they are no numbers.
		return fmt.Errorf("%s is not a %s (not a JSON number)", v.quoted(), t)
	}
	return err
}
