package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A backup taken while another connection keeps writing drafts (the WAL holding most of them, never checkpointed into the main
// file) is one consistent copy: 0600, integrity_check ok, and opening it
// as a store shows every referral and draft written before the backup
// began.
func TestBackupWhileWriting(t *testing.T) {
	skipOnPostgres(t, "Backup copies the SQLite file (PostgreSQL is backed up with pg_dump)")
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "data", "refdesk.db")
	d := openTest(t, Options{Path: src})
	for i := range 50 {
		outbox(t, d, sampleInput())
		if err := d.SaveDraft(ctx, fmt.Sprintf("desk-%d", i), sampleInput()); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(src + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("the WAL holds nothing (%v): the test would not show the copy includes it", err)
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; !stop.Load(); n++ {
			if err := d.SaveDraft(ctx, fmt.Sprintf("busy-%d", n), sampleInput()); err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	}()
	dst := filepath.Join(dir, "backups", "copy.db")
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	before := 50 + written.Load()
	rep, err := Backup(ctx, src, dst)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if written.Load() == 0 {
		t.Log("no referral was written during the backup (a quiet run)")
	}
	if rep.Referrals != 50 || rep.Drafts < int(before) || rep.Schema != SchemaVersion() {
		t.Errorf("backup report %+v: want 50 referrals, at least %d drafts, schema %d", rep, before, SchemaVersion())
	}
	if fi, err := os.Stat(dst); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup is %v, want 0600", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left beside the backup: %v", left)
	}

	// The copy opens as a store with everything in it.
	r := openTest(t, Options{Path: dst})
	got, err := r.Referrals(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != rep.Referrals {
		t.Errorf("the restored store lists %d referrals, the backup reported %d", len(got), rep.Referrals)
	}
	for i := range 50 {
		if _, _, ok, err := r.LoadDraft(ctx, fmt.Sprintf("desk-%d", i)); err != nil || !ok {
			t.Errorf("draft of desk-%d not in the copy (%v)", i, err)
		}
	}
}

// A file that is not a sound SQLite database is refused by Verify, and
// Backup of a missing database writes nothing.
func TestBackupRefusesBadInput(t *testing.T) {
	skipOnPostgres(t, "Backup and Verify read SQLite files")
	ctx := context.Background()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(bad, []byte("SQLite format 3\x00 but not really a database, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(ctx, bad); err == nil {
		t.Error("Verify accepted a file that is not a database")
	}
	dst := filepath.Join(dir, "out.db")
	if _, err := Backup(ctx, filepath.Join(dir, "missing.db"), dst); err == nil {
		t.Error("Backup of a missing database succeeded")
	}
	if _, err := Backup(ctx, bad, dst); err == nil {
		t.Error("Backup of a broken database succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
}

// An older refdesk on a newer database refuses to start and says how to
// roll back; the file is left as it was.
func TestOlderRefdeskRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "refdesk.db")
	d := openTest(t, Options{Path: path})
	bump := fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)
	if onPostgres() {
		bump = fmt.Sprintf("UPDATE schema_version SET version = %d", SchemaVersion()+1)
	}
	if _, err := d.st.w.Exec(bump); err != nil {
		t.Fatal(err)
	}
	d.Close()
	for _, ro := range []bool{false, true} {
		_, err := Open(context.Background(), testOptions(t, Options{Path: path, ReadOnly: ro}))
		if err == nil || !strings.Contains(err.Error(), "newer refdesk") || !strings.Contains(err.Error(), "restore the backup taken before the upgrade") {
			t.Fatalf("Open (read-only %v) on a newer schema: %v", ro, err)
		}
	}
	if onPostgres() {
		return // Verify reads SQLite files
	}
	if _, err := Verify(context.Background(), path); err == nil {
		t.Error("Verify accepted a schema this refdesk does not know")
	}
}
