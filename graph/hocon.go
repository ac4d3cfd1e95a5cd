package graph

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// hoconNumber is the number part of a duration or memory size.
var hoconNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// HOCON (Typesafe Config) duration units; a bare number is milliseconds.
var durationUnits = unitSet(
	"ns", "nano", "nanos", "nanosecond", "nanoseconds",
	"us", "micro", "micros", "microsecond", "microseconds",
	"ms", "milli", "millis", "millisecond", "milliseconds",
	"s", "second", "seconds",
	"m", "minute", "minutes",
	"h", "hour", "hours",
	"d", "day", "days",
)

// HOCON memory-size units; a bare number is bytes. Single letters are powers
// of two: "512M" is 512 MiB.
var memoryUnits = func() map[string]bool {
	units := unitSet("B", "b", "byte", "bytes")
	for _, p := range []struct{ short, si, iec string }{
		{"K", "kilo", "kibi"}, {"M", "mega", "mebi"}, {"G", "giga", "gibi"},
		{"T", "tera", "tebi"}, {"P", "peta", "pebi"}, {"E", "exa", "exbi"},
		{"Z", "zetta", "zebi"}, {"Y", "yotta", "yobi"},
	} {
		lower := strings.ToLower(p.short)
		for _, u := range []string{
			p.short, lower, p.short + "i", p.short + "iB",
			p.short + "B", lower + "B", // kB and KB: powers of ten
			p.si + "byte", p.si + "bytes", p.iec + "byte", p.iec + "bytes",
		} {
			units[u] = true
		}
	}
	return units
}()

func unitSet(units ...string) map[string]bool {
	m := make(map[string]bool, len(units))
	for _, u := range units {
		m[u] = true
	}
	return m
}

// ParseDuration checks a HOCON duration such as "1 minute", "30s" or "500".
func ParseDuration(s string) error {
	return parseWithUnit(s, durationUnits, "duration", true)
}

// ParseMemorySize checks a HOCON memory size such as "512M", "1.5 GiB" or
// "1024". Sizes cannot be negative.
func ParseMemorySize(s string) error {
	return parseWithUnit(s, memoryUnits, "memory size", false)
}

// parseWithUnit splits "<number> <unit>" the way Typesafe Config does: the
// unit is the trailing run of letters, the number what precedes it.
func parseWithUnit(s string, units map[string]bool, what string, signed bool) error {
	t := strings.TrimSpace(s)
	i := strings.LastIndexFunc(t, func(r rune) bool { return !unicode.IsLetter(r) })
	num, unit := strings.TrimSpace(t[:i+1]), t[i+1:]
	if num == "" {
		return fmt.Errorf("%q is not a %s: no number", s, what)
	}
	if unit != "" && !units[unit] {
		return fmt.Errorf("%q is not a %s: unknown unit %q", s, what, unit)
	}
	if !signed && strings.HasPrefix(num, "-") {
		return fmt.Errorf("%q is not a %s: negative", s, what)
	}
	if !hoconNumber.MatchString(num) {
		return fmt.Errorf("%q is not a %s: %q is not a number", s, what, num)
	}
	return nil
}
