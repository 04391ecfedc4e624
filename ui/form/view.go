package form

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"refdesk/api"
	"refdesk/ui/theme"
)

// View draws the form in the size given by SetSize.
func (m Model) View() string {
	st := m.cfg.Styles
	m.docs.SetBase(baseSize(m.Input()))
	w := max(20, m.width)
	wrap := lipgloss.NewStyle().Width(w)
	var parts [fieldCount]string
	used := 0
	if m.notice != "" {
		used += lipgloss.Height(wrap.Render(m.notice))
	}
	for f := 0; f < fieldCount; f++ {
		if f == m.focus {
			continue
		}
		parts[f] = m.fieldBlock(f, w, 0)
		used += lipgloss.Height(parts[f])
	}
	parts[m.focus] = m.fieldBlock(m.focus, w, max(3, m.height-used))
	var b strings.Builder
	if m.notice != "" {
		b.WriteString(wrap.Render(st.Warn.Render(m.notice)) + "\n")
	}
	for f := 0; f < fieldCount; f++ {
		b.WriteString(parts[f] + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// fieldBlock draws field f: its label line, its body (expanded to at most
// height lines when focused), and its message.
func (m Model) fieldBlock(f, w, height int) string {
	st := m.cfg.Styles
	focused := f == m.focus
	label := st.Label.Render("  " + fieldNames[f])
	if focused {
		label = st.Focused.Render("▶ " + fieldNames[f])
	}
	switch f {
	case FieldFrom, FieldTo:
		title := m.from.Title()
		if f == FieldTo {
			title = m.to.Title()
		}
		if focused {
			label += st.Muted.Render(" — " + title)
		} else if from, to, ok := api.DirectoryFor(m.direction); ok {
			dir := from
			if f == FieldTo {
				dir = to
			}
			label += st.Muted.Render(" (" + dir + ")")
		}
	case FieldPatient:
		if focused {
			label += st.Muted.Render(" — " + m.patient.Title())
		}
	case FieldCodes:
		label += m.codes.title()
	}
	errText, errLines := "", 0 // lipgloss.Height("") is 1
	if m.errs[f] != "" {
		errText = lipgloss.NewStyle().Width(w - 4).Render(st.Error.Render("✗ " + m.errs[f]))
		errLines = lipgloss.Height(errText)
	}
	body := m.body(f, w-4, height-1-errLines)
	out := label
	if focused || body != "" {
		out += ":"
	}
	if !focused && !strings.Contains(body, "\n") {
		out += " " + ansi.Truncate(body, max(5, w-lipgloss.Width(out)-1), "…")
	} else {
		out += "\n" + indent(body, "    ")
	}
	if errText != "" {
		out += "\n" + indent(errText, "    ")
	}
	return out
}

func (m Model) body(f, w, h int) string {
	st := m.cfg.Styles
	focused := f == m.focus
	switch f {
	case FieldPatient:
		if focused {
			return m.patient.View(w, h)
		}
		return m.patient.Chosen().Summary()
	case FieldFrom, FieldTo:
		p := m.from
		if f == FieldTo {
			p = m.to
		}
		if focused {
			if m.direction == "" {
				return st.Warn.Render("Choose the direction first: it decides which directory each side searches.")
			}
			return p.View(w, h)
		}
		return p.Chosen().Summary()
	case FieldDirection:
		s := radio(st, m.direction, []string{api.DirectionIncoming, api.DirectionOutgoing})
		if focused {
			s += "\n" + st.Muted.Render(m.radioHint(w))
			if from, to, ok := api.DirectoryFor(m.direction); ok {
				s += "\n" + st.Muted.Render("From searches "+from+"; To searches "+to+".")
			}
		}
		return s
	case FieldPriority:
		s := radio(st, m.priority, []string{api.PriorityRoutine, api.PriorityUrgent, api.PriorityStat})
		if focused {
			s += "\n" + st.Muted.Render(m.radioHint(w))
		}
		return s
	case FieldReason:
		if focused {
			// Enter is a new line here, so the field says how to move on.
			m.reason.SetHeight(min(6, max(2, h-1)))
			return m.reason.View() + "\n" + st.Muted.Render(m.reasonHint(w))
		}
		v := strings.TrimSpace(m.reason.Value())
		if v == "" {
			return st.Muted.Render("— empty —")
		}
		lines := strings.Split(theme.CleanLines(v), "\n")
		if len(lines) > 1 {
			more := " (+1 line)"
			if len(lines) > 2 {
				more = " (+" + itoa(len(lines)-1) + " lines)"
			}
			return lines[0] + st.Muted.Render(more)
		}
		return lines[0]
	case FieldCodes:
		if focused {
			return m.codes.view(w, h)
		}
		return m.codes.summary()
	case FieldDocuments:
		if !focused {
			docs := m.docs.Docs()
			if len(docs) == 0 {
				return st.Muted.Render("— none —") + "  " + st.Muted.Render("request "+api.HumanBytes(m.docs.BodySize()))
			}
			var total int64
			for _, d := range docs {
				total += d.Size
			}
			return itoa(len(docs)) + " file(s), " + api.HumanBytes(total) + " · request " +
				api.HumanBytes(m.docs.BodySize()) + " of " + api.HumanBytes(api.MaxRequestBytes)
		}
		m.docs.SetHeight(h) // on this copy: the lines really left
		return m.docs.View(w, true)
	}
	return ""
}

// radio draws options with the chosen one marked by (•) and its word, so
// the choice never depends on colour; urgent and stat are marked in words.
func radio(st *theme.Styles, chosen string, opts []string) string {
	var out []string
	for _, o := range opts {
		word := o
		style := lipgloss.NewStyle()
		switch o {
		case api.PriorityUrgent:
			word, style = "URGENT !", st.Urgent
		case api.PriorityStat:
			word, style = "STAT !!", st.Stat
		}
		if o == chosen {
			out = append(out, style.Bold(true).Render("(•) "+word))
		} else {
			out = append(out, st.Muted.Render("( ) "+word))
		}
	}
	return strings.Join(out, "   ")
}

func indent(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
