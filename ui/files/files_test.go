package files

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/ui/internal/uitest"
	"refdesk/ui/theme"
)

type harness struct {
	t   *testing.T
	m   Model
	d   *uitest.Driver
	dir string
}

func newHarness(t *testing.T, dir string, confine bool) *harness {
	st := theme.New(false, true)
	keys := theme.DefaultKeys()
	h := &harness{t: t, m: New(dir, confine, &st, &keys), dir: dir}
	h.m.SetHeight(20)
	h.d = uitest.New(t, func(msg tea.Msg) tea.Cmd {
		var cmd tea.Cmd
		h.m, cmd = h.m.Update(msg)
		return cmd
	})
	return h
}

func write(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if size > 0 {
		head := "%PDF-1.4\n"
		switch filepath.Ext(path) {
		case ".png":
			head = "\x89PNG\r\n\x1a\n"
		case ".txt", "":
			head = "plain text\n"
		}
		if _, err := f.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
}

// choose opens the picker in the folder shown and picks name: it moves the
// cursor down to the row that shows name, as a person would.
func (h *harness) choose(name string) {
	h.t.Helper()
	if !h.m.Picking() {
		h.d.Press("a")
	}
	i := -1
	for k, r := range h.m.br.rows {
		if h.m.br.all[r].name == name {
			i = k
		}
	}
	if i < 0 {
		h.t.Fatalf("%q is not listed", name)
	}
	h.d.Press("home")
	for ; i > 0; i-- {
		h.d.Press("down")
	}
	h.d.Press("enter")
}

func TestDocumentsAddRefuseRemoveAndTotal(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "consult-note.pdf"), 120_000)
	write(t, filepath.Join(dir, "labs.png"), 30_000)
	write(t, filepath.Join(dir, "noext"), 100)
	write(t, filepath.Join(dir, "empty.pdf"), 0)
	h := newHarness(t, dir, false)
	h.m.SetBase(200)

	h.choose("consult-note.pdf")
	if docs := h.m.Docs(); len(docs) != 1 || docs[0].Size != 120_000 || docs[0].Name != "consult-note.pdf" {
		t.Fatalf("docs = %+v", docs)
	}
	h.choose("noext")
	if got := h.m.Message(); !strings.HasPrefix(got, api.FilenameMessage(1)) {
		t.Fatalf("no-extension message = %q", got)
	}
	h.choose("empty.pdf")
	if got := h.m.Message(); !strings.HasPrefix(got, api.ContentMessage(1)) {
		t.Fatalf("empty message = %q", got)
	}
	h.choose("labs.png")
	if n := len(h.m.Docs()); n != 2 {
		t.Fatalf("docs = %d", n)
	}
	want := int64(200) + int64(len(`,"documents":[]`)) +
		int64(len(`{"filename":"consult-note.pdf","content_base64":""}`)) + api.Base64Len(120_000) +
		int64(len(`,{"filename":"labs.png","content_base64":""}`)) + api.Base64Len(30_000)
	if got := h.m.BodySize(); got != want {
		t.Fatalf("BodySize = %d, want %d", got, want)
	}
	v := uitest.Plain(h.m.View(80, true))
	for _, s := range []string{"consult-note.pdf  120.0 kB", "labs.png  30.0 kB", "Request " + api.HumanBytes(want) + " of 25.0 MB", "[", "0%"} {
		if !strings.Contains(v, s) {
			t.Errorf("view lacks %q:\n%s", s, v)
		}
	}
	// The same file again is refused, and the note goes with the next key.
	h.choose("labs.png")
	if got := h.m.Message(); got != "labs.png is already attached." || len(h.m.Docs()) != 2 {
		t.Fatalf("attaching twice: message %q, %d docs", got, len(h.m.Docs()))
	}
	h.d.Press("esc")
	if got := h.m.Message(); got != "" {
		t.Fatalf("after the next key the message is still %q", got)
	}
	// Remove the highlighted (last added) file.
	h.d.Press("d")
	if docs := h.m.Docs(); len(docs) != 1 || docs[0].Name != "consult-note.pdf" {
		t.Fatalf("after remove: %+v", docs)
	}
	if got := h.m.Message(); got != "Removed labs.png." {
		t.Fatalf("after remove: message %q", got)
	}
}

func TestDocumentsTwentyFiveMegabyteLimit(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a-scan.pdf"), 12_000_000) // 16 MB encoded
	write(t, filepath.Join(dir, "b-scan.pdf"), 7_000_000)  // 9.33 MB encoded: over together
	write(t, filepath.Join(dir, "c-small.pdf"), 5_000_000) // 6.67 MB: fits with a
	h := newHarness(t, dir, false)
	h.m.SetBase(300)
	h.choose("a-scan.pdf")
	h.choose("b-scan.pdf")
	if n := len(h.m.Docs()); n != 1 {
		t.Fatalf("the file over the limit was kept: %d docs", n)
	}
	msg := h.m.Message()
	if !strings.Contains(msg, "over Cobalt's 25 MB limit") {
		t.Fatalf("message = %q", msg)
	}
	h.d.Press("esc")
	h.choose("c-small.pdf")
	if n := len(h.m.Docs()); n != 2 {
		t.Fatalf("a file that fits was refused: %q", h.m.Message())
	}
	if total := h.m.BodySize(); total > api.MaxRequestBytes || total < 22_000_000 {
		t.Fatalf("total %d", total)
	}
	if v := uitest.Plain(h.m.View(80, true)); !strings.Contains(v, "of 25.0 MB") || !strings.Contains(v, "█") {
		t.Fatalf("no bar:\n%s", v)
	}
}

func TestConfinedNeverLeavesTheDocumentsFolder(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "docs")
	write(t, filepath.Join(root, "inside.pdf"), 10)
	write(t, filepath.Join(base, "secret", "outside.pdf"), 10)
	if err := os.Symlink(filepath.Join(base, "secret"), filepath.Join(root, "link-out")); err != nil {
		t.Skip("no symlinks:", err)
	}
	if err := os.Symlink(filepath.Join(base, "secret", "outside.pdf"), filepath.Join(root, "zz-out.pdf")); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, root, true)
	h.d.Press("a")
	h.d.Press("left") // up a folder from the root: refused
	if h.m.br.dir != h.m.root {
		t.Fatalf("left the root: %s", h.m.br.dir)
	}
	if !strings.Contains(h.m.Message(), "documents folder") {
		t.Fatalf("message = %q", h.m.Message())
	}
	h.choose("link-out") // a symlinked folder pointing outside: refused
	if h.m.br.dir != h.m.root {
		t.Fatalf("followed a symlink out: %s", h.m.br.dir)
	}
	h.choose("zz-out.pdf") // a symlinked file pointing outside: refused
	if len(h.m.Docs()) != 0 {
		t.Fatalf("attached a file outside: %+v", h.m.Docs())
	}
	h.choose("inside.pdf")
	if len(h.m.Docs()) != 1 {
		t.Fatalf("inside file refused: %q", h.m.Message())
	}

	// Not confined (a local desk), the same picker may go up.
	h2 := newHarness(t, root, false)
	h2.d.Press("a", "left")
	if h2.m.br.dir == h2.m.root {
		t.Fatalf("unconfined picker could not go up")
	}
}

func TestCheckRereadsFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "note.txt")
	write(t, p, 50)
	h := newHarness(t, dir, false)
	h.choose("note.txt")
	if msg := h.m.Check(); msg != "" {
		t.Fatalf("Check = %q", msg)
	}
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	if msg := h.m.Check(); !strings.HasPrefix(msg, api.ContentMessage(0)) {
		t.Fatalf("Check after emptying = %q", msg)
	}
	os.Remove(p)
	if msg := h.m.Check(); !strings.Contains(msg, "can no longer be read") || strings.Contains(msg, dir) {
		t.Fatalf("Check after removal = %q", msg)
	}
}

// TestScanFixedInPlace: a file whose name lacks the type its content
// shows is offered under the right name (the file on disk keeps its own);
// content of no known type without an extension is still refused.
func TestScanFixedInPlace(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"faxscan": "%PDF-1.7\n", "photo.pdf": "\xff\xd8\xff\xe0JFIF", "page.txt": "II*\x00tiff",
		"notes": "hello", "scan.11.29": "%PDF-1.4"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content+strings.Repeat("x", 100)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, dir, false)
	h.choose("faxscan")
	if got := h.m.Message(); got != "faxscan looks like a PDF: send it as faxscan.pdf? (the file on disk is not renamed)" {
		t.Fatalf("offer = %q", got)
	}
	if !h.m.Offering() || len(h.m.Docs()) != 0 {
		t.Fatal("attached before the answer")
	}
	h.d.Press("y")
	docs := h.m.Docs()
	if len(docs) != 1 || docs[0].Name != "faxscan.pdf" || docs[0].Path != filepath.Join(dir, "faxscan") {
		t.Fatalf("docs = %+v", docs)
	}
	if _, err := os.Stat(filepath.Join(dir, "faxscan")); err != nil {
		t.Fatalf("the file on disk was renamed: %v", err)
	}
	for name, want := range map[string]string{"photo.pdf": "photo.jpg", "page.txt": "page.tiff", "scan.11.29": "scan.11.29.pdf"} {
		h.choose(name)
		if !strings.Contains(h.m.Message(), "send it as "+want+"?") {
			t.Fatalf("%s: offer = %q", name, h.m.Message())
		}
		h.d.Press("n")
		if got := h.m.Message(); got != name+" was not attached." || h.m.Offering() || !h.m.Picking() {
			t.Fatalf("%s after n: %q", name, got)
		}
	}
	h.choose("notes")
	if got := h.m.Message(); !strings.HasPrefix(got, api.FilenameMessage(1)) || !strings.Contains(got, "not a PDF, TIFF, PNG or JPEG") {
		t.Fatalf("unknown content without extension: %q", got)
	}
	if n := len(h.m.Docs()); n != 1 {
		t.Fatalf("%d docs", n)
	}
}

// A hurried clerk presses Enter on the question: it does what is
// highlighted, and "Send as …" is highlighted first (the clerk chose the
// file to attach it; sending it under the name its content shows is what
// lets the EHR open it, and the file on disk keeps its name). ←/→ move the
// highlight; a stray key does not answer; the choices are on screen.
func TestScanOfferEnterSendsHighlighted(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"faxscan", "scan2"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("%PDF-1.7\n"+strings.Repeat("x", 100)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, dir, false)
	h.choose("faxscan")
	v := h.m.View(80, true)
	if !strings.Contains(v, h.m.styles.Cursor.Render("▸ Send as faxscan.pdf")) || !strings.Contains(uitest.Plain(v), "Don't attach") ||
		!strings.Contains(uitest.Plain(v), "enter the highlighted choice") {
		t.Fatalf("the choices are not on screen, Send highlighted:\n%q", v)
	}
	h.d.Press("x", "1", "a")
	if !h.m.Offering() || len(h.m.Docs()) != 0 || !strings.Contains(uitest.Plain(h.m.View(80, true)), "▸ Send as faxscan.pdf") {
		t.Fatalf("a stray key answered the question: offering %v, docs %+v", h.m.Offering(), h.m.Docs())
	}
	h.d.Press("enter")
	if docs := h.m.Docs(); len(docs) != 1 || docs[0].Name != "faxscan.pdf" || h.m.Offering() {
		t.Fatalf("enter on the question: docs %+v, message %q", docs, h.m.Message())
	}
	h.choose("scan2")
	h.d.Press("right")
	if v := h.m.View(80, true); !strings.Contains(v, h.m.styles.Cursor.Render("▸ Don't attach")) {
		t.Fatalf("→ does not highlight Don't attach:\n%q", v)
	}
	h.d.Press("enter")
	if n := len(h.m.Docs()); n != 1 || h.m.Message() != "scan2 was not attached." || !h.m.Picking() {
		t.Fatalf("enter on Don't attach: %d docs, message %q, picking %v", n, h.m.Message(), h.m.Picking())
	}
}

// Marked files go on being attached after the question about one of them
// is answered "send"; after "don't attach" the rest stay marked, the
// answer on screen.
func TestMarkedFilesGoOnAfterTheQuestion(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.pdf", "b-scan", "c.pdf"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("%PDF-1.7\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, answer := range []string{"enter", "n"} {
		h := newHarness(t, dir, false)
		h.d.Press("a")
		for _, name := range []string{"a.pdf", "b-scan", "c.pdf"} {
			h.d.Press("home")
			for k, r := range h.m.br.rows {
				if h.m.br.all[r].name == name {
					break
				} else if k == len(h.m.br.rows)-1 {
					t.Fatalf("%s not listed", name)
				}
				h.d.Press("down")
			}
			h.d.Press("space")
		}
		h.d.Press("enter")
		if !h.m.Offering() {
			t.Fatalf("no question for b-scan: %q", h.m.Message())
		}
		h.d.Press(answer)
		var names []string
		for _, d := range h.m.Docs() {
			names = append(names, d.Name)
		}
		got := strings.Join(names, ",") + " | " + h.m.Message()
		want := map[string]string{"enter": "a.pdf,b-scan.pdf,c.pdf | Attached 3 files.",
			"n": "a.pdf | Attached a.pdf (9 B). b-scan was not attached."}[answer]
		if got != want {
			t.Errorf("%s: %q, want %q", answer, got, want)
		}
	}
}

// A marked file that is refused is unmarked with its reason on screen, and
// the rest of the batch goes on: Enter does not retry it forever.
func TestMarkedFileRefusedIsUnmarkedAndTheRestGoOn(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.pdf"), 100)
	write(t, filepath.Join(dir, "b.pdf"), 0)   // empty: refused
	write(t, filepath.Join(dir, "c.pdf"), 100) //
	write(t, filepath.Join(dir, "d"), 100)     // no extension, plain text: refused
	h := newHarness(t, dir, false)
	h.d.Press("a")
	for _, name := range []string{"a.pdf", "b.pdf", "c.pdf", "d"} {
		h.d.Press("home")
		for k, r := range h.m.br.rows {
			if h.m.br.all[r].name == name {
				break
			} else if k == len(h.m.br.rows)-1 {
				t.Fatalf("%s not listed", name)
			}
			h.d.Press("down")
		}
		h.d.Press("space")
	}
	h.d.Press("enter")
	var names []string
	for _, d := range h.m.Docs() {
		names = append(names, d.Name)
	}
	msg := h.m.Message()
	if strings.Join(names, ",") != "a.pdf,c.pdf" || len(h.m.br.marked) != 0 ||
		!strings.HasPrefix(msg, "Attached 2 files.") || !strings.Contains(msg, "b.pdf is empty") ||
		!strings.Contains(msg, "d has no extension") {
		t.Fatalf("docs %v, marked %v, message %q", names, h.m.br.marked, msg)
	}
	if v := strings.Join(strings.Fields(uitest.Plain(h.m.View(100, true))), " "); !strings.Contains(v, "b.pdf is empty") {
		t.Fatalf("reason not on screen:\n%s", v)
	}
}
