package form

import (
	"regexp"
	"strings"
	"testing"

	"refdesk/icd10"
	"refdesk/state"
	"refdesk/ui/picker"
	"refdesk/ui/theme"
)

// FuzzCodesField: whatever is typed into the codes field and left, every
// code chosen is a billable code of the set, canonical, and nothing typed
// is lost: each word is chosen or still in the input, with a message.
func FuzzCodesField(f *testing.F) {
	for _, s := range []string{"I10", "i10, z87.39", "Z8739", "U07.1", "S72.001A;E11.9 ", "A0", "E11.", "I10,,", "\x1b[2J", "ß1.0", "A1B.12345", "Z87 39", "I42.0 I1O", "essential hyp"} {
		f.Add(s)
	}
	st := theme.New(true, true)
	keys := theme.DefaultKeys()
	set := icd10.Embedded()
	f.Fuzz(func(t *testing.T, value string) {
		c := newCodes(set, nil, &st, &keys)
		c.input.SetValue(value)
		msg := c.leave()
		for _, code := range c.chosen {
			if got, ok := set.Lookup(code); !ok || !got.Billable || got.Code != code {
				t.Fatalf("%q: chose %q", value, code)
			}
		}
		if strings.TrimSpace(c.Query()) != "" && msg == "" {
			t.Fatalf("%q: %q left in the input without a message", value, c.Query())
		}
		if len(SplitCodes(value)) != len(c.chosen)+len(SplitCodes(c.Query())) && allCodes(value) {
			// A repeated code is chosen once.
			seen := map[string]bool{}
			for _, w := range SplitCodes(value) {
				if got, err := set.Check(w); err == nil {
					seen[got] = true
				}
			}
			if len(seen) != len(c.chosen) {
				t.Fatalf("%q: chose %v, input %q", value, c.chosen, c.Query())
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
