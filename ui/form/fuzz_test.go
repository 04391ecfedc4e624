package form

import (
	"regexp"
	"strings"
	"testing"

	"refdesk/state"
	"refdesk/ui/picker"
)

var didYouMean = regexp.MustCompile(`Did you mean (\S+)\?$`)

// FuzzCodeErrors: codes are split without separators or blanks; a valid
// code is also a valid prefix; a value is error-free when finished exactly
// when every code is valid; while typing only the last code may be
// spared; every message names the code, and a suggestion is a valid code.
func FuzzCodeErrors(f *testing.F) {
	for _, s := range []string{"I10", "i10, z87.39", "Z8739", "U07.1", "S72.001A;E11.9 ", "A0", "E11.", "I10,,", "\x1b[2J", "ß1.0", "A1B.12345", "Z87 39"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		codes := SplitCodes(value)
		invalid := 0
		for _, c := range codes {
			if c == "" || strings.ContainsAny(c, ",; \t\n") {
				t.Fatalf("SplitCodes(%q) gave %q", value, c)
			}
			if ValidCode(c) && !Partial(c) {
				t.Fatalf("%q is valid but not a valid prefix", c)
			}
			if !ValidCode(c) {
				invalid++
			}
		}
		final, typing := CodeErrors(value, false), CodeErrors(value, true)
		if len(final) != invalid {
			t.Fatalf("%q: %d messages for %d invalid codes", value, len(final), invalid)
		}
		if len(typing) != len(final) && len(typing) != len(final)-1 {
			t.Fatalf("%q: typing spares more than the last code (%d vs %d)", value, len(typing), len(final))
		}
		for _, m := range final {
			if m == "" || !strings.Contains(m, "is not an ICD-10 code") {
				t.Fatalf("message %q", m)
			}
			if s := didYouMean.FindStringSubmatch(m); s != nil && !ValidCode(s[1]) {
				t.Fatalf("suggested %q is not valid", s[1])
			}
		}
	})
}

var isoDay = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// FuzzPatientDOB: a date of birth read as typed (either way) and written
// as every screen shows it (state.USDate) reads back as the same day, so a
// DOB copied from the screen into the search finds the patient again.
func FuzzPatientDOB(f *testing.F) {
	for _, s := range []string{"05/15/1980", "1980-5-15", "02/31/1980", "7", "13/01/2000", "\x1b[2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		dob, ok := picker.ParseDate(typed)
		if !ok {
			return
		}
		if !isoDay.MatchString(dob) {
			t.Fatalf("%q read as %q, not YYYY-MM-DD", typed, dob)
		}
		shown := state.USDate(dob)
		if back, ok := picker.ParseDate(shown); !ok || back != dob {
			t.Fatalf("%q -> %q -> shown %q -> %q", typed, dob, shown, back)
		}
	})
}
