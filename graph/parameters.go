package graph

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
)

// resolveParameters checks every declared parameter and user value and
// settles each parameter's final value.
func resolveParameters(r *resolver) {
	for i := range r.spec.Streamlets {
		s := &r.spec.Streamlets[i]
		path := streamletPath(s)
		declared := map[string]bool{}
		var params []Parameter
		for _, cp := range s.ConfigParameters {
			p := fmt.Sprintf("%s.configParameters[%s]", path, cp.Key)
			if cp.Key == "" {
				r.add(path+".configParameters.key", ErrRequired)
				continue
			}
			if declared[cp.Key] {
				r.addf(p, ErrDuplicate, "parameter %q is declared twice", cp.Key)
				continue
			}
			declared[cp.Key] = true
			var pattern *regexp.Regexp
			if cp.Pattern != "" {
				if cp.Type != TypeString {
					r.addf(p+".pattern", ErrNotAllowed, "a pattern applies to string parameters only")
				}
				var err error
				if pattern, err = regexp.Compile("^(?:" + cp.Pattern + ")$"); err != nil {
					r.addf(p+".pattern", ErrBadValue, "%v", err)
				}
			}
			if !slices.Contains(parameterTypes, cp.Type) {
				r.addf(p+".type", ErrBadValue, "%q is not one of bool, int32, int64, double, string, duration, memorysize", cp.Type)
				continue
			}
			param := Parameter{Key: cp.Key, Type: cp.Type}
			if v, set := s.Config[cp.Key]; set {
				param.Value = v
				if err := checkValue(cp.Type, pattern, v); err != nil {
					r.addf(fmt.Sprintf("%s.config[%s]", path, cp.Key), ErrBadValue, "%v", err)
				}
			} else if cp.Default != nil {
				param.Value, param.Defaulted = *cp.Default, true
				if err := checkValue(cp.Type, pattern, *cp.Default); err != nil {
					r.addf(p+".default", ErrBadValue, "%v", err)
				}
			} else {
				r.addf(fmt.Sprintf("%s.config[%s]", path, cp.Key), ErrRequired, "parameter %q has no default; set a value", cp.Key)
			}
			params = append(params, param)
		}
		for _, key := range slices.Sorted(maps.Keys(s.Config)) {
			if !declared[key] {
				r.addf(fmt.Sprintf("%s.config[%s]", path, key), ErrUndeclaredKey, "streamlet %q declares no parameter %q", s.Name, key)
			}
		}
		r.params[s.Name] = params
	}
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
	return err
}
