package files

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/ui/internal/uitest"
)

func touch(t *testing.T, path string, size int64, ago time.Duration) {
	t.Helper()
	write(t, path, size)
	at := time.Now().Add(-ago)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// The picker is a scanner inbox: newest first with age and size, the desk's
// own upload inbox on top, Enter attaches the newest at once.
func TestPickerNewestFirstWithAgeAndSize(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "a-old.pdf"), 50_000, 3*time.Hour)
	touch(t, filepath.Join(dir, "b-newest.pdf"), 180_000, 2*time.Minute+5*time.Second)
	touch(t, filepath.Join(dir, "c-middle.pdf"), 1000, 30*time.Minute)
	if err := os.Mkdir(filepath.Join(dir, "archive"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, dir, true)
	h.d.Press("a")
	v := uitest.Plain(h.m.View(80, true))
	iNew, iMid, iOld, iDir := strings.Index(v, "b-newest.pdf"), strings.Index(v, "c-middle.pdf"),
		strings.Index(v, "a-old.pdf"), strings.Index(v, "archive/")
	if iNew < 0 || !(iNew < iMid && iMid < iOld && iOld < iDir) {
		t.Fatalf("not newest first, folders last:\n%s", v)
	}
	for _, want := range []string{"2 min ago · 180.0 kB", "30 min ago · 1.0 kB", "3 h ago · 50.0 kB"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	h.d.Press("enter")
	if d := h.m.Docs(); len(d) != 1 || d[0].Name != "b-newest.pdf" || h.m.Picking() {
		t.Fatalf("Enter did not attach the newest file: %+v picking=%v", d, h.m.Picking())
	}
}

func TestPickerSearchMarksInboxAndSent(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "consult-note.pdf"), 100, time.Hour)
	touch(t, filepath.Join(dir, "labs-march.png"), 100, 2*time.Hour)
	touch(t, filepath.Join(dir, "xray.tif"), 100, 3*time.Hour)
	touch(t, filepath.Join(dir, "inbox", "front1", "scan-0001.pdf"), 100, 5*time.Hour)
	touch(t, filepath.Join(dir, "inbox", "other", "theirs.pdf"), 100, time.Minute)
	h := newHarness(t, dir, true)
	h.m.SetInbox(filepath.Join(dir, "inbox", "front1"))
	sentPath := filepath.Join(dir, "xray.tif")
	h.m.SetSent(func() map[string]bool { return map[string]bool{sentPath: true} })
	h.d.Press("a")
	if e, ok := h.m.br.highlighted(); !ok || e.name != "inbox/scan-0001.pdf" {
		t.Fatalf("the desk's inbox is not first: %+v", e)
	}
	v := uitest.Plain(h.m.View(100, true))
	if strings.Contains(v, "theirs.pdf") {
		t.Fatalf("another desk's inbox file is listed at the top:\n%s", v)
	}
	if !strings.Contains(v, "sent already") || strings.Count(v, "sent already") != 1 {
		t.Fatalf("the sent scan is not marked once:\n%s", v)
	}
	// Typing filters fuzzily by name.
	h.d.Type("lbmr")
	if len(h.m.br.rows) != 1 || h.m.br.all[h.m.br.rows[0]].name != "labs-march.png" {
		t.Fatalf("search lbmr: %d rows", len(h.m.br.rows))
	}
	h.d.Press("backspace", "backspace", "backspace", "backspace")
	if len(h.m.br.rows) != len(h.m.br.all) {
		t.Fatalf("clearing the search left %d of %d rows", len(h.m.br.rows), len(h.m.br.all))
	}
	// Space marks several; Enter attaches the marked ones.
	h.d.Press("home", "space", "space")
	if n := len(h.m.br.marked); n != 2 {
		t.Fatalf("%d marked", n)
	}
	if v := uitest.Plain(h.m.View(100, true)); !strings.Contains(v, "2 marked") || strings.Count(v, "✓") != 2 {
		t.Fatalf("marks not shown:\n%s", v)
	}
	h.d.Press("enter")
	d := h.m.Docs()
	if len(d) != 2 || d[0].Name != "scan-0001.pdf" || d[1].Name != "consult-note.pdf" || h.m.Picking() {
		t.Fatalf("marked files not attached: %+v (%q)", d, h.m.Message())
	}
	// Esc clears a search first, then closes.
	h.d.Press("a")
	h.d.Type("zz")
	h.d.Press("esc")
	if !h.m.Picking() || h.m.br.query != "" {
		t.Fatalf("esc with a search: picking=%v query=%q", h.m.Picking(), h.m.br.query)
	}
}
