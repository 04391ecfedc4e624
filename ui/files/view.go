package files

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

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
	msgStyle := st.Muted
	if strings.Contains(m.msg, "must") || strings.Contains(m.msg, "over Cobalt") || strings.Contains(m.msg, "cannot") {
		msgStyle = st.Error
	}
	total := m.BodySize()
	req := fmt.Sprintf("Request %s of %s ", api.HumanBytes(total), api.HumanBytes(api.MaxRequestBytes))
	req += Bar(st, total, api.MaxRequestBytes, max(0, min(30, width-len(req)-7))) // "[", "] 100%"
	if m.picking {
		return m.pickingView(width, msgStyle, req)
	}
	var b strings.Builder
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
	b.WriteString(req + "\n")
	if m.msg != "" {
		b.WriteString(lipgloss.NewStyle().Width(width).Render(msgStyle.Render(m.msg)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// pickingView draws the open picker in the field's lines: the message and
// the question above, the folder, the search and the rows, the keys, and
// the request total. When the lines are short, the rows give up first
// (to one while no question is open: the keys act on it), then the folder
// and the search lines, then the message is cut ("…") and, with the
// question open, goes; then the question's note is cut. The question's
// choices and keys, the list's keys and the total always stay.
func (m Model) pickingView(width int, msgStyle lipgloss.Style, req string) string {
	st, br := m.styles, m.br
	var offer []string
	if m.offer != nil {
		offer = m.offerLines(width)
	}
	var status string
	switch {
	case br.err != "":
		status = st.Error.Render(textsafe.Fit(br.err, max(10, width)))
	case br.loading && len(br.all) == 0:
		status = st.Muted.Render("Reading the folder…")
	case len(br.all) == 0:
		status = st.Muted.Render("  This folder is empty.")
	case len(br.rows) == 0:
		status = st.Muted.Render(textsafe.Fit("  No file name matches “"+br.query+"”: Backspace to search again.", max(10, width)))
	}
	hint := "" // with the question open, its keys are in offer
	if m.offer == nil {
		hint = st.Muted.Render(theme.Hint(max(10, width), m.ShortHelp()...))
	}
	room := m.lines - len(offer) - 1 // the total
	if hint != "" {
		room--
	}
	minRows := 0
	if m.offer == nil && status == "" {
		minRows = 1 // the highlighted file, which the keys act on
	}
	room -= minRows
	var note []string
	if m.offer != nil && m.offerNote != "" {
		note = cut(width, m.offerNote, max(1, room), st.Error)
		room -= len(note)
	}
	least := 1 // what happened, unless the question says it
	if m.offer != nil {
		least = 0
	}
	msgLines := cut(width, m.msg, max(least, room), msgStyle)
	room -= len(msgLines)
	var head []string // the folder and the search: the search first when short
	rel, err := filepath.Rel(m.root, br.dir)
	if err != nil {
		rel = br.dir
	}
	folder := st.Muted.Render("Folder: " + textsafe.Fit(filepath.Join(filepath.Base(m.root), rel), max(10, width-8)))
	search := "type to search by name"
	if br.query != "" {
		search = "search: " + br.query
	}
	search = st.Muted.Render(textsafe.Fit(search, max(10, width)))
	switch {
	case room >= 2:
		head = []string{folder, search}
	case room == 1:
		head = []string{search}
	}
	room -= len(head)
	if status != "" && room > 0 {
		head = append(head, status)
		room--
	}
	out := append(append(append(append(msgLines, offer...), note...), head...), m.rowLines(width, room+minRows)...)
	if hint != "" {
		out = append(out, hint)
	}
	return strings.Join(append(out, req), "\n")
}

// rowLines draws n rows of the list at most, the highlighted one in view.
func (m Model) rowLines(width, n int) []string {
	br := m.br
	if n <= 0 {
		return nil
	}
	start := br.offset
	if br.cursor >= start+n {
		start = br.cursor - n + 1
	}
	now := m.now()
	var out []string
	for i := start; i < min(len(br.rows), start+n); i++ {
		e := br.all[br.rows[i]]
		out = append(out, m.rowView(e, i == br.cursor, br.isMarked(e.path), now, width))
	}
	return out
}

// cut wraps text to width in style, in n lines at most: the last line kept
// ends in "…" when some are left out.
func cut(width int, text string, n int, style lipgloss.Style) []string {
	if text == "" || n <= 0 {
		return nil
	}
	w := max(10, width)
	lines := strings.Split(lipgloss.NewStyle().Width(w).Render(text), "\n")
	if len(lines) > n {
		lines = lines[:n]
		lines[n-1] = ansi.Truncate(strings.TrimRight(lines[n-1], " "), w-1, "") + "…"
	}
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}

// offerLines draws the question's two choices, the one Enter takes
// highlighted, and its keys.
func (m Model) offerLines(width int) []string {
	st := m.styles
	choice := func(label string, on bool) string {
		if on {
			return st.Cursor.Render("▸ " + label)
		}
		return "  " + label
	}
	send := "Send as " + textsafe.Fit(m.offer.Name, max(10, width/2))
	line := choice(send, !m.offerNo) + "   " + choice("Don't attach", m.offerNo)
	return []string{line, st.Muted.Render(theme.Hint(max(10, width), m.ShortHelp()...))}
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
