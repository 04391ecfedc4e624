package pane

import (
	"charm.land/bubbles/v2/key"

	"refdesk/state"
	"refdesk/ui/theme"
)

// ShortHelp is the pane's keys for the help line, most useful first (the
// root drops entries from the end when the line is too narrow): what the
// open question, search or details take, else the list's.
func (m Model) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.settle != nil:
		return m.settleKeys()
	case m.find.typing && m.detail == nil:
		return []key.Binding{theme.With(k.Choose, "enter", "keep the search"), k.Move,
			theme.With(k.Back, "esc", "clear the search")}
	case m.detail != nil:
		return m.detailKeys()
	}
	return []key.Binding{k.Move, k.Details, k.Find, k.Reopen, k.Filter}
}

// FullHelp is every key the pane takes now.
func (m Model) FullHelp() [][]key.Binding {
	k := m.keys
	switch {
	case m.settle != nil:
		return [][]key.Binding{m.settleKeys()}
	case m.find.typing && m.detail == nil:
		return [][]key.Binding{{theme.With(k.Choose, "enter", "keep the search"),
			theme.With(k.Erase, "backspace", "erase (empty: close the search)"), k.Up, k.Down,
			theme.With(k.Back, "esc", "clear the search")}}
	case m.detail != nil:
		return [][]key.Binding{m.detailKeys()}
	}
	back := theme.With(k.Back, "esc", "back to the form")
	if m.find.query != "" {
		back = theme.With(k.Back, "esc", "clear the search")
	}
	return [][]key.Binding{{k.Up, k.Down, k.Details, k.Reopen, theme.With(k.Found, "e", "found in eCW (⚠ only)"),
		theme.With(k.NotFound, "n", "not in eCW (⚠ only)"), k.Filter, k.Find, back}}
}

// detailKeys are the keys of the open details: back, and what the
// referral allows.
func (m Model) detailKeys() []key.Binding {
	k := m.keys
	keys := []key.Binding{theme.With(k.Back, "esc", "back")}
	r := m.detail.ref
	if r.Status == state.Failed || r.Status == state.NotSent {
		keys = append(keys, theme.With(k.Reopen, "r", "reopen in the form"))
	}
	if r.Attention != "" {
		keys = append(keys, k.Found, k.NotFound)
	}
	return keys
}

// settleKeys are the keys of the open question about a flagged referral.
func (m Model) settleKeys() []key.Binding {
	k := m.keys
	if m.settle.found {
		return []key.Binding{theme.With(k.Choose, "enter", "record it as Completed"), theme.With(k.Back, "esc", "cancel")}
	}
	return []key.Binding{theme.With(k.Yes, "y/enter", "yes, record it"), theme.With(k.Back, "esc", "cancel")}
}
