package picker

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"refdesk/state"
	"refdesk/ui/theme"
)

// Summary is the one-line form of the choice, for a field without focus and
// for the review: what tells it from a namesake (state.PatientLine,
// state.ProviderLine), cleaned for the screen.
func (c Choice) Summary() string {
	switch {
	case c.Empty():
		return "— none chosen —"
	case c.Patient:
		return theme.Clean(state.PatientLine(c.Name, c.DOB, c.Key))
	}
	return theme.Clean(state.ProviderLine(c.Key, c.Name, c.Info))
}

// Count says how many entries match, "23 of 5,000".
func (m Model) Count() string {
	if !m.loaded {
		return "searching…"
	}
	if strings.TrimSpace(m.input.Value()) == "" {
		return thousands(m.res.Size) + " in directory · recent first"
	}
	return thousands(m.res.Total) + " of " + thousands(m.res.Size)
}

// View draws the picker in width columns and at most height lines (the
// list shrinks first).
func (m Model) View(width, height int) string {
	st := m.styles
	var b strings.Builder
	count := m.Count()
	m.input.SetWidth(max(10, width-lipgloss.Width(count)-6))
	// The input scrolls by the width it had at its last key; set here, on
	// this copy, it scrolls now: from the end, then back to the cursor, so
	// a long (pasted) search shows the cursor's part on one line.
	pos := m.input.Position()
	m.input.SetCursor(utf8.RuneCountInString(m.input.Value()))
	m.input.SetCursor(pos)
	b.WriteString(m.input.View())
	b.WriteString("  " + st.Muted.Render(count) + "\n")
	if !m.chosen.Empty() {
		b.WriteString(st.OK.Render("✓ chosen: ") + ansi.Truncate(m.chosen.Summary(), max(10, width-11), "…") + "\n")
	}
	if m.focused && !m.listing {
		k := m.keys
		return b.String() + st.Muted.Render("  "+theme.Hint(width-2, theme.With(k.Choose, "enter", "keeps it"),
			theme.With(k.Down, "type or ↓", "for another")))
	}
	// What goes below the list is drawn first, so the list takes exactly
	// the lines left (it gives up rows first).
	var tail strings.Builder
	if m.loaded && m.cursor < 0 && len(m.res.Matches) > 0 && m.note == "" {
		tail.WriteString(lipgloss.NewStyle().Width(width).Render(st.Muted.Render("No close match for “"+theme.Clean(m.typed())+
			"”: only letters scattered over an entry match. ↓ highlights it; Enter then chooses it.")) + "\n")
	}
	if m.loaded && len(m.res.Matches) == 0 && m.input.Value() != "" && !m.cfg.Patients {
		tail.WriteString(lipgloss.NewStyle().Width(width).Render(st.Muted.Render(
			"  No match. Change the search (esc clears it), or ctrl+o for no provider on this side.")) + "\n")
	}
	note := m.note
	if m.loaded && m.offerAsk() && note == "" {
		note = "No patient on this desk matches “" + theme.Clean(m.input.Value()) +
			"”: the patient is not synced here. Enter asks Cobalt."
	}
	if note != "" {
		tail.WriteString(lipgloss.NewStyle().Width(width).Render(st.Warn.Render(note)) + "\n")
	}
	used := strings.Count(b.String(), "\n") + strings.Count(tail.String(), "\n")
	avail := max(1, height-used)
	rows := m.rows()
	start := 0
	if m.cursor >= avail {
		start = m.cursor - avail + 1
	}
	for i := start; i < len(rows) && i < start+avail; i++ {
		line := m.rowView(rows[i], width-2)
		if i == m.cursor {
			b.WriteString(st.Cursor.Render("▸") + " " + line + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	b.WriteString(tail.String())
	return strings.TrimRight(b.String(), "\n")
}

func (m Model) rowView(r row, width int) string {
	st := m.styles
	switch r.kind {
	case rowNone:
		return ansi.Truncate("— No provider on this side (sends \"0\")", width, "…")
	case rowAsk:
		return ansi.Truncate("↗ Ask Cobalt for “"+theme.Clean(m.input.Value())+"”", width, "…")
	}
	e := r.match.Entry
	suffix := ""
	if e.Inactive {
		suffix = " [INACTIVE]"
	}
	shown, pos := e.Shown(r.match.Positions)
	text := highlight(shown, pos, st.Match)
	return ansi.Truncate(text, max(5, width-len(suffix)), "…") + st.Warn.Render(suffix)
}

// highlight draws text with the runes at byte offsets pos in style hl,
// dropping escape sequences and replacing other control characters
// (Clean's rules) without moving the offsets.
func highlight(text string, pos []int, hl lipgloss.Style) string {
	set := make(map[int]bool, len(pos))
	for _, p := range pos {
		set[p] = true
	}
	var b, run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			b.WriteString(hl.Render(run.String()))
			run.Reset()
		}
	}
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == 0x1b || r == 0x9b { // an escape sequence is dropped whole
			flush()
			i = theme.EscapeEnd(text, i)
			continue
		}
		if unicode.IsControl(r) || r == utf8.RuneError || (r >= 0x202a && r <= 0x202e) ||
			(r >= 0x2066 && r <= 0x2069) {
			r = ' '
		}
		if set[i] {
			run.WriteRune(r)
		} else {
			flush()
			b.WriteRune(r)
		}
		i += w
	}
	flush()
	return b.String()
}

// thousands writes n with commas: 5000 → "5,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
