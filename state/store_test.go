package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenCreatesPrivateFileAndFolder(t *testing.T) {
	skipOnPostgres(t, "file and folder permissions")
	dir := filepath.Join(t.TempDir(), "refdesk")
	p := filepath.Join(dir, "refdesk.db")
	d := openTest(t, Options{Path: p})
	_ = outbox(t, d, sampleInput()) // make SQLite write the WAL too
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{dir, 0o700}, {p, 0o600}, {p + "-wal", 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatalf("stat %s: %v", c.path, err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(c.path), got, c.want)
		}
	}
}

func TestOpenNarrowsAnExistingFileTo0600(t *testing.T) {
	skipOnPostgres(t, "file permissions")
	p := filepath.Join(t.TempDir(), "refdesk.db")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	openTest(t, Options{Path: p})
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
}

func TestReopenKeepsDataAndSchemaVersion(t *testing.T) {
	p := filepath.Join(t.TempDir(), "refdesk.db")
	ctx := context.Background()
	d, err := Open(ctx, testOptions(t, Options{Path: p}))
	if err != nil {
		t.Fatal(err)
	}
	if d.st.before != 0 {
		t.Errorf("a new store's version before migrating: %d, want 0", d.st.before)
	}
	if err := d.SaveDraft(ctx, "amy", sampleInput()); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d = openTest(t, Options{Path: p})
	v, err := d.st.version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(migrations) || d.st.before != len(migrations) {
		t.Errorf("schema version %d (before %d), want %d", v, d.st.before, len(migrations))
	}
	in, _, ok, err := d.LoadDraft(ctx, "amy")
	if err != nil || !ok || in.Reason != sampleInput().Reason {
		t.Errorf("draft after reopen: %+v ok=%v err=%v", in, ok, err)
	}
	if onPostgres() {
		return
	}
	var mode string
	if err := d.st.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v), want wal", mode, err)
	}
}

// A second process (here a second Desk, as `refdesk referrals` would open
// it) reads while the first writes, and cannot write.
func TestReadOnlySecondOpener(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "refdesk.db")
	if _, err := Open(ctx, testOptions(t, Options{Path: p, ReadOnly: true})); err == nil {
		t.Fatal("read-only open of a missing store succeeded")
	}
	rw := openTest(t, Options{Path: p})
	ro := openTest(t, Options{Path: p, ReadOnly: true})
	id := outbox(t, rw, sampleInput())
	refs, err := ro.Referrals(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs[0].ID != id || refs[0].Status != Submitting {
		t.Fatalf("reader sees %+v", refs)
	}
	if err := ro.SaveDraft(ctx, "amy", sampleInput()); !errors.Is(err, ErrReadOnly) {
		t.Errorf("SaveDraft on read-only: %v, want ErrReadOnly", err)
	}
	if err := ro.ApplyEvent(ctx, event("e1", "referral.created", "1", eventData("x"))); !errors.Is(err, ErrReadOnly) {
		t.Errorf("ApplyEvent on read-only: %v, want ErrReadOnly", err)
	}
	// The reader did not turn the writer's in-flight Submitting into Unknown.
	r, _ := mustGet(t, rw, id)
	if r.Status != Submitting {
		t.Errorf("status %s after a reader opened, want submitting", r.Status)
	}
}

func TestDrafts(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	if _, _, ok, err := d.LoadDraft(ctx, "amy"); ok || err != nil {
		t.Fatalf("empty store has a draft: ok=%v err=%v", ok, err)
	}
	a := sampleInput()
	a.Documents = []DocumentRef{{Name: "note.pdf", Path: "/tmp/note.pdf", Size: 42}}
	b := sampleInput()
	b.Reason = "Dermatology referral"
	if err := d.SaveDraft(ctx, "amy", sampleInput()); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveDraft(ctx, "amy", a); err != nil { // replaces
		t.Fatal(err)
	}
	if err := d.SaveDraft(ctx, "bob", b); err != nil {
		t.Fatal(err)
	}
	got, at, ok, err := d.LoadDraft(ctx, "amy")
	if err != nil || !ok || at.IsZero() {
		t.Fatalf("LoadDraft amy: ok=%v at=%v err=%v", ok, at, err)
	}
	if len(got.Documents) != 1 || got.Documents[0] != a.Documents[0] || got.Reason != a.Reason {
		t.Errorf("amy's draft = %+v, want %+v", got, a)
	}
	if err := d.DiscardDraft(ctx, "amy"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := d.LoadDraft(ctx, "amy"); ok {
		t.Error("amy's draft survived DiscardDraft")
	}
	if got, _, ok, _ := d.LoadDraft(ctx, "bob"); !ok || got.Reason != b.Reason {
		t.Errorf("bob's draft = %+v ok=%v", got, ok)
	}
}

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	if err := d.Audit(ctx, "amy", "login", "session 1"); err != nil {
		t.Fatal(err)
	}
	if err := d.Audit(ctx, "bob", "sync", ""); err != nil {
		t.Fatal(err)
	}
	log, err := d.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].User != "bob" || log[1].Action != "login" || log[1].Detail != "session 1" {
		t.Errorf("audit log = %+v", log)
	}
}

// Paths with spaces and URI characters open as the same file in both modes.
func TestOpenOddPath(t *testing.T) {
	skipOnPostgres(t, "file paths")
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "my data #1?x", "ref desk.db")
	d := openTest(t, Options{Path: p})
	outbox(t, d, sampleInput())
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	ro := openTest(t, Options{Path: p, ReadOnly: true})
	if refs, err := ro.Referrals(ctx, Filter{}); err != nil || len(refs) != 1 {
		t.Fatalf("reader: %v %v", refs, err)
	}
}
