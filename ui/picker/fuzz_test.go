package picker

import (
	"strings"
	"testing"
	"time"
	"unicode"
)

// FuzzParseDate: an accepted date is a real calendar day written
// YYYY-MM-DD that parses back to itself; NormalizeQuery is idempotent; a
// patient query's DOB is such a date and its MRN is digits.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"05/15/1980", "5/15/1980", "05-15-1980", "1980/5/15", "1980.05.15", "02/30/1980",
		"02/29/2000", "02/29/1900", "00/10/2000", "13/13/2013", "1/1/0000", "Smith, John 05/15/1980", "١٢/١٢/١٩٩٩", "100 John Smith"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, w string) {
		if d, ok := ParseDate(w); ok {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				t.Fatalf("ParseDate(%q) accepted %q: %v", w, d, err)
			}
			if again, ok := ParseDate(d); !ok || again != d {
				t.Fatalf("ParseDate(%q) = %q, which reads back as %q %v", w, d, again, ok)
			}
		}
		n := NormalizeQuery(w)
		if NormalizeQuery(n) != n {
			t.Fatalf("NormalizeQuery not idempotent on %q", w)
		}
		q := PatientQuery(w)
		if q.DOB != "" {
			if _, err := time.Parse(time.DateOnly, q.DOB); err != nil {
				t.Fatalf("PatientQuery(%q).DOB = %q", w, q.DOB)
			}
		}
		if q.MRN != "" && strings.IndexFunc(q.MRN, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
			t.Fatalf("PatientQuery(%q).MRN = %q", w, q.MRN)
		}
	})
}
