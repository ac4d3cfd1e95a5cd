package diff

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Fields lists the fields in which two JSON values (as encoding/json decodes
// them) differ, by path, in order: objects key by key, lists of objects that
// all have a distinct "name" item by item (path [name]), lists of the same
// length index by index, any other list whole; a string that holds a JSON
// object on both sides (a ConfigMap's streamlet.json) is compared inside.
func Fields(old, new any) []Field {
	var out []Field
	fields("", old, new, &out)
	return out
}

func fields(path string, old, new any, out *[]Field) {
	if reflect.DeepEqual(old, new) {
		return
	}
	switch o := old.(type) {
	case map[string]any:
		if n, ok := new.(map[string]any); ok {
			keys := slices.Sorted(maps.Keys(o))
			for k := range n {
				if _, ok := o[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				fields(path+fieldSegment(k), o[k], n[k], out)
			}
			return
		}
	case []any:
		if n, ok := new.([]any); ok {
			if on, nn := byName(o), byName(n); on != nil && nn != nil {
				names := slices.Sorted(maps.Keys(on))
				for k := range nn {
					if _, ok := on[k]; !ok {
						names = append(names, k)
					}
				}
				slices.Sort(names)
				for _, name := range names {
					fields(path+"["+name+"]", on[name], nn[name], out)
				}
				return
			}
			if len(o) == len(n) {
				for i := range o {
					fields(fmt.Sprintf("%s[%d]", path, i), o[i], n[i], out)
				}
				return
			}
		}
	case string:
		if n, ok := new.(string); ok {
			if ov, nv, ok := jsonObjects(o, n); ok {
				fields(path, ov, nv, out)
				return
			}
		}
	}
	*out = append(*out, Field{Path: strings.TrimPrefix(path, "."), Old: old, New: new})
}

// byName indexes a list of objects by their "name"; nil unless every item
// has a distinct one.
func byName(list []any) map[string]any {
	if len(list) == 0 {
		return nil
	}
	out := make(map[string]any, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil
		}
		name, ok := m["name"].(string)
		if _, dup := out[name]; !ok || dup {
			return nil
		}
		out[name] = item
	}
	return out
}

// jsonObjects decodes two strings that both hold a JSON object.
func jsonObjects(a, b string) (any, any, bool) {
	if !strings.HasPrefix(strings.TrimSpace(a), "{") || !strings.HasPrefix(strings.TrimSpace(b), "{") {
		return nil, nil, false
	}
	var av, bv map[string]any
	if json.Unmarshal([]byte(a), &av) != nil || json.Unmarshal([]byte(b), &bv) != nil {
		return nil, nil, false
	}
	return av, bv, true
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// fieldSegment is one key of a path: .key, or ["key"] for one with dots,
// slashes or other characters (annotations, streamlet.json).
func fieldSegment(k string) string {
	if plainKey.MatchString(k) {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}
