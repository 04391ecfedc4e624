package files

import (
	"strconv"

	"charm.land/bubbles/v2/key"

	"refdesk/ui/theme"
)

// ShortHelp is the field's keys for the help line, most useful first; the
// open picker shows the same under its list.
func (m Model) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.offer != nil:
		return []key.Binding{theme.With(k.Choose, "enter", "the highlighted choice"), theme.With(k.Yes, "y", "send"),
			theme.With(k.No, "n/esc", "don't attach"), theme.With(k.Right, "←/→", "switch")}
	case m.picking:
		return []key.Binding{m.enterKey(), m.markKey(), theme.With(k.Open, "→", "open folder"),
			theme.With(k.Parent, "←", "up"), m.escKey()}
	case len(m.docs) > 0:
		return []key.Binding{k.Add, k.Remove}
	}
	return []key.Binding{k.Add}
}

// FullHelp is every key the field takes now.
func (m Model) FullHelp() [][]key.Binding {
	k := m.keys
	switch {
	case m.offer != nil:
		return [][]key.Binding{m.ShortHelp()}
	case m.picking:
		erase := "erase a letter; empty: up a folder"
		if m.br.query == "" {
			erase = "up a folder"
		}
		return [][]key.Binding{{m.enterKey(), m.markKey(), theme.With(k.Type, "type", "search by name"),
			theme.With(k.Erase, "backspace", erase), m.escKey()},
			{k.Up, k.Down, theme.With(k.PageUp, "pgup/pgdn", "a page"), theme.With(k.Home, "home/end", "first/last"),
				theme.With(k.Open, "→", "open the folder"), theme.With(k.Parent, "←", "up a folder")}}
	case len(m.docs) > 1:
		return [][]key.Binding{{k.Add, k.Remove, theme.With(k.Move, "↑↓", "highlight a file")}}
	}
	return [][]key.Binding{m.ShortHelp()}
}

// enterKey says what Enter does on the highlighted row.
func (m Model) enterKey() key.Binding {
	enter := m.keys.Choose
	if n := len(m.br.marked); n > 0 {
		return theme.With(enter, "enter", "attach the "+strconv.Itoa(n)+" marked")
	}
	if e, ok := m.br.highlighted(); ok && e.dir {
		return theme.With(enter, "enter", "open")
	}
	return theme.With(enter, "enter", "attach")
}

func (m Model) markKey() key.Binding {
	if e, ok := m.br.highlighted(); ok && m.br.isMarked(e.path) {
		return theme.With(m.keys.Mark, "space", "unmark")
	}
	return theme.With(m.keys.Mark, "space", "mark")
}

func (m Model) escKey() key.Binding {
	if m.br.query != "" {
		return theme.With(m.keys.Back, "esc", "clear the search")
	}
	return theme.With(m.keys.Back, "esc", "close")
}
