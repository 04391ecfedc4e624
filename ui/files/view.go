package files

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"refdesk/api"
	"refdesk/textsafe"
	"refdesk/ui/theme"
)

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Bar draws used against limit in width cells, with the numbers in words.
func Bar(st *theme.Styles, used, limit int64, width int) string {
	width = max(10, width)
	fill := int(used * int64(width) / limit)
	fill = min(max(fill, 0), width)
	pct := used * 100 / limit
	return "[" + st.BarFull.Render(strings.Repeat("█", fill)) + st.BarEmpty.Render(strings.Repeat("░", width-fill)) +
		"] " + fmt.Sprintf("%d%%", pct)
}

// View draws the field: the picker when open, else the chosen files, the
// total and the bar, and the last message.
func (m Model) View(width int, focused bool) string {
	st := m.styles
	var b strings.Builder
	msg := ""
	if m.msg != "" {
		style := st.Muted
		if strings.Contains(m.msg, "must") || strings.Contains(m.msg, "over Cobalt") || strings.Contains(m.msg, "cannot") {
			style = st.Error
		}
		msg = lipgloss.NewStyle().Width(width).Render(style.Render(m.msg)) + "\n"
	}
	if m.offer != nil {
		msg += m.offerView(width) + "\n"
	}
	if m.picking {
		b.WriteString(msg) // above the list, which takes the lines left
		// The request total below takes one line.
		b.WriteString(m.listView(width, m.lines-strings.Count(msg, "\n")-1) + "\n")
	} else {
		if len(m.docs) == 0 {
			b.WriteString(st.Muted.Render("No documents (optional). Enter or a: add a file.") + "\n")
		}
		for i, d := range m.docs {
			line := fmt.Sprintf("%s  %s", textsafe.Fit(d.Name, max(10, width-14)), api.HumanBytes(d.Size))
			if focused && i == m.cursor {
				b.WriteString(st.Cursor.Render("▸ "+line) + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	total := m.BodySize()
	req := fmt.Sprintf("Request %s of %s ", api.HumanBytes(total), api.HumanBytes(api.MaxRequestBytes))
	b.WriteString(req + Bar(st, total, api.MaxRequestBytes, max(0, min(30, width-len(req)-7))) + "\n") // "[", "] 100%"
	if !m.picking {
		b.WriteString(msg)
	}
	return strings.TrimRight(b.String(), "\n")
}

// offerView draws the question's two choices, the one Enter takes
// highlighted, and its keys.
func (m Model) offerView(width int) string {
	st := m.styles
	choice := func(label string, on bool) string {
		if on {
			return st.Cursor.Render("▸ " + label)
		}
		return "  " + label
	}
	send := "Send as " + textsafe.Fit(m.offer.Name, max(10, width/2))
	line := choice(send, !m.offerNo) + "   " + choice("Don't attach", m.offerNo)
	line += "\n" + st.Muted.Render(theme.Hint(max(10, width), m.ShortHelp()...))
	if m.offerNote != "" {
		line += "\n" + lipgloss.NewStyle().Width(max(10, width)).Render(st.Error.Render(m.offerNote))
	}
	return line
}

// listView draws the open picker in at most height lines (one row at
// least): the folder, the search, the rows with their age and size, and
// the keys.
func (m Model) listView(width, height int) string {
	st, br := m.styles, m.br
	var b strings.Builder
	rel, err := filepath.Rel(m.root, br.dir)
	if err != nil {
		rel = br.dir
	}
	b.WriteString(st.Muted.Render("Folder: "+textsafe.Fit(filepath.Join(filepath.Base(m.root), rel), max(10, width-8))) + "\n")
	search := "type to search by name"
	if br.query != "" {
		search = "search: " + br.query
	}
	b.WriteString(st.Muted.Render(textsafe.Fit(search, max(10, width))) + "\n")
	switch {
	case br.err != "":
		b.WriteString(st.Error.Render(textsafe.Fit(br.err, max(10, width))) + "\n")
	case br.loading && len(br.all) == 0:
		b.WriteString(st.Muted.Render("Reading the folder…") + "\n")
	case len(br.all) == 0:
		b.WriteString(st.Muted.Render("  This folder is empty.") + "\n")
	case len(br.rows) == 0:
		b.WriteString(st.Muted.Render(textsafe.Fit("  No file name matches “"+br.query+"”: Backspace to search again.", max(10, width))) + "\n")
	}
	now := m.now()
	rows := height - strings.Count(b.String(), "\n")
	if m.offer == nil {
		rows-- // the keys below; with the question, its keys are above
	}
	rows = max(1, rows)
	start := br.offset
	if br.cursor >= start+rows { // the highlighted row stays in view
		start = br.cursor - rows + 1
	}
	end := min(len(br.rows), start+rows)
	for i := start; i < end; i++ {
		e := br.all[br.rows[i]]
		b.WriteString(m.rowView(e, i == br.cursor, br.isMarked(e.path), now, width) + "\n")
	}
	if m.offer != nil { // the question's keys are above
		return strings.TrimSuffix(b.String(), "\n")
	}
	b.WriteString(st.Muted.Render(theme.Hint(max(10, width), m.ShortHelp()...)))
	return b.String()
}

// rowView draws one row: cursor, mark, name (cleaned and cut), then age,
// size and whether it was sent already.
func (m Model) rowView(e entry, cur, marked bool, now time.Time, width int) string {
	st := m.styles
	lead := "  "
	if cur {
		lead = "▸ "
	}
	if marked {
		lead += "✓ "
	} else {
		lead += "  "
	}
	info := "folder"
	if !e.dir {
		info = age(now, e.mod) + " · " + api.HumanBytes(e.size)
		if e.sent {
			info += " · sent already"
		}
		for _, d := range m.docs {
			if d.Path == e.path {
				info += " · attached"
				break
			}
		}
	}
	name := e.name
	if e.dir {
		name += "/"
	}
	nameW := max(8, width-4-len(info)-2)
	head := lead + textsafe.Fit(name, nameW)
	pad := strings.Repeat(" ", max(1, width-textsafe.Width(head)-textsafe.Width(info)))
	switch {
	case cur:
		return st.Cursor.Render(head + pad + info)
	case e.dir:
		return lipgloss.NewStyle().Bold(true).Render(head) + pad + st.Muted.Render(info)
	}
	return head + pad + st.Muted.Render(info)
}
