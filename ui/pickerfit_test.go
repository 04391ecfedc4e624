package ui

import (
	"fmt"
	"os"
	"path/filepath"
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

// At 80x24, with the other fields' messages taking lines, the scan-rename
// question after a batch of refused files, and then its "must answer"
// note, fit in the form's box: the message is cut and the list gives up
// its rows, the question, its note, the request total, the form's last
// field and the help line stay.
func TestScanQuestionFitsAt80x24(t *testing.T) {
	e := newEnv(t, 80, 24)
	long := "faxscan_from_the_front_office_machine_2026_11_29_morning_batch"
	for i := 0; i < 4; i++ {
		e.doc(fmt.Sprintf("empty_scan_from_the_second_floor_printer_%02d.pdf", i), 0)
	}
	e.doc(long, 0)
	if err := os.WriteFile(filepath.Join(e.docs, long), []byte("%PDF-1.7\n"+strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.d.Press("tab", "shift+tab", "shift+tab") // the patient's message, then Documents: its picker opens
	e.waitView("Folder:", "empty_scan")
	for i := 0; i < 5; i++ {
		e.d.Press("space") // mark each, the cursor moving on
	}
	e.d.Press("enter")
	e.waitView("Don't attach")
	checkFits(t, e, "the question", 80, 24, "✗ Patient:", "Diagnosis codes", "Don't attach", "Request ")
	e.d.Press("tab") // leaving without answering
	e.waitView("You must answer first")
	checkFits(t, e, "the must-answer note", 80, 24, "✗ Patient:", "Diagnosis codes", "Don't attach",
		"is not attached yet.", "Request ")
	e.d.Press("n") // the batch's message: the refused files and this one
	e.waitView("Not attached:", "enter attach")
	checkFits(t, e, "the batch's message", 80, 24, "✗ Patient:", "Diagnosis codes", "is empty", "Request ", "enter attach")
}

// checkFits fails unless the screen is h lines with the help line last
// and the form's box holds every one of want.
func checkFits(t *testing.T, e *env, what string, w, h int, want ...string) {
	t.Helper()
	v := e.view()
	lines := strings.Split(v, "\n")
	if len(lines) != h || !strings.Contains(lines[h-1], "quit") {
		t.Fatalf("%s at %dx%d: %d lines, the help line not last:\n%s", what, w, h, len(lines), v)
	}
	body := strings.Join(strings.Fields(strings.Join(formBox(t, v, w), " ")), " ")
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Fatalf("%s at %dx%d: %q cut from the form:\n%s", what, w, h, s, v)
		}
	}
}

// A long search pasted into a picker at 80x24 stays on its line (the
// input scrolls): the form's last lines stay in the box.
func TestLongPastedSearchStaysOnItsLine(t *testing.T) {
	e := newEnv(t, 80, 24)
	e.waitView("200 in directory")
	q := "Nobody Unknownperson with a very long pasted name that goes on and on"
	e.d.Send(tea.PasteMsg{Content: q})
	e.waitView("0 of 200")
	v := e.view()
	for _, l := range formBox(t, v, 80) {
		if strings.Contains(l, "of 200") && !strings.Contains(l, "›") {
			t.Fatalf("the search line wrapped:\n%s", v)
		}
	}
	checkFits(t, e, "a long search", 80, 24, "on and on", "0 of 200", "Documents:")
}
