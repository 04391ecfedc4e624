package hostile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"refdesk/api"
	"refdesk/state"
)

func writeDoc(t *testing.T, dir, name string, size int64) state.DocumentRef {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if size > 0 {
		if _, err := f.WriteString("%PDF-"); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil { // sparse past the first bytes
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return state.DocumentRef{Name: name, Path: p, Size: size}
}

// 100 documents travel in one request and are all attached.
func TestReferralWithAHundredDocuments(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	in := e.input()
	for i := range 100 {
		in.Documents = append(in.Documents, writeDoc(t, dir, "scan-"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".pdf", int64(100+i)))
	}
	r, err := e.desk.Submit(e.ctx, "front1", in)
	if err != nil {
		t.Fatal(err)
	}
	r, _ = e.waitTerminal(r.ID)
	if r.Status != "completed" || r.DocumentsAttached == nil || *r.DocumentsAttached != 100 {
		t.Fatalf("status %s, attached %v, want completed with 100", r.Status, r.DocumentsAttached)
	}
	if n := e.posts.Load(); n != 1 {
		t.Fatalf("%d POSTs for one referral", n)
	}
}

// An empty file, a file without an extension and a 30 MB file are refused
// before anything is sent or stored, each with its own message.
func TestRefusedDocumentsNeverLeave(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	good := writeDoc(t, dir, "letter.pdf", 2000)
	for _, c := range []struct {
		what string
		doc  state.DocumentRef
		want string
	}{
		{"0-byte file", writeDoc(t, dir, "empty.pdf", 0), api.ContentMessage(1)},
		{"no extension", writeDoc(t, dir, "README", 10), api.FilenameMessage(1)},
		{"only an extension", writeDoc(t, dir, ".pdf", 10), api.FilenameMessage(1)},
		{"30 MB file", writeDoc(t, dir, "mri.dcm", 30_000_000), "over Cobalt's 25 MB limit by"},
	} {
		in := e.input()
		in.Documents = []state.DocumentRef{good, c.doc}
		if err := e.desk.Check(in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check = %v, want %q", c.what, err, c.want)
		}
		_, err := e.desk.Submit(e.ctx, "front1", in)
		var ve *api.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Message, c.want) {
			t.Errorf("%s: Submit = %v, want a ValidationError with %q", c.what, err, c.want)
		}
	}
	if n := e.posts.Load(); n != 0 {
		t.Fatalf("%d refused referrals were sent", n)
	}
	if list, err := e.desk.Referrals(e.ctx, state.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("refused referrals were stored: %d (%v)", len(list), err)
	}
	// The 30 MB message says by how much, in the user's units.
	in := e.input()
	in.Documents = []state.DocumentRef{writeDoc(t, dir, "big.pdf", 30_000_000)}
	if err := e.desk.Check(in); err == nil || !strings.Contains(err.Error(), "The request is 40.0 MB") {
		t.Errorf("30 MB file: %v", err)
	}
}
