package graph

import (
	"strings"
	"testing"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"1 minute", true}, {"30s", true}, {"500", true}, {"1.5 hours", true}, {" 10 ms ", true},
		{"2d", true}, {"100 nanos", true}, {"-1 s", true}, {"7 days", true},
		{"", false}, {"minute", false}, {"1 fortnight", false}, {"1 Minute", false}, {"1e3 s", false},
		{"1,5 s", false}, {"NaN s", false}, {"1 min", false}, {"s 1", false},
	}
	for _, tc := range tests {
		if err := ParseDuration(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseDuration(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestParseMemorySize(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"512M", true}, {"512 MiB", true}, {"1.5 G", true}, {"1024", true}, {"10 kB", true},
		{"2 gibibytes", true}, {"3 megabytes", true}, {"1 bytes", true}, {"4k", true}, {"64Ki", true},
		{"", false}, {"-1 M", false}, {"512 MX", false}, {"M", false}, {"1 mib", false}, {"12 parsecs", false},
	}
	for _, tc := range tests {
		if err := ParseMemorySize(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseMemorySize(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

// The fuzz targets check that the parsers never panic and accept nothing
// without a digit.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1 minute", "30s", "500", "1.5 h", "-", "1 fortnight"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ParseDuration(s) == nil && !strings.ContainsAny(s, "0123456789") {
			t.Errorf("ParseDuration(%q) accepted a value without a number", s)
		}
	})
}

func FuzzParseMemorySize(f *testing.F) {
	for _, s := range []string{"512M", "1 GiB", "1024", "-1", "1.5 kB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ParseMemorySize(s) == nil && (!strings.ContainsAny(s, "0123456789") || strings.Contains(s, "-")) {
			t.Errorf("ParseMemorySize(%q) accepted a value without a non-negative number", s)
		}
	})
}
