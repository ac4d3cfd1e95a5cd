package harness

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
)

// applyUpdate is what Metacontroller v4.17.2 writes for a live child and the hook's
// answer for it (its apply.Merge and ApplyUpdate): a three-way merge from the live
// object that sets every field of the answer, removes fields last applied but no
// longer answered, merges objects key by key and lists of objects item by item when
// all items share a conventional key (listMapKeys), and replaces any other list
// whole. Read-only metadata and the status stay as they are live; the answer becomes
// the new last-applied configuration.
func applyUpdate(live, desired *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	var last map[string]any
	if s := live.GetAnnotations()[LastAppliedKey]; s != "" {
		if err := k8sjson.Unmarshal([]byte(s), &last); err != nil {
			return nil, fmt.Errorf("last-applied: %w", err)
		}
	}
	merged, err := mergeValue("", runtime.DeepCopyJSON(live.Object), last, desired.Object)
	if err != nil {
		return nil, err
	}
	out := &unstructured.Unstructured{Object: merged.(map[string]any)}
	for _, field := range [][]string{
		{"metadata", "selfLink"}, {"metadata", "uid"}, {"metadata", "resourceVersion"}, {"metadata", "generation"},
		{"metadata", "creationTimestamp"}, {"metadata", "deletionTimestamp"}, {"metadata", "deletionGracePeriodSeconds"},
		{"status"},
	} {
		if v, ok, _ := unstructured.NestedFieldCopy(live.Object, field...); ok {
			if err := unstructured.SetNestedField(out.Object, v, field...); err != nil {
				return nil, err
			}
		} else {
			unstructured.RemoveNestedField(out.Object, field...)
		}
	}
	lastApplied, err := json.Marshal(desired.Object)
	if err != nil {
		return nil, err
	}
	setAnnotation(out, LastAppliedKey, string(lastApplied))
	return out, nil
}

// listMapKeys are the keys by which Metacontroller recognizes a list of objects as a
// map, in order of precedence.
var listMapKeys = []string{"containerPort", "port", "mountPath", "name", "uid", "ip", "path"}

// mergeValue merges the change from last to desired into dst and returns the result;
// dst may be modified.
func mergeValue(path string, dst, last, desired any) (any, error) {
	switch d := dst.(type) {
	case map[string]any:
		lm, ok := last.(map[string]any)
		if !ok && last != nil {
			return nil, fmt.Errorf("last-applied%s: want an object, got %T", path, last)
		}
		dm, ok := desired.(map[string]any)
		if !ok && desired != nil {
			return nil, fmt.Errorf("answer%s: want an object, got %T", path, desired)
		}
		return mergeMap(path, d, lm, dm)
	case []any:
		ll, ok := last.([]any)
		if !ok && last != nil {
			return nil, fmt.Errorf("last-applied%s: want a list, got %T", path, last)
		}
		dl, ok := desired.([]any)
		if !ok && desired != nil {
			return nil, fmt.Errorf("answer%s: want a list, got %T", path, desired)
		}
		if key := listMapKey(d, ll, dl); key != "" {
			return mergeListMap(path, key, d, ll, dl)
		}
		return runtime.DeepCopyJSONValue(desired), nil
	default:
		return runtime.DeepCopyJSONValue(desired), nil
	}
}

func mergeMap(path string, dst, last, desired map[string]any) (map[string]any, error) {
	for k := range last {
		if _, ok := desired[k]; !ok {
			delete(dst, k)
		}
	}
	for k, dv := range desired {
		v, err := mergeValue(path+"["+k+"]", dst[k], last[k], dv)
		if err != nil {
			return nil, err
		}
		dst[k] = v
	}
	return dst, nil
}

// mergeListMap merges lists of objects as maps keyed by key, keeping the live order
// and appending new items in the answer's order.
func mergeListMap(path, key string, dst, last, desired []any) (any, error) {
	index := func(list []any) map[string]any {
		m := make(map[string]any, len(list))
		for _, item := range list {
			m[fmt.Sprint(item.(map[string]any)[key])] = item
		}
		return m
	}
	merged, err := mergeMap(path, index(dst), index(last), index(desired))
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(merged))
	added := map[string]bool{}
	for _, list := range [][]any{dst, desired} {
		for _, item := range list {
			k := fmt.Sprint(item.(map[string]any)[key])
			if v, ok := merged[k]; ok && !added[k] {
				out = append(out, v)
				added[k] = true
			}
		}
	}
	return out, nil
}

// listMapKey returns the first of listMapKeys that every item of every list has, ""
// when some item is not an object or none is shared.
func listMapKey(lists ...[]any) string {
	var common map[string]bool
	for _, list := range lists {
		for _, item := range list {
			obj, ok := item.(map[string]any)
			if !ok {
				return ""
			}
			if common == nil {
				common = map[string]bool{}
				for k := range obj {
					common[k] = true
				}
				continue
			}
			for k := range common {
				if _, ok := obj[k]; !ok {
					delete(common, k)
				}
			}
		}
	}
	for _, k := range listMapKeys {
		if common[k] {
			return k
		}
	}
	return ""
}

func setAnnotation(obj *unstructured.Unstructured, key, value string) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	obj.SetAnnotations(a)
}
