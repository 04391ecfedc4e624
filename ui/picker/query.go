package picker

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"refdesk/api"
)

var (
	usDate  = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)
	isoDate = regexp.MustCompile(`^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$`)
)

// NormalizeQuery rewrites dates of birth as the index holds them
// (YYYY-MM-DD), whichever way the user typed them: 05/15/1980, 5/15/1980,
// 05-15-1980 and 1980/5/15 all become 1980-05-15. Other words are kept.
func NormalizeQuery(q string) string {
	words := strings.Fields(q)
	for i, w := range words {
		if d, ok := ParseDate(w); ok {
			words[i] = d
		}
	}
	return strings.Join(words, " ")
}

// ParseDate reads a date written month-first (US) or year-first and returns
// it as YYYY-MM-DD.
func ParseDate(w string) (string, bool) {
	if m := usDate.FindStringSubmatch(w); m != nil {
		return validDate(m[3] + "-" + pad2(m[1]) + "-" + pad2(m[2]))
	}
	if m := isoDate.FindStringSubmatch(w); m != nil {
		return validDate(m[1] + "-" + pad2(m[2]) + "-" + pad2(m[3]))
	}
	return "", false
}

// validDate reports whether d (YYYY-MM-DD) is a day of the calendar, so
// 02/30/1980 or 02/29/1900 is not taken for a date of birth.
func validDate(d string) (string, bool) {
	_, err := time.Parse(time.DateOnly, d)
	return d, err == nil
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// PatientQuery turns what the user typed into GET /v1/patients' filters: a
// date becomes dob, a word of digits the MRN, "Last, First" or "First Last"
// the names (Cobalt matches names partially, case-insensitively).
func PatientQuery(q string) api.PatientQuery {
	var pq api.PatientQuery
	var names []string
	lastFirst := strings.Contains(q, ",")
	for _, w := range strings.Fields(strings.ReplaceAll(q, ",", " , ")) {
		if w == "," {
			names = append(names, w)
			continue
		}
		if d, ok := ParseDate(w); ok {
			pq.DOB = d
			continue
		}
		if isDigits(w) {
			pq.MRN = w
			continue
		}
		names = append(names, w)
	}
	var before, after []string
	comma := false
	for _, n := range names {
		if n == "," {
			comma = true
			continue
		}
		if comma {
			after = append(after, n)
		} else {
			before = append(before, n)
		}
	}
	switch {
	case lastFirst:
		pq.LastName, pq.FirstName = strings.Join(before, " "), strings.Join(after, " ")
	case len(before) == 1:
		pq.LastName = before[0]
	case len(before) > 1:
		pq.FirstName = strings.Join(before[:len(before)-1], " ")
		pq.LastName = before[len(before)-1]
	}
	return pq
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}
