package form

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"refdesk/icd10"
	"refdesk/ui/theme"
)

// title names the code set in the field's header, and says when it may be
// out of date (the next fiscal year's set took effect on October 1st).
func (c codesField) title() string {
	st := c.styles
	t := st.Muted.Render(" — " + c.set.Name())
	if c.set.Stale(c.now()) {
		t += " " + st.Warn.Render("may be out of date: a new code set took effect on "+
			c.set.Expires().Format("2006-01-02")+"; load it with `refdesk codes import`")
	}
	return t
}

// describe is a chosen code with its description.
func (c codesField) describe(code string) string {
	d := c.set.Describe(code)
	if d == "" {
		return theme.Clean(code)
	}
	return theme.Clean(code) + " " + c.styles.Muted.Render(theme.Clean(d))
}

// CodesText lists codes one a line, each with its description from the
// form's code set, for the review.
func (m Model) CodesText(codes []string) string {
	lines := make([]string, len(codes))
	for i, c := range codes {
		lines[i] = theme.Clean(c)
		if d := m.codes.set.Describe(c); d != "" {
			lines[i] += "  " + theme.Clean(d)
		}
	}
	return strings.Join(lines, "\n")
}

// summary is the field without focus: the codes with their descriptions on
// one line, then what is typed and not added.
func (c codesField) summary() string {
	var parts []string
	for _, code := range c.chosen {
		parts = append(parts, c.describe(code))
	}
	if q := strings.TrimSpace(c.input.Value()); q != "" {
		parts = append(parts, c.styles.Error.Render("“"+theme.Clean(q)+"” not added"))
	}
	if len(parts) == 0 {
		return c.styles.Muted.Render("— none —")
	}
	return strings.Join(parts, " · ")
}

// fitting is the first of hints that fits in width columns (the last one
// otherwise).
func fitting(width int, hints ...string) string {
	for _, h := range hints {
		if lipgloss.Width(h) <= width {
			return h
		}
	}
	return hints[len(hints)-1]
}

// view draws the focused field in width columns and at most height lines:
// the codes chosen, the input with the count, the matches.
func (c codesField) view(width, height int) string {
	st := c.styles
	var lines []string
	for _, code := range c.chosen {
		lines = append(lines, ansi.Truncate(st.OK.Render("✓ ")+c.describe(code), width, "…"))
	}
	count := ""
	switch q := strings.TrimSpace(c.input.Value()); {
	case q == "":
		count = "Enter: next field"
		if len(c.chosen) > 0 {
			count = "Backspace removes the last · " + count
		}
	case len(c.suggest) > 0:
		count = "not a code · did you mean:"
	case c.res.Total > 0:
		count = plural(c.res.Total, "match")
	}
	c.input.SetWidth(max(10, width-lipgloss.Width(count)-6))
	// The longest hint is cut at 80 columns once the count is beside it.
	c.input.Placeholder = fitting(c.input.Width(),
		"a code (I10) or words (essential hypert); several: I10, Z87.39",
		"a code (I10) or words; several: I10, Z87.39",
		"a code or words")
	lines = append(lines, c.input.View()+"  "+st.Muted.Render(count))
	avail := max(1, height-len(lines)-1)
	start := 0
	if c.cursor >= avail {
		start = c.cursor - avail + 1
	}
	for i := start; i < c.rowCount() && i < start+avail; i++ {
		line := c.rowView(c.row(i), width-2)
		if i == c.cursor {
			lines = append(lines, st.Cursor.Render("▸")+" "+line)
		} else {
			lines = append(lines, "  "+line)
		}
	}
	if c.rowCount() > 0 {
		lines = append(lines, st.Muted.Render("Enter adds the highlighted code (a category opens) · ↑/↓"))
	}
	return strings.Join(lines, "\n")
}

// rowView is one match: the code (its matched start highlighted), the
// description (its matched words highlighted), and for a category how many
// codes it holds.
func (c codesField) rowView(m icd10.Match, width int) string {
	st := c.styles
	code := m.Code.Code
	hit := min(m.CodeHit, len(code))
	text := st.Match.Render(code[:hit]) + code[hit:] + strings.Repeat(" ", max(1, 9-len(code)))
	desc := theme.Clean(m.Desc)
	var b strings.Builder
	at := 0
	for _, h := range m.Hits {
		if h[0] < at || h[1] > len(desc) {
			continue
		}
		b.WriteString(desc[at:h[0]] + st.Match.Render(desc[h[0]:h[1]]))
		at = h[1]
	}
	b.WriteString(desc[at:])
	suffix := ""
	if !m.Billable {
		suffix = st.Warn.Render("  ▸ category: " + plural(m.Codes, "code"))
	}
	return ansi.Truncate(text+b.String(), max(5, width-lipgloss.Width(suffix)), "…") + suffix
}

func plural(n int, word string) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n == 1 {
		return s + " " + word
	}
	if strings.HasSuffix(word, "ch") {
		return s + " " + word + "es"
	}
	return s + " " + word + "s"
}
