package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/state"
	"refdesk/ui/form"
)

// scanQuestion opens the Documents field's question about a scan whose
// content shows another type than its name.
func (e *env) scanQuestion(name string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.docs, name), []byte("%PDF-1.7\n"+strings.Repeat("x", 100)), 0o600); err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i < 8 && e.m.form.Focus() != form.FieldDocuments; i++ {
		e.d.Press("shift+tab") // on to Documents: its picker opens
	}
	e.waitView("Folder:", name)
	e.d.Type(name)
	e.d.Press("enter")
	e.waitView("Don't attach")
}

// Quitting while the scan-rename question is open says, on the quit
// question, that the scan is not attached (the draft keeps only what is);
// n goes back to the question, still open; y quits and the resumed draft
// has the rest of the referral.
func TestQuitWithScanQuestionSaysItIsNotAttached(t *testing.T) {
	e := newEnv(t, 80, 24)
	patient := e.entry(state.Patients, 0)
	e.d.Type(patient.Key)
	e.d.Press("enter")
	e.d.Type("o")
	e.scanQuestion("faxscan")
	e.d.Press("ctrl+c")
	e.waitWords("Quit refdesk?", "faxscan is NOT attached", "kept as a draft, without it", "stay and answer")
	e.d.Press("esc")
	e.waitView("Don't attach")
	if e.d.Quit || e.m.form.PendingScan() != "faxscan" {
		t.Fatalf("esc did not go back to the question: quit %v, pending %q", e.d.Quit, e.m.form.PendingScan())
	}
	e.d.Press("ctrl+c", "y")
	e.d.WaitFor("quit", 2*time.Second, func() bool { return e.d.Quit })
	e.start(80, 24)
	e.waitView("Resume your draft?")
	e.d.Press("y")
	if got := e.m.form.Input(); got.PatientMRN != patient.Key || len(got.Documents) != 0 {
		t.Fatalf("resumed %+v", got)
	}
}

// With nothing else typed, ctrl+c does not quit at once past a scan
// waiting for its answer: the question says it is lost.
func TestQuitWithOnlyAScanQuestionAsks(t *testing.T) {
	e := newEnv(t, 80, 24)
	e.scanQuestion("faxscan")
	e.d.Press("ctrl+c")
	if e.d.Quit {
		t.Fatal("ctrl+c quit at once, the scan asked about lost without a word")
	}
	e.waitWords("Quit refdesk?", "faxscan is NOT attached", "no draft is kept")
	e.d.Press("y")
	e.d.WaitFor("quit", 2*time.Second, func() bool { return e.d.Quit })
}

// waitWords waits until the screen, its box borders and line ends dropped,
// shows every one of want (a question wraps its words).
func (e *env) waitWords(want ...string) {
	e.t.Helper()
	words := func() string {
		return strings.Join(strings.Fields(strings.NewReplacer("┃", " ", "│", " ").Replace(e.view())), " ")
	}
	e.d.WaitFor(strings.Join(want, " & "), 15*time.Second, func() bool {
		for _, w := range want {
			if !strings.Contains(words(), w) {
				return false
			}
		}
		return true
	})
}
