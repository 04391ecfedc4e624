package picker

import (
	"charm.land/bubbles/v2/key"

	"refdesk/ui/theme"
)

// ShortHelp is the picker's keys for the help line, most useful first: a
// provider picker's ctrl+o, then ↑↓ over the list (or Enter keeping the
// choice shown).
func (m Model) ShortHelp() []key.Binding {
	k := m.keys
	var out []key.Binding
	if !m.listing {
		out = append(out, theme.With(k.Choose, "enter", "keep it"))
	}
	if m.cfg.AllowNone {
		out = append(out, k.None)
	}
	if m.listing {
		out = append(out, k.Move)
	}
	return out
}

// FullHelp is every key the picker takes now, for the full help.
func (m Model) FullHelp() [][]key.Binding {
	k := m.keys
	var out []key.Binding
	if m.listing {
		out = append(out, k.Up, k.Down, theme.With(k.Choose, "enter", "choose the highlighted row"))
	} else {
		out = append(out, theme.With(k.Choose, "enter", "keep the choice shown"), theme.With(k.Down, "↓/type", "search for another"))
	}
	if m.cfg.AllowNone {
		out = append(out, theme.With(k.None, "ctrl+o", "no provider on this side"))
	}
	if m.input.Value() != "" {
		out = append(out, theme.With(k.Back, "esc", "clear the search"))
	}
	return [][]key.Binding{out}
}
