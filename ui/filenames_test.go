package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/state"
)

// A scan whose name holds a newline, a carriage return or a tab (a file
// name may hold any byte but / and NUL) is drawn on one line everywhere it
// is shown: the picker's rows, the attached list, the review and the
// referral's details. Each screen keeps its 24 lines and no control
// character reaches it.
func TestControlCharactersInFileNamesStayOnOneLine(t *testing.T) {
	e := newEnv(t, 80, 24)
	e.doc("two\nlines.pdf", 300)
	e.doc("cr\rtab\tname.pdf", 200)
	if err := os.WriteFile(filepath.Join(e.docs, "fax\nscan"), []byte("%PDF-1.4 scan"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, n := range []string{"fax\nscan", "two\nlines.pdf", "cr\rtab\tname.pdf"} { // newest first
		at := time.Now().Add(-time.Duration(i+1) * time.Minute)
		if err := os.Chtimes(filepath.Join(e.docs, n), at, at); err != nil {
			t.Fatal(err)
		}
	}
	check := func(where string, want ...string) {
		t.Helper()
		e.waitView(want...)
		raw := e.m.View().Content
		if n := strings.Count(raw, "\n") + 1; n > 24 {
			t.Fatalf("%s: %d lines on a 24-line screen:\n%s", where, n, e.view())
		}
		for _, r := range raw {
			if (r < 0x20 && r != '\n' && r != 0x1b) || r == 0x7f {
				t.Fatalf("%s: %U reaches the screen:\n%q", where, r, raw)
			}
		}
	}
	patient := e.entry(state.Patients, 0)
	from := e.entry(state.Providers, 1)
	to := e.entry(state.ReferringProviders, 1)
	e.fill("outgoing", patient, from, to, "routine", "Follow-up", "E11.9", 0)
	if !e.m.form.Busy() {
		e.d.Press("enter")
	}
	check("picker", "two lines.pdf", "cr tab name.pdf", "fax scan")
	e.d.Press("enter") // fax\nscan, the newest: the question
	check("question", "Send as fax scan.pdf")
	e.d.Press("n", "down", "enter")
	check("attached", "Attached")
	e.d.Press("a", "down", "down", "enter")
	check("two attached", "two lines.pdf", "cr tab name.pdf")
	e.d.Press("ctrl+s")
	check("review", "Ready to send", "two lines.pdf", "cr tab name.pdf")
	e.d.Press("enter")
	e.waitView("Sent: referral #1")
	e.d.Press("ctrl+t", "enter")
	check("details", "Referral #1", "Documents:")
}
