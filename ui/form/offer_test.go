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
