package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// formBox is the inner lines of the form's box on screen (the left box
// when wide), without the borders.
func formBox(t *testing.T, view string, width int) []string {
	t.Helper()
	var inner []string
	in := false
	for _, l := range strings.Split(view, "\n") {
		r := []rune(l)
		if width < WideFrom {
			// narrow: the box is the whole width
		} else if len(r) > width*11/20 {
			r = r[:width*11/20]
		}
		if len(r) == 0 {
			continue
		}
		switch {
		case r[0] == '┏':
			in = true
		case r[0] == '┗':
			return inner
		case in:
			inner = append(inner, strings.TrimSuffix(strings.TrimPrefix(string(r), "┃"), "┃"))
		}
	}
	t.Fatalf("no form box on screen:\n%s", view)
	return nil
}

// checkFilled fails unless the screen is h lines with the help line last,
// the form's box holds the lines that must stay (last), and no line of
// the box is blank: a picker with more entries than fit takes every line
// left.
func checkFilled(t *testing.T, e *env, what string, w, h int, last ...string) {
	t.Helper()
	v := e.view()
	lines := strings.Split(v, "\n")
	if len(lines) != h || !strings.Contains(lines[h-1], "quit") {
		t.Fatalf("%s at %dx%d: %d lines, the help line not last:\n%s", what, w, h, len(lines), v)
	}
	box := formBox(t, v, w)
	body := strings.Join(box, "\n")
	for _, s := range last {
		if !strings.Contains(body, s) {
			t.Fatalf("%s at %dx%d: %q cut from the form:\n%s", what, w, h, s, v)
		}
	}
	for i, l := range box {
		if strings.TrimSpace(l) == "" {
			t.Fatalf("%s at %dx%d: line %d of the form's box is blank (rows left unused):\n%s", what, w, h, i+1, v)
		}
	}
}

func TestPickersTakeTheFreeRows(t *testing.T) {
	sizes := [][2]int{{80, 24}, {80, 30}, {120, 40}, {80, 24}}
	e := newEnv(t, 80, 24)
	for i := 0; i < 40; i++ {
		e.doc(fmt.Sprintf("scan%02d.pdf", i), 100)
	}
	resize := func(w, h int) { e.d.Send(tea.WindowSizeMsg{Width: w, Height: h}) }
	each := func(what string, last ...string) {
		t.Helper()
		for _, sz := range sizes { // a resize while the picker is open
			resize(sz[0], sz[1])
			checkFilled(t, e, what, sz[0], sz[1], last...)
		}
	}
	e.waitView("200 in directory")
	each("patient picker", "Documents:", "▸ ")

	e.d.Type("doe")
	e.d.Press("enter")
	e.d.Type("o") // outgoing, and on to From
	e.waitView("30 in directory")
	each("From picker", "Documents:", "— No provider")

	e.d.Press("tab") // To, with From's message above (two lines)
	e.waitView("300 in directory")
	each("To picker", "✗ From:", "Documents:", "— No provider")

	e.d.Press("shift+tab", "shift+tab", "shift+tab", "shift+tab") // Documents: its picker opens
	e.waitView("Folder:", ".pdf")
	each("file picker", "✗ To:", "Request ", "enter attach")
}
