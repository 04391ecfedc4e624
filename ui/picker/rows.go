package picker

import (
	"strings"

	"refdesk/state"
)

// rows is the list shown: the matches, "No provider" first for providers
// while nothing is typed (typed text never lands on it: it is chosen on
// purpose, from an empty search or with its own key), "Ask Cobalt" for
// patients when nothing matches a query.
func (m Model) rows() []row {
	var rows []row
	if m.cfg.AllowNone && m.typed() == "" {
		rows = append(rows, row{kind: rowNone})
	}
	for _, mt := range m.res.Matches {
		rows = append(rows, row{kind: rowEntry, match: mt})
	}
	if m.offerAsk() {
		rows = append(rows, row{kind: rowAsk})
	}
	return rows
}

func (m Model) offerAsk() bool {
	return m.cfg.Patients && m.cfg.Remote != nil && m.loaded && m.res.Total == 0 &&
		len(m.input.Value()) > 0
}

// firstCursor puts the cursor on the best match, past the "No provider"
// row; on no row (-1) when the best match of a one-word search is only
// letters scattered over several parts of the entry ("zzqq" in Gonzalez ·
// … · Albuquerque): Enter then chooses nothing, ↓ highlights it.
func (m Model) firstCursor() int {
	if m.typed() != "" && len(m.res.Matches) > 0 && m.scattered(m.res.Matches[0]) {
		return -1
	}
	if m.cfg.AllowNone && m.typed() == "" && len(m.res.Matches) > 0 {
		return 1
	}
	return 0
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

// scattered reports whether a one-word search matched mt across more than
// one part of its text (name, speciality, city, NPI, id: the parts are
// separated by " · "). A word typed is meant to match inside one part.
func (m Model) scattered(mt state.Match) bool {
	if strings.ContainsAny(m.typed(), " ,") || len(mt.Positions) == 0 {
		return false
	}
	part := func(pos int) int {
		if pos > len(mt.Entry.Text) {
			pos = len(mt.Entry.Text)
		}
		return strings.Count(mt.Entry.Text[:pos], " · ")
	}
	first, spread := part(mt.Positions[0]), false
	for _, p := range mt.Positions[1:] {
		spread = spread || part(p) != first
	}
	if !spread {
		return false
	}
	// The matcher may take a letter from an earlier part although one
	// part holds the whole word ("albuq": the a and l of Gonzalez).
	q := strings.ToLower(m.typed())
	for _, p := range strings.Split(mt.Entry.Text, " · ") {
		if subsequence(q, strings.ToLower(p)) {
			return false
		}
	}
	return true
}

// subsequence reports whether the runes of q appear in s in order.
func subsequence(q, s string) bool {
	rs := []rune(q)
	i := 0
	for _, r := range s {
		if i < len(rs) && r == rs[i] {
			i++
		}
	}
	return i == len(rs)
}
