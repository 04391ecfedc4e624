package files

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/filepicker"
	"charm.land/lipgloss/v2"

	"refdesk/api"
	"refdesk/textsafe"
	"refdesk/ui/theme"
)

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func pickerStyles(st *theme.Styles) filepicker.Styles {
	s := filepicker.DefaultStyles()
	if st == nil || !st.NoColor {
		s.EmptyDirectory = s.EmptyDirectory.SetString("This folder is empty.")
		return s
	}
	plain := lipgloss.NewStyle()
	return filepicker.Styles{DisabledCursor: plain, Cursor: plain.Bold(true), Symlink: plain.Italic(true),
		Directory: plain.Bold(true), File: plain, DisabledFile: plain.Faint(true), Permission: plain,
		Selected: plain.Reverse(true), DisabledSelected: plain.Faint(true),
		FileSize:       plain.Width(7).Align(lipgloss.Right),
		EmptyDirectory: plain.PaddingLeft(2).SetString("This folder is empty.")}
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
	if m.picking {
		b.WriteString(msg) // above the list, which may fill the space left
		rel, err := filepath.Rel(m.root, m.picker.CurrentDirectory)
		if err != nil {
			rel = m.picker.CurrentDirectory
		}
		b.WriteString(st.Muted.Render("Folder: "+textsafe.Fit(filepath.Join(filepath.Base(m.root), rel), max(10, width-8))) + "\n")
		// bubbles' picker writes file names as they are: clean and cut
		// each of its lines, keeping its styles.
		for _, line := range strings.Split(m.picker.View(), "\n") {
			b.WriteString(textsafe.FitStyled(textsafe.Styled(line), width) + "\n")
		}
		b.WriteString(st.Muted.Render("enter choose · → open folder · ← up · esc close") + "\n")
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
