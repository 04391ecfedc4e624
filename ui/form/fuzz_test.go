package form

import (
	"regexp"
	"strings"
	"testing"

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

// FuzzPatientDOB: the date of birth read from a patient entry's detail is
// empty, the detail's own text, or a YYYY-MM-DD date that dobDetail shows
// back and patientDOB reads again unchanged.
func FuzzPatientDOB(f *testing.F) {
	for _, s := range []string{"DOB 05/15/1980 · MRN 100", "DOB 1980-5-15", "DOB 02/31/1980", "MRN 7", "DOB 13/01/2000", "DOB \x1b[2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, detail string) {
		dob := patientDOB(picker.Choice{Detail: detail})
		if dob == "" || !isoDay.MatchString(dob) {
			return
		}
		if _, ok := picker.ParseDate(dob); !ok {
			return // the detail's own text, passed through
		}
		back := patientDOB(picker.Choice{Detail: dobDetail(dob)})
		if back != dob {
			t.Fatalf("%q -> %q -> %q -> %q", detail, dob, dobDetail(dob), back)
		}
	})
}
