package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The help line and the full help (? or F1) are assembled here from what
// the component with the keyboard says of its keys (form.Model, pane.Model,
// the review and the questions: ShortHelp/FullHelp, most useful first) and
// the root's global keys. Nothing here knows a field or a pane state.

// keyHelp is the help of the screen that has the keyboard: short for the
// help line as the component gives it (help, its keys, switch, quit; fit
// says the line is to be fitted to the width, see shortHelp), full in
// columns with the root's global keys last.
func (m *Model) keyHelp() (short []key.Binding, full [][]key.Binding, fit bool) {
	k := m.keys
	switch m.screen {
	case screenQuit, screenResume:
		q := m.questionKeys()
		return q, [][]key.Binding{q}, false
	}
	sw := k.Switch
	if m.onPane {
		sw.SetHelp("ctrl+t", "form")
	} else {
		sw.SetHelp("ctrl+t", "referrals")
	}
	global := []key.Binding{sw, k.Sync, m.helpBinding(), k.Quit}
	if m.qQuits() {
		global = append(global, k.QuitList)
	}
	var own []key.Binding
	switch {
	case m.screen == screenReview:
		own = m.reviewKeys()
		full = [][]key.Binding{own}
	case m.onPane:
		own, full = m.pane.ShortHelp(), m.pane.FullHelp()
	default:
		own, full = m.form.ShortHelp(), m.form.FullHelp()
	}
	short = slices.Concat([]key.Binding{m.helpBinding()}, own, []key.Binding{sw, k.Quit})
	return short, append(slices.Clip(full), global), true
}

// shortHelp is the help line: keyHelp's, within the width. Too wide, it
// drops switch first (the tabs and the boxes show where it leads), then
// the component's keys from the last (least useful); help and quit always
// stay, whole.
func (m *Model) shortHelp() []key.Binding {
	short, _, fit := m.keyHelp()
	if !fit {
		return short
	}
	return m.fitShort(short)
}

// fitShort fits a line laid out as keyHelp's: help, own…, switch, quit.
func (m *Model) fitShort(short []key.Binding) []key.Binding {
	h := m.help
	h.SetWidth(0)
	fits := func(l []key.Binding) bool { return lipgloss.Width(h.ShortHelpView(l)) <= m.width }
	if fits(short) {
		return short
	}
	n := len(short)
	help, own, quit := short[0], short[1:n-2], short[n-1]
	for ; ; own = own[:len(own)-1] {
		l := slices.Concat([]key.Binding{help}, own, []key.Binding{quit})
		if fits(l) || len(own) == 0 {
			return l
		}
	}
}

// helpView is the help line (or the full help), from the cache when
// nothing it shows changed: the memo keys on the help text of every
// binding the component gives, so the line is fitted only on a change.
func (m *Model) helpView() string {
	short, full, _ := m.keyHelp()
	c := &m.cache.help
	sig := c.spare[:0] // c.sig is compared with it: another array
	if m.help.ShowAll {
		for _, g := range full {
			for _, b := range g {
				sig = append(sig, b.Help())
			}
			sig = append(sig, key.Help{})
		}
	} else {
		for _, b := range short {
			sig = append(sig, b.Help())
		}
	}
	if c.ok && c.width == m.width && c.all == m.help.ShowAll && c.gen == m.styleGen && slices.Equal(c.sig, sig) {
		c.spare = sig
		return c.out
	}
	var out string
	switch {
	case m.help.ShowAll:
		out = m.fullHelpView(full)
	default:
		out = m.help.ShortHelpView(m.shortHelp()) // the line the help walk checks
	}
	// help's own truncation lets an item through when its ellipsis does
	// not fit: cut each line to the width as well (a full help column
	// wider than the screen; the short line fits already).
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, m.width, "…")
	}
	*c = helpMemo{ok: true, width: m.width, all: m.help.ShowAll, gen: m.styleGen, sig: sig, spare: c.sig,
		out: strings.Join(lines, "\n")}
	return c.out
}

// fullHelpView draws the columns side by side, and in as many rows of
// columns as the width needs: no column is dropped for want of room.
func (m *Model) fullHelpView(groups [][]key.Binding) string {
	h := m.help
	h.SetWidth(0)
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		if len(row) > 0 && lipgloss.Width(h.FullHelpView(append(slices.Clip(row), g))) > m.width {
			rows = append(rows, h.FullHelpView(row))
			row = nil
		}
		row = append(row, g)
	}
	if len(row) > 0 {
		rows = append(rows, h.FullHelpView(row))
	}
	return strings.Join(rows, "\n")
}

// qQuits reports whether q quits now: on the referrals list, where
// nothing is typed and no details or question are open (q on a question
// would leave it unanswered, and quit at once with an empty form).
func (m *Model) qQuits() bool {
	return m.screen == screenMain && m.onPane && !m.pane.InDetail() && !m.pane.Searching() && !m.pane.Asking()
}
