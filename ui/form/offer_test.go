package form

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Esc on the scan-rename question answers "don't attach" and keeps the
// file list open to choose another; Enter sends the file under the name
// its content shows (the highlighted choice).
func TestEscOnRenameQuestionKeepsThePicker(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faxscan"), []byte("%PDF-1.4 scan"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, dir)
	h.d.Run(h.m.FocusField(FieldDocuments))
	h.d.Settle()
	h.d.Press("enter") // faxscan, the newest
	if !h.m.Offering() || !strings.Contains(h.view(), "▸ Send as faxscan.pdf") {
		t.Fatalf("no question:\n%s", h.view())
	}
	if !h.m.Back() || h.m.Offering() || !h.m.Busy() || !strings.Contains(h.view(), "faxscan was not attached.") {
		t.Fatalf("after esc: offering %v, picker open %v\n%s", h.m.Offering(), h.m.Busy(), h.view())
	}
	h.d.Press("enter", "enter")
	if docs := h.m.Input().Documents; len(docs) != 1 || docs[0].Name != "faxscan.pdf" {
		t.Fatalf("enter, enter: %+v\n%s", docs, h.view())
	}
}

// Tab, shift+tab and ctrl+s (ValidateAll) answer nothing while the
// scan-rename question is open: leaving would drop the scan unseen and the
// review would show the referral without it. The question stays, with a
// note saying the scan is not attached until it is answered.
func TestLeavingTheRenameQuestionIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "faxscan"), []byte("%PDF-1.4 scan"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, dir)
	h.d.Run(h.m.FocusField(FieldDocuments))
	h.d.Settle()
	h.d.Press("enter")
	for _, k := range []string{"tab", "shift+tab"} {
		h.d.Press(k)
		if !h.m.Offering() || h.m.Focus() != FieldDocuments || !strings.Contains(h.view(), "faxscan is not attached yet") {
			t.Fatalf("%s: offering %v, focus %d\n%s", k, h.m.Offering(), h.m.Focus(), h.view())
		}
	}
	msg, _ := h.m.ValidateAll()
	if !strings.Contains(msg, "faxscan is not attached yet") || !h.m.Offering() {
		t.Fatalf("ctrl+s: %q, offering %v", msg, h.m.Offering())
	}
	for _, b := range h.m.ShortHelp() {
		if b.Help().Key == "tab" || b.Help().Key == "ctrl+s" {
			t.Fatalf("help offers %s on the question", b.Help().Key)
		}
	}
	h.d.Press("y")
	if docs := h.m.Input().Documents; len(docs) != 1 || docs[0].Name != "faxscan.pdf" || strings.Contains(h.view(), "not attached yet") {
		t.Fatalf("y: %+v\n%s", docs, h.view())
	}
}
