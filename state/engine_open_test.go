package state

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"refdesk/internal/testkit"
)

// A store at schema 1 (an older refdesk's) is migrated at start with one
// clear log line, and keeps what it held.
func TestOpenMigratesAnOlderSchema(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "refdesk.db")
	opt := testOptions(t, Options{Path: p})
	var st *store
	var err error
	if onPostgres() {
		st = &store{pg: true}
		st.w, err = openPostgres(opt.DatabaseURL, false)
		if err == nil {
			_, err = st.w.ExecContext(ctx, `CREATE TABLE schema_version (
				one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), version INTEGER NOT NULL);
				INSERT INTO schema_version (version) VALUES (1);`+pgMigrations[0])
		}
	} else {
		st, err = openSQLite(ctx, p, false) // at the current schema: roll it back to 1
		if err == nil {
			st.close()
			st = &store{}
			st.w, err = sql.Open("sqlite", "file:"+p)
		}
		if err == nil {
			_, err = st.w.ExecContext(ctx, "DROP TABLE drafts_held; DROP TABLE changes; DROP TABLE leases; DROP TABLE sync_state; PRAGMA user_version = 1")
		}
	}
	if err == nil {
		_, err = st.w.ExecContext(ctx, `INSERT INTO drafts ("user", input, saved_at) VALUES ('amy', '{"reason":"kept"}', 1)`)
	}
	if err != nil {
		t.Fatal(err)
	}
	st.w.Close()

	var logs bytes.Buffer
	opt.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	d, err := Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if want := fmt.Sprintf("database schema migrated from 1 to %d", len(migrations)); !strings.Contains(logs.String(), want) {
		t.Errorf("log %q lacks %q", logs.String(), want)
	}
	if v, err := d.st.version(ctx); err != nil || v != len(migrations) {
		t.Errorf("schema version %d (%v), want %d", v, err, len(migrations))
	}
	if in, _, ok, err := d.LoadDraft(ctx, "amy"); err != nil || !ok || in.Reason != "kept" {
		t.Errorf("draft after migrating: %+v %v %v", in, ok, err)
	}
	if err := d.HoldDraft(ctx, "amy"); err != nil { // a table of migration 2
		t.Errorf("HoldDraft after migrating: %v", err)
	}
}

// Several processes (nodes) starting at once on a new store migrate it
// once: every one opens, and exactly one found it empty.
func TestOpenTogetherMigratesOnce(t *testing.T) {
	p := filepath.Join(t.TempDir(), "refdesk.db")
	opt := testOptions(t, Options{Path: p})
	const n = 4
	var wg sync.WaitGroup
	desks := make([]*Desk, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			desks[i], errs[i] = Open(context.Background(), opt)
		}()
	}
	wg.Wait()
	fresh := 0
	for i, d := range desks {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		defer d.Close()
		switch d.st.before {
		case 0:
			fresh++
		case len(migrations):
		default:
			t.Errorf("Open %d found schema %d", i, d.st.before)
		}
	}
	if fresh != 1 {
		t.Errorf("%d opens migrated a new store, want 1", fresh)
	}
}

// A read-only store reads, refuses every write (the server too, on
// PostgreSQL), and never creates or migrates a schema.
func TestReadOnlyNeverWrites(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "refdesk.db")
	opt := testOptions(t, Options{Path: p})
	ro := opt
	ro.ReadOnly = true
	if _, err := Open(ctx, ro); err == nil || !strings.Contains(err.Error(), "version 0") && !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("read-only open of an empty store: %v", err)
	}
	rw := openTest(t, Options{Path: p})
	id := outbox(t, rw, sampleInput())
	r := openTest(t, Options{Path: p, ReadOnly: true})
	if refs, err := r.Referrals(ctx, Filter{}); err != nil || len(refs) != 1 || refs[0].ID != id {
		t.Fatalf("reader: %+v %v", refs, err)
	}
	if err := r.SaveDraft(ctx, "amy", sampleInput()); !errors.Is(err, ErrReadOnly) {
		t.Errorf("SaveDraft: %v, want ErrReadOnly", err)
	}
	if _, err := r.st.r.ExecContext(ctx, `INSERT INTO drafts ("user", input, saved_at) VALUES ('x', '{}', 1)`); err == nil {
		t.Error("the read-only pool wrote a row")
	}
}

// A database URL that is not PostgreSQL's, or a server that does not
// answer, is refused with a message saying what to do, never the password.
func TestOpenBadDatabaseURL(t *testing.T) {
	ctx := context.Background()
	for url, want := range map[string]string{
		"mysql://u:secret@h/db":                              "must start with postgres://",
		"postgres://u:secret@127.0.0.1:1/db?sslmode=disable": "cannot reach the PostgreSQL database",
		"postgres://u:secret@[::1/db":                        "not a valid PostgreSQL URL",
	} {
		_, err := Open(ctx, Options{DatabaseURL: url})
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q): %v, want %q and no password", url, err, want)
		}
	}
}

// A PostgreSQL write aborted as a serialization failure runs again, whole;
// any other error is returned at once.
func TestWriteRetriesSerializationFailures(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: SQLite has one writer and never retries")
	}
	ctx := context.Background()
	d := openTest(t, Options{})
	runs := 0
	err := d.st.write(ctx, func(tx *sql.Tx) error {
		runs++
		if err := audit(ctx, tx, time.Now(), "test", "retry", fmt.Sprint(runs)); err != nil {
			return err
		}
		if runs < 3 {
			return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40001"})
		}
		return nil
	})
	if err != nil || runs != 3 {
		t.Fatalf("write: %v after %d runs, want nil after 3", err, runs)
	}
	log, err := d.AuditLog(ctx, 10)
	if err != nil || len(log) != 1 || log[0].Detail != "3" {
		t.Errorf("audit %+v (%v): want only the third run's row", log, err)
	}
	runs = 0
	boom := errors.New("boom")
	if err := d.st.write(ctx, func(*sql.Tx) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
		t.Errorf("a plain error: %v after %d runs, want boom after 1", err, runs)
	}
	runs = 0
	err = d.st.write(ctx, func(*sql.Tx) error { runs++; return &pgconn.PgError{Code: "40P01"} })
	if !retryable(err) || runs != writeRetries+1 {
		t.Errorf("a deadlock every time: %v after %d runs, want it returned after %d", err, runs, writeRetries+1)
	}
}

// refdesk's sessions keep the server's flush per commit (a referral
// written is on disk); only a webhook event's transaction skips it, and a
// URL may still set synchronous_commit itself.
func TestSynchronousCommit(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: runs in the PostgreSQL run of this suite")
	}
	ctx := context.Background()
	base := testkit.Postgres(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	for _, c := range []struct{ url, want string }{{base, "on"}, {u.String(), "off"}} {
		db, err := openPostgres(c.url, false)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&got)
		db.Close()
		if err != nil || got != c.want {
			t.Errorf("%s: synchronous_commit %q (%v), want %q", c.url, got, err, c.want)
		}
	}
	d := openTest(t, Options{DatabaseURL: base})
	var inEvent, inOther string
	if err := d.st.write(ctx, func(tx *sql.Tx) error {
		if err := d.st.relaxCommit(ctx, tx); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&inEvent)
	}); err != nil {
		t.Fatal(err)
	}
	if err := d.st.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&inOther)
	}); err != nil {
		t.Fatal(err)
	}
	if inEvent != "off" || inOther != "on" {
		t.Errorf("synchronous_commit %q in an event's transaction (want off), %q in the next one (want on)", inEvent, inOther)
	}
}
