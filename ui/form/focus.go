package form

import (
	tea "charm.land/bubbletea/v2"
)

// move leaves the focused field (validating it) for the next or previous.
func (m *Model) move(d int) tea.Cmd {
	m.validate(m.focus)
	next := (m.focus + d + fieldCount) % fieldCount
	return m.focusField(next)
}

// FocusField moves the keyboard to field f without validating the one left.
func (m *Model) FocusField(f int) tea.Cmd { return m.focusField(f) }

func (m *Model) focusField(f int) tea.Cmd {
	m.patient.Blur()
	m.from.Blur()
	m.to.Blur()
	m.reason.Blur()
	m.codes.Blur()
	m.docs.Close()
	m.focus = f
	switch f {
	case FieldPatient:
		return m.patient.Focus()
	case FieldFrom:
		return m.from.Focus()
	case FieldTo:
		return m.to.Focus()
	case FieldReason:
		return m.reason.Focus()
	case FieldCodes:
		return m.codes.Focus()
	case FieldDocuments:
		// Like the other pickers, the field shows its list when it gets
		// the keyboard: the scanner inbox, newest first, so Enter attaches
		// the newest scan. With documents attached it shows them instead
		// (Enter or a adds another).
		if len(m.docs.Docs()) == 0 {
			return m.docs.Open()
		}
	}
	return nil
}

// Back handles Esc inside the form: it answers the file picker's question
// "no", or closes the file picker, or clears a picker's search. It reports false when there was nothing to back out of.
func (m *Model) Back() bool {
	switch {
	case m.Busy() && m.docs.Offering(): // Esc answers "don't attach"; the list stays
		m.docs.Decline()
		return true
	case m.Busy():
		if !m.docs.ClearSearch() {
			m.docs.Close()
		}
		return true
	case m.focus == FieldPatient && m.patient.Query() != "":
		m.patient.SetQuery("")
		return true
	}
	return false
}

// ClearQuery empties the focused picker's search; it returns the search cmd.
func (m *Model) ClearQuery() tea.Cmd {
	switch m.focus {
	case FieldPatient:
		m.patient.SetQuery("")
		return m.patient.Refresh()
	case FieldFrom:
		m.from.SetQuery("")
		return m.from.Refresh()
	case FieldTo:
		m.to.SetQuery("")
		return m.to.Refresh()
	case FieldCodes:
		m.codes.clear()
		m.errs[FieldCodes] = ""
	}
	return nil
}

// HasQuery reports whether the focused picker holds a search.
func (m Model) HasQuery() bool {
	switch m.focus {
	case FieldPatient:
		return m.patient.Query() != ""
	case FieldFrom:
		return m.from.Query() != ""
	case FieldTo:
		return m.to.Query() != ""
	case FieldCodes:
		return m.codes.Query() != ""
	}
	return false
}

// Refresh searches every picker again (after a sync).
func (m *Model) Refresh() tea.Cmd {
	return tea.Batch(m.patient.Refresh(), m.from.Refresh(), m.to.Refresh())
}

// Query is what is typed in picker field f ("" for other fields).
func (m Model) Query(f int) string {
	switch f {
	case FieldPatient:
		return m.patient.Query()
	case FieldFrom:
		return m.from.Query()
	case FieldTo:
		return m.to.Query()
	}
	return ""
}

// Offering reports whether the Documents field asks whether to send a file
// under the name its content shows (y or not).
func (m Model) Offering() bool { return m.focus == FieldDocuments && m.docs.Offering() }

// PendingScan is the name of the file the Documents field asks about ("" with
// no question open): it is in no draft until the question is answered.
func (m Model) PendingScan() string { return m.docs.Pending() }
