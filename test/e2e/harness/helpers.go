package harness

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Ctx returns a context that ends with the test, bounded by a generous timeout.
func Ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}

// Poll calls cond until it reports done, fails the test after timeout with the last
// reason cond gave.
func Poll(t *testing.T, timeout time.Duration, what string, cond func() (done bool, reason string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, reason := cond()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, reason)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s", what)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// ObjKey names an object for messages and maps: Kind namespace/name.
func ObjKey(o *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName())
}

// ChildKey is Metacontroller's key of a child kind in a hook request.
func ChildKey(gvk schema.GroupVersionKind) string {
	return gvk.Kind + "." + gvk.GroupVersion().String()
}

// ContainsAll reports whether s contains every one of subs (case-insensitive).
func ContainsAll(s string, subs ...string) bool {
	s = strings.ToLower(s)
	for _, sub := range subs {
		if !strings.Contains(s, strings.ToLower(sub)) {
			return false
		}
	}
	return true
}

// Logf writes a line of the harness's progress to stderr, prefixed "e2e: ".
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
}

// RandSuffix returns a short random hex string for unique names.
func RandSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Lines splits s into trimmed non-empty lines.
func Lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}
