package files

import (
	"path/filepath"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"refdesk/ui/theme"
)

// pickKey is a key in the open picker: typing searches, Space marks,
// Enter attaches (the marked files, else the highlighted one) or opens a
// folder, ← or Backspace on an empty search goes up a folder.
func (m Model) pickKey(kp tea.KeyPressMsg) (Model, tea.Cmd) {
	b, k := &m.br, m.keys
	switch {
	case key.Matches(kp, k.Back):
		if b.query != "" {
			b.query = ""
			b.filter()
			return m, nil
		}
		m.picking = false
		return m, nil
	case key.Matches(kp, k.Up):
		b.move(-1)
	case key.Matches(kp, k.Down):
		b.move(1)
	case key.Matches(kp, k.PageUp):
		b.move(-b.height)
	case key.Matches(kp, k.PageDown):
		b.move(b.height)
	case key.Matches(kp, k.Home):
		b.move(-len(b.rows))
	case key.Matches(kp, k.End):
		b.move(len(b.rows))
	case key.Matches(kp, k.Mark):
		if e, ok := b.highlighted(); ok {
			b.toggle(e)
			b.move(1)
		}
	case key.Matches(kp, k.Open):
		if e, ok := b.highlighted(); ok && e.dir {
			return m, m.enter(e)
		}
	case key.Matches(kp, k.Parent):
		return m, m.up()
	case key.Matches(kp, k.Erase):
		if b.query == "" {
			return m, m.up()
		}
		r := []rune(b.query)
		b.query = string(r[:len(r)-1])
		b.filter()
	case key.Matches(kp, k.Choose):
		if len(b.marked) > 0 {
			m.batch, m.refused, m.attachedMsg = 0, nil, ""
			m.attachMarked()
			return m, nil
		}
		e, ok := b.highlighted()
		if !ok {
			return m, nil
		}
		if e.dir {
			return m, m.enter(e)
		}
		m.add(e.path)
	default:
		if kp.Text != "" && kp.Mod&^tea.ModShift == 0 {
			b.query += theme.Clean(kp.Text)
			b.cursor = 0
			b.filter()
		}
	}
	return m, nil
}

// attachMarked attaches the marked files in turn. A file refused is
// unmarked and its reason kept for the end (the rest go on: Enter never
// retries it); a file asked about stops the batch until the answer
// (offerKey goes on with the rest).
func (m *Model) attachMarked() {
	b := &m.br
	for len(b.marked) > 0 {
		p := b.marked[0]
		m.add(p)
		if m.offer != nil {
			m.picking = true // keep the list to answer
			return
		}
		if strings.HasPrefix(m.msg, "Attached ") {
			m.batch, m.attachedMsg = m.batch+1, m.msg
		} else {
			m.refuse(p, m.msg)
		}
		b.marked = b.marked[1:]
	}
	m.msg = m.batchMsg("")
	if m.batch == 0 {
		m.picking = true // nothing attached: the list stays to choose again
	}
}

// refuse keeps why the marked file p was not attached, from its name on
// (Cobalt's message before it is for the one file chosen alone: the
// batch's message stays short enough to read at 80x24).
func (m *Model) refuse(p, why string) {
	name := theme.Clean(filepath.Base(p))
	if i := strings.Index(why, name); i >= 0 {
		why = why[i:]
	} else {
		why = name + ": " + why
	}
	m.refused = append(m.refused, "Not attached: "+why)
}

// batchMsg is what the marked files came to: those attached, then each
// one refused with its reason, then last.
func (m *Model) batchMsg(last string) string {
	var parts []string
	switch {
	case m.batch > 1:
		parts = append(parts, "Attached "+strconv.Itoa(m.batch)+" files.")
	case m.batch == 1:
		parts = append(parts, m.attachedMsg)
	}
	parts = append(parts, m.refused...)
	if last != "" {
		parts = append(parts, last)
	}
	return strings.Join(parts, " ")
}

// enter opens folder e, unless it leads outside the documents folder.
func (m *Model) enter(e entry) tea.Cmd {
	if m.confine && !m.inside(e.path) {
		m.msg = "That entry points outside the documents folder and cannot be used here."
		return nil
	}
	m.br.query, m.br.marked = "", nil
	return m.load(e.path)
}

// up goes to the parent folder, never above the root when confined.
func (m *Model) up() tea.Cmd {
	if m.confine && m.atRoot() {
		m.msg = "This is the documents folder: files outside it cannot be attached here."
		return nil
	}
	m.br.query, m.br.marked = "", nil
	return m.load(filepath.Dir(m.br.dir))
}

func (m Model) atRoot() bool {
	return filepath.Clean(m.br.dir) == filepath.Clean(m.root)
}

// ClearSearch empties the open picker's search; it reports false when
// there was none (Esc then closes the picker).
func (m *Model) ClearSearch() bool {
	if !m.picking || m.br.query == "" {
		return false
	}
	m.br.query = ""
	m.br.filter()
	return true
}
