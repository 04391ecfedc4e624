package pane

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/theme"
)

// finder is the pane's search: `/` opens it, typing narrows the list to
// referrals whose patient name, MRN or referral number (#12, Cobalt's id,
// the EHR id) matches, Enter keeps it and gives the keys back to the list,
// Esc clears it.
type finder struct {
	query  string
	typing bool
}

// Searching reports whether the pane's search takes printable keys.
func (m Model) Searching() bool { return m.find.typing }

// Query is the pane's search ("" when none).
func (m Model) Query() string { return m.find.query }

// matches reports whether r matches the search (every word of it must).
func (f finder) matches(r state.Referral) bool {
	q := strings.TrimSpace(f.query)
	if q == "" {
		return true
	}
	name := strings.ToLower(r.PatientName)
	for _, w := range strings.Fields(q) {
		if !wordMatches(r, name, w) {
			return false
		}
	}
	return true
}

func wordMatches(r state.Referral, name, w string) bool {
	if n := strings.TrimPrefix(w, "#"); n != "" && n == strconv.FormatInt(r.ID, 10) {
		return true
	}
	if strings.HasPrefix(w, "#") {
		return false // "#12" is a referral number only
	}
	lw := strings.ToLower(w)
	return strings.Contains(name, lw) || strings.Contains(strings.ToLower(r.PatientMRN), lw) ||
		(r.ReferralID != "" && strings.Contains(strings.ToLower(r.ReferralID), lw)) ||
		(r.EHRID != "" && strings.Contains(strings.ToLower(r.EHRID), lw))
}

// findKey is a key while the search takes the keys.
func (m Model) findKey(kp tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(kp, k.Choose):
		m.find.typing = false
	case key.Matches(kp, k.Erase):
		if r := []rune(m.find.query); len(r) > 0 {
			m.find.query = string(r[:len(r)-1])
		} else {
			m.find.typing = false
		}
	case key.Matches(kp, k.Up, k.Down):
		m.find.typing = false
		return m.key(kp)
	default:
		if kp.Text != "" && kp.Mod&^tea.ModShift == 0 {
			m.find.query += theme.Clean(kp.Text)
		}
	}
	m.cursor = 0
	m.rows.reset()
	return m, nil
}

// Paste adds pasted text to an open search.
func (m *Model) Paste(s string) {
	if m.find.typing {
		m.find.query += theme.Clean(strings.ReplaceAll(s, "\n", " "))
		m.cursor = 0
	}
}

// clearFind closes and empties the search; false when there was none.
func (m *Model) clearFind() bool {
	if !m.find.typing && m.find.query == "" {
		return false
	}
	m.find = finder{}
	m.cursor = 0
	return true
}

// NeedsPerson counts the referrals flagged for a person (Attention set):
// the header keeps the count until each is dealt with.
func (m Model) NeedsPerson() int {
	n := 0
	for _, r := range m.list {
		if r.Attention != "" {
			n++
		}
	}
	return n
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return strings.TrimSpace(s[:i]) + " …"
	}
	return s
}
