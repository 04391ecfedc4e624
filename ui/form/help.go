package form

import (
	"strings"

	"charm.land/bubbles/v2/key"

	"refdesk/ui/theme"
)

// ShortHelp is the form's keys for the help line: moving on and the
// review, then the focused field's own keys (KeyBinds), most useful first.
// The root drops entries from the end when the line is too narrow.
func (m Model) ShortHelp() []key.Binding {
	k := m.cfg.Keys
	short, _ := m.KeyBinds()
	if m.Offering() {
		return short // tab and ctrl+s wait for the answer
	}
	return append([]key.Binding{k.Next, k.Review}, short...)
}

// FullHelp is the form's keys in columns: moving between fields, then
// every key the focused field takes now.
func (m Model) FullHelp() [][]key.Binding {
	k := m.cfg.Keys
	_, full := m.KeyBinds()
	if m.Offering() {
		return full
	}
	return append([][]key.Binding{{k.Next, k.Prev, k.Review}}, full...)
}

// KeyBinds are the focused field's keys: short for the help line, full
// (in columns) for the full help. Each field says what its keys do now;
// a field with no keys of its own (Reason types text) has none short.
func (m Model) KeyBinds() (short []key.Binding, full [][]key.Binding) {
	k := m.cfg.Keys
	switch m.focus {
	case FieldPatient:
		return m.patient.ShortHelp(), m.patient.FullHelp()
	case FieldFrom:
		return m.from.ShortHelp(), m.from.FullHelp()
	case FieldTo:
		return m.to.ShortHelp(), m.to.FullHelp()
	case FieldDirection:
		short = []key.Binding{k.Incoming, k.Outgoing, theme.With(k.Right, "←/→", "switch")}
		return short, [][]key.Binding{{k.Incoming, k.Outgoing, theme.With(k.Left, "←", "switch"),
			theme.With(k.Right, "→/space", "switch"), theme.With(k.Choose, "enter", "next field")}}
	case FieldPriority:
		// Routine is the default: the letters that change it come first.
		short = []key.Binding{k.Urgent, k.Stat, k.Routine, theme.With(k.Right, "←/→", "change")}
		return short, [][]key.Binding{{k.Routine, k.Urgent, k.Stat, k.Left, k.Right,
			theme.With(k.Choose, "enter", "next field")}}
	case FieldReason:
		short = []key.Binding{theme.With(k.Choose, "enter", "new line")}
		return short, [][]key.Binding{short}
	case FieldCodes:
		return m.codes.keyBinds()
	case FieldDocuments:
		return m.docs.ShortHelp(), m.docs.FullHelp()
	}
	return nil, nil
}

// radioHint is the line under the focused Direction or Priority: its
// letters in the options' order, then ←/→.
func (m Model) radioHint(w int) string {
	k := m.cfg.Keys
	if m.focus == FieldDirection {
		return theme.Hint(w, k.Incoming, k.Outgoing, theme.With(k.Right, "←/→", "switch"))
	}
	return theme.Hint(w, k.Routine, k.Urgent, k.Stat, theme.With(k.Right, "←/→", "change"))
}

// reasonHint is the line under the focused Reason: Enter is a new line
// there, so it says how to move on.
func (m Model) reasonHint(w int) string {
	k := m.cfg.Keys
	return theme.Hint(w, theme.With(k.Choose, "enter", "new line"), theme.With(k.Next, "tab", "next field"),
		theme.With(k.Review, "ctrl+s", "review"))
}

// keyBinds are the Diagnosis codes field's keys now.
func (c codesField) keyBinds() (short []key.Binding, full [][]key.Binding) {
	k := c.keys
	typed := strings.TrimSpace(c.input.Value()) != ""
	if typed {
		short = append(short, theme.With(k.Choose, "enter", "add the code"))
	} else {
		short = append(short, theme.With(k.Choose, "enter", "next field"))
	}
	if c.rowCount() > 1 {
		short = append(short, theme.With(k.Move, "↑↓", "highlight"))
	}
	if c.input.Value() == "" && len(c.chosen) > 0 {
		short = append(short, theme.With(k.Erase, "backspace", "remove the last code"))
	}
	full = [][]key.Binding{append([]key.Binding(nil), short...)}
	if typed {
		full[0][0] = theme.With(k.Choose, "enter", "add the highlighted code (a category opens)")
	}
	if c.input.Value() != "" {
		full[0] = append(full[0], theme.With(k.Back, "esc", "clear the search"))
	}
	return short, full
}
