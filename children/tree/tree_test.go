package tree

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	kjson "sigs.k8s.io/json"
)

// samples are JSON documents with what the hook meets: Metacontroller's own
// requests, the hook's answers, and the corners of numbers and strings.
func samples(t testing.TB) [][]byte {
	t.Helper()
	out := [][]byte{
		[]byte(`{"a":1,"b":-0,"c":1.0,"d":1e3,"e":123456789012345678901234567890,"f":-9223372036854775808,"g":9223372036854775808,"h":0.000001,"i":1e-7,"j":1e21,"k":123456789.125}`),
		[]byte(`{"s":"<tag> & \"quoted\" \\ \/ \b\f\n\r\t \u0001 \u00e9 \u2028 \u2029 \ud83d\ude00 ` + "é漢字" + `"}`),
		[]byte(`{"dup":1,"dup":{"x":[1,2,{"y":null}]},"e":{},"l":[],"t":true,"f":false,"n":null}`),
		[]byte(`[1,"two",[3],{"four":4}]`), []byte(`"just a string"`), []byte(`42`), []byte(` null `),
	}
	for _, pattern := range []string{"../../hooks/testdata/metacontroller/*.json", "../../hooks/testdata/render/*.json", "../../manifests/examples/requests/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// TestDecodeAsSigsJSON: what Decode reads is what sigs.k8s.io/json's
// UnmarshalCaseSensitivePreserveInts reads (apimachinery's unstructured
// decoding), and Append writes what encoding/json's Marshal writes.
func TestDecodeAsSigsJSON(t *testing.T) {
	decoded := 0
	for i, data := range samples(t) {
		if _, err := Decode(data); err == nil {
			decoded++
		}
		checkAgainstStandard(t, i, data)
	}
	// Decode may leave a sample to the standard decoders, but a Decode that
	// refused everything would pass checkAgainstStandard: most samples are
	// ordinary JSON it must read.
	if n := len(samples(t)); decoded*2 < n {
		t.Errorf("Decode read %d of %d samples, want most", decoded, n)
	}
}

func checkAgainstStandard(t *testing.T, i int, data []byte) {
	t.Helper()
	got, err := Decode(data)
	if err != nil {
		return // the caller falls back to the standard decoders
	}
	var want any
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, &want); err != nil {
		t.Fatalf("sample %d: Decode reads %.80s, sigs.k8s.io/json refuses it: %v", i, data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sample %d: Decode read %#v, sigs.k8s.io/json %#v", i, got, want)
	}
	wantJSON, wantErr := json.Marshal(want)
	gotJSON, gotErr := Append(nil, got)
	if (gotErr != nil) != (wantErr != nil) || !bytes.Equal(gotJSON, wantJSON) {
		t.Fatalf("sample %d: Append wrote %s (%v), encoding/json %s (%v)", i, gotJSON, gotErr, wantJSON, wantErr)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, data := range []string{``, `{`, `{"a":1}x`, `{"a":1} {}`, `[1,]`, `{"a":1e400}`, "\"\xff\"", `"\ud800"`, `{a:1}`} {
		if v, err := Decode([]byte(data)); err == nil {
			t.Errorf("Decode(%q) = %#v, want an error", data, v)
		}
	}
}

func TestAppendTypes(t *testing.T) {
	v := map[string]any{
		"strings": []string{"a", "<b>"}, "map": map[string]string{"z": "1", "a": "2"}, "int": 3, "int32": int32(-4),
		"nilMap": map[string]any(nil), "nilList": []any(nil), "float": 2.5, "big": 1e300, "small": 1e-9,
	}
	want, _ := json.Marshal(v)
	got, err := Append(nil, v)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Append = %s (%v), want %s", got, err, want)
	}
	for _, bad := range []any{map[string]any{"nan": nanValue()}, []any{func() {}}} {
		if _, err := Append(nil, bad); err == nil {
			t.Errorf("Append(%v) succeeded, want encoding/json's error", bad)
		}
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

func TestSkipChecksNumbers(t *testing.T) {
	for data, ok := range map[string]bool{
		`{"a":[1,{"b":2.5}],"c":"x"}`: true, `{"a":[1,{"b":1e400}]}`: false, `[1,2]`: true, `7`: true,
		`{"1e400":"1e400 \" 1e400"}`: true, `[-1e400]`: false, `[12345678901234567890123]`: true,
		`[1e-400, 0.5E+3, -0]`: true, `{"a":"\\","b":1e999}`: false,
	} {
		skipped := Skip(NewDecoder([]byte(data)))
		_, decoded := Decode([]byte(data))
		if (skipped == nil) != ok || (decoded == nil) != ok {
			t.Errorf("Skip(%s) = %v, Decode: %v, want ok %v", data, skipped, decoded, ok)
		}
	}
}

// FuzzSkip: Skip refuses what Decode refuses, and nothing else.
func FuzzSkip(f *testing.F) {
	for _, s := range samples(f) {
		if len(s) < 4096 {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(data)
		skipped := Skip(d)
		_, decoded := (&Reader{}).Read(NewDecoder(data))
		if (skipped == nil) != (decoded == nil) {
			t.Fatalf("Skip(%q) = %v, Read: %v", data, skipped, decoded)
		}
	})
}

// FuzzDecode: whatever Decode reads, sigs.k8s.io/json reads alike, and
// Append writes it as encoding/json does.
func FuzzDecode(f *testing.F) {
	for _, s := range samples(f) {
		if len(s) < 4096 {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstStandard(t, 0, data)
	})
}
