package graph

import (
	"encoding/json"
	"strconv"
	"strings"
)

// unknownFields turns the errors of strict decoding (an unknown field, a
// field given twice) into problems at their paths, with streamlets and ports
// by name as type errors and validation name them. tree is the decoded
// document the paths run through, or nil to decode it from js.
func unknownFields(strict []error, tree any, js []byte) Problems {
	if len(strict) == 0 {
		return nil
	}
	if tree == nil {
		_ = json.Unmarshal(js, &tree) // it decoded strictly: it decodes
	}
	var ps Problems
	for _, e := range strict {
		path := e.Error()
		if f, ok := e.(interface{ FieldPath() string }); ok {
			path = namedPath(tree, f.FieldPath())
		}
		if strings.HasPrefix(e.Error(), "duplicate field") {
			ps.add(path, ErrUnknownField, "given twice")
		} else {
			ps.add(path, ErrUnknownField, "unknown field (misspelt, or not part of %s)", APIVersion)
		}
	}
	return ps
}

// namedPath rewrites a path of strict decoding, "spec.streamlets[3].x", in
// tree: each list index becomes the element's name where it has one
// (elementName), "spec.streamlets[merge].x".
func namedPath(tree any, path string) string {
	var b strings.Builder
	node := tree
	for path != "" {
		if path[0] == '[' {
			end := strings.IndexByte(path, ']')
			if end < 0 {
				b.WriteString(path)
				break
			}
			index := path[1:end]
			path = path[end+1:]
			list, _ := node.([]any)
			node = nil
			if i, err := strconv.Atoi(index); err == nil && i >= 0 && i < len(list) {
				index, node = elementName(list[i], i), list[i]
			}
			b.WriteString("[" + index + "]")
			continue
		}
		if b.Len() > 0 || path[0] == '.' {
			path = strings.TrimPrefix(path, ".")
			b.WriteByte('.')
		}
		end := strings.IndexAny(path, ".[")
		if end < 0 {
			end = len(path)
		}
		key := path[:end]
		path = path[end:]
		b.WriteString(key)
		object, _ := node.(map[string]any)
		node = object[key]
	}
	return b.String()
}
