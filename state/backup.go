package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// BackupReport says what a backup holds.
type BackupReport struct {
	Path      string
	Bytes     int64
	Schema    int
	Referrals int
	Drafts    int
}

// SchemaVersion is the store schema this refdesk writes (PRAGMA
// user_version after migrating).
func SchemaVersion() int { return len(migrations) }

// Backup copies the SQLite store at src to dst while other processes may
// be writing it (a running `refdesk serve`): VACUUM INTO reads one
// consistent snapshot, WAL included, so the copy is never half a
// transaction. The copy is written to a 0600 temporary file beside dst,
// checked with PRAGMA integrity_check and the schema version, synced, and
// only then renamed to dst; a failed backup leaves no file behind. dst is
// replaced if it exists.
func Backup(ctx context.Context, src, dst string) (BackupReport, error) {
	if _, err := os.Stat(src); err != nil {
		return BackupReport{}, fmt.Errorf("no database to back up at %s: %w", src, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return BackupReport{}, fmt.Errorf("cannot write the backup in %s: %w", filepath.Dir(dst), err)
	}
	tmpPath := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmpPath)
			os.Remove(tmpPath + "-journal")
		}
	}()
	// CreateTemp makes the file 0600 already; say so in case that changes.
	if err := errors.Join(tmp.Chmod(0o600), tmp.Close()); err != nil {
		return BackupReport{}, err
	}
	// Not query_only: SQLite counts VACUUM INTO as a write. Nothing here
	// writes to src.
	db, err := sql.Open("sqlite", sqliteURL(src)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupReport{}, err
	}
	defer db.Close()
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return BackupReport{}, fmt.Errorf("%s is not a refdesk database: %w", src, err)
	}
	if v == 0 {
		return BackupReport{}, fmt.Errorf("%s holds no refdesk schema (is it the right file?)", src)
	}
	// VACUUM INTO writes into an empty file; the temporary one is empty.
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmpPath); err != nil {
		return BackupReport{}, fmt.Errorf("copying %s: %w", src, err)
	}
	rep, err := Verify(ctx, tmpPath)
	if err != nil {
		return BackupReport{}, fmt.Errorf("the copy failed its check, nothing was kept: %w", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return BackupReport{}, err
	}
	if err := os.Rename(tmpPath, dst); err != nil {
		return BackupReport{}, fmt.Errorf("cannot put the backup at %s: %w", dst, err)
	}
	ok = true
	_ = syncDir(filepath.Dir(dst))
	rep.Path = dst
	return rep, nil
}

// Verify opens the SQLite file at path read-only and checks it: PRAGMA
// integrity_check must answer "ok", and its schema must be one this refdesk
// knows. It counts the referrals and drafts it holds.
func Verify(ctx context.Context, path string) (BackupReport, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return BackupReport{}, err
	}
	db, err := sql.Open("sqlite", sqliteURL(path)+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupReport{}, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return BackupReport{}, err
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return BackupReport{}, err
		}
		problems = append(problems, s)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return BackupReport{}, err
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return BackupReport{}, fmt.Errorf("integrity_check: %s", strings.Join(problems, "; "))
	}
	rep := BackupReport{Path: path, Bytes: fi.Size()}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&rep.Schema); err != nil {
		return BackupReport{}, err
	}
	if rep.Schema < 1 || rep.Schema > len(migrations) {
		return BackupReport{}, fmt.Errorf("schema version %d; this refdesk knows 1 to %d", rep.Schema, len(migrations))
	}
	if err := db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM referrals), (SELECT count(*) FROM drafts)").
		Scan(&rep.Referrals, &rep.Drafts); err != nil {
		return BackupReport{}, err
	}
	return rep, nil
}

func sqliteURL(path string) string { return "file:" + (&url.URL{Path: path}).EscapedPath() }

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// syncDir makes a rename durable; some systems (Windows) cannot sync a
// folder, which is not an error worth failing a backup for.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
