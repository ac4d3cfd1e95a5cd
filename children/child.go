package children

import (
	"bytes"
	"cmp"
	"slices"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sluice-dev/sluice/children/tree"
)

// Child is one child of an answer. A child the hook builds stays the typed
// object it was built as until the answer is written: AppendJSON encodes it
// straight from its struct, as ToUnstructured's map would encode, without
// making the map. A child answered as last applied is a map, and so is a
// built child once something asks for its Object: a rule that edits it as a
// map (an autoscaled Deployment's replicas), Sync and Finalize's Response.
// The topic rules edit the built KafkaTopic itself.
type Child struct {
	typed typedObject // nil once the child is a map
	obj   *unstructured.Unstructured
}

// typedObject is what every typed child is: a pointer to a struct embedding
// metav1.TypeMeta and metav1.ObjectMeta.
type typedObject interface {
	metav1.Object
	GetObjectKind() schema.ObjectKind
}

// typedChild is a built child under the apiVersion its kind is listed
// under.
func typedChild(obj typedObject, apiVersion string) *Child {
	gvk := obj.GetObjectKind().GroupVersionKind()
	obj.GetObjectKind().SetGroupVersionKind(schema.FromAPIVersionAndKind(apiVersion, gvk.Kind))
	return &Child{typed: obj}
}

// MapChild is a child answered as the map u.
func MapChild(u *unstructured.Unstructured) *Child { return &Child{obj: u} }

// Object is the child as a map, made from the typed object the first time
// it is asked for; from then on the map is the child, edits included.
func (c *Child) Object() *unstructured.Unstructured {
	if c.typed != nil {
		u, err := ToUnstructured(c.typed)
		if err != nil {
			// The children's types are this package's and apimachinery's:
			// each converts, and TestTypedEncodingIsTheMaps holds every
			// built kind to it.
			panic(err)
		}
		c.obj, c.typed = u, nil
	}
	return c.obj
}

// Objects are the children as maps (Object of each).
func Objects(cs []*Child) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(cs))
	for i, c := range cs {
		out[i] = c.Object()
	}
	return out
}

// Kind is the child's kind.
func (c *Child) Kind() string {
	if c.typed != nil {
		return c.typed.GetObjectKind().GroupVersionKind().Kind
	}
	return c.obj.GetKind()
}

// Name is the child's metadata.name.
func (c *Child) Name() string {
	if c.typed != nil {
		return c.typed.GetName()
	}
	return c.obj.GetName()
}

// sortKey is what children are ordered by: group, kind, namespace, name.
func (c *Child) sortKey() [4]string {
	var gvk schema.GroupVersionKind
	var ns, name string
	if c.typed != nil {
		gvk, ns, name = c.typed.GetObjectKind().GroupVersionKind(), c.typed.GetNamespace(), c.typed.GetName()
	} else {
		gvk, ns, name = c.obj.GroupVersionKind(), c.obj.GetNamespace(), c.obj.GetName()
	}
	return [4]string{gvk.Group, gvk.Kind, ns, name}
}

// SortChildren orders children by group, kind, namespace and name. The keys
// are read once: each read parses the child's apiVersion.
func SortChildren(cs []*Child) {
	type keyed struct {
		key [4]string
		c   *Child
	}
	keys := make([]keyed, len(cs))
	for i, c := range cs {
		keys[i] = keyed{c.sortKey(), c}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.key[0], b.key[0]), cmp.Compare(a.key[1], b.key[1]),
			cmp.Compare(a.key[2], b.key[2]), cmp.Compare(a.key[3], b.key[3]))
	})
	for i, k := range keys {
		cs[i] = k.c
	}
}

// AppendJSON appends the children as one JSON array, [] when there are
// none. A map child is written as json.Marshal writes it (tree.Append); a
// typed child is encoded with encoding/json's semantics (the JSON v2
// encoder: BenchmarkAppendJSON has it beside the other paths) and copied
// without what ToUnstructured prunes: the child decodes to the map Object
// would make, keys in the struct's order instead of sorted.
func AppendJSON(dst []byte, cs []*Child) ([]byte, error) {
	var scratch bytes.Buffer
	dst = append(dst, '[')
	for i, c := range cs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if cap(dst)-len(dst) < minFree {
			// Double, where append grows a large slice by a quarter: the
			// largest answer allocated five times its size that way.
			dst = slices.Grow(dst, max(cap(dst), minFree))
		}
		var err error
		if c.typed == nil {
			dst, err = tree.Append(dst, c.obj.Object)
		} else {
			dst, err = appendTyped(dst, c.typed, &scratch)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// minFree is the room AppendJSON keeps ahead of a child: more than most
// children take.
const minFree = 64 << 10

// appendTyped appends a typed child's JSON, pruned as ToUnstructured prunes
// its map.
func appendTyped(dst []byte, obj any, scratch *bytes.Buffer) ([]byte, error) {
	scratch.Reset()
	if err := jsonv2.MarshalWrite(scratch, obj, jsonv1.DefaultOptionsV1()); err != nil {
		return dst, err
	}
	raw := scratch.Bytes()
	if !prunable(raw) {
		return append(dst, raw...), nil
	}
	dst, _, err := appendPruned(dst, tree.NewDecoder(raw), true)
	return dst, err
}

// prunable reports whether compact JSON may hold what appendPruned drops: a
// member whose value is null or an empty object (an object emptied by
// pruning holds one), or a member named status. Bytes in strings may say
// yes; the copy then prunes nothing.
func prunable(raw []byte) bool {
	for i := 0; ; i++ {
		colon := bytes.IndexByte(raw[i:], ':')
		if colon < 0 {
			return false
		}
		i += colon
		rest := raw[i+1:]
		if bytes.HasPrefix(rest, []byte("null")) || bytes.HasPrefix(rest, []byte("{}")) || bytes.HasSuffix(raw[:i], []byte(`"status"`)) {
			return true
		}
	}
}

// appendPruned copies the object next in d to dst as prune leaves it: no
// member whose value is null, nor one whose object is empty once pruned
// (but for meaningfulEmpty's), and at the top no status. empty reports an
// object left with no members.
func appendPruned(dst []byte, d *jsontext.Decoder, top bool) (out []byte, empty bool, err error) {
	if _, err := d.ReadToken(); err != nil {
		return dst, false, err
	}
	dst = append(dst, '{')
	members := 0
	for d.PeekKind() != '}' {
		name, err := d.ReadValue()
		if err != nil {
			return dst, false, err
		}
		if d.PeekKind() == 'n' || (top && string(name) == `"status"`) {
			if err := d.SkipValue(); err != nil {
				return dst, false, err
			}
			continue
		}
		mark := len(dst)
		if members > 0 {
			dst = append(dst, ',')
		}
		dst = append(append(dst, name...), ':')
		var empty bool
		switch d.PeekKind() {
		case '{':
			dst, empty, err = appendPruned(dst, d, false)
		case '[':
			dst, err = appendPrunedArray(dst, d)
		default:
			dst, err = appendRaw(dst, d)
		}
		if err != nil {
			return dst, false, err
		}
		if empty && !meaningfulEmpty[string(name[1:len(name)-1])] {
			dst = dst[:mark]
			continue
		}
		members++
	}
	if _, err := d.ReadToken(); err != nil {
		return dst, false, err
	}
	return append(dst, '}'), members == 0, nil
}

// appendPrunedArray copies the array next in d with its objects pruned; as
// prune, it keeps every element, and an array in it as it is.
func appendPrunedArray(dst []byte, d *jsontext.Decoder) ([]byte, error) {
	if _, err := d.ReadToken(); err != nil {
		return dst, err
	}
	dst = append(dst, '[')
	for i := 0; d.PeekKind() != ']'; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if d.PeekKind() == '{' {
			dst, _, err = appendPruned(dst, d, false)
		} else {
			dst, err = appendRaw(dst, d)
		}
		if err != nil {
			return dst, err
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return dst, err
	}
	return append(dst, ']'), nil
}

// appendRaw copies the value next in d as it is.
func appendRaw(dst []byte, d *jsontext.Decoder) ([]byte, error) {
	v, err := d.ReadValue()
	return append(dst, v...), err
}
