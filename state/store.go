package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" driver (pure Go)
)

// ErrReadOnly is returned by every write on a Desk opened with ReadOnly.
var ErrReadOnly = errors.New("the referral store is open read-only")

// store holds the two connection pools over one SQLite file: a single
// writer connection (SQLite allows one writer; one connection means writes
// in this process queue in Go instead of failing with SQLITE_BUSY) and a
// pool of readers (WAL lets them read while the writer writes). A second
// process shares the file through busy_timeout and BEGIN IMMEDIATE.
type store struct {
	w  *sql.DB // nil when read-only
	r  *sql.DB
	ro bool
	// before is the schema version found at open, before migrating (0:
	// a new file).
	before int
}

// openStore opens (creating with mode 0600 in a 0700 folder, and migrating
// unless readOnly) the SQLite file at path.
func openStore(ctx context.Context, path string, readOnly bool) (*store, error) {
	if path == "" {
		return nil, errors.New("state: no store path given")
	}
	if !readOnly {
		if err := prepareFile(path); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("state: the referral store cannot be read: %w", err)
	}
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?"
	s := &store{ro: readOnly}
	var err error
	if readOnly {
		s.r, err = sql.Open("sqlite", u+"mode=ro&"+common)
		if err != nil {
			return nil, err
		}
	} else {
		s.w, err = sql.Open("sqlite", u+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		if err != nil {
			return nil, err
		}
		s.w.SetMaxOpenConns(1)
		s.w.SetConnMaxIdleTime(0)
		if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&s.before); err != nil {
			s.w.Close()
			return nil, fmt.Errorf("state: reading the store's schema version: %w", err)
		}
		// The writer creates the WAL before any reader opens the file.
		if err := migrate(ctx, s.w); err != nil {
			s.w.Close()
			return nil, err
		}
		s.r, err = sql.Open("sqlite", u+common+"&_pragma=query_only(1)")
		if err != nil {
			s.w.Close()
			return nil, err
		}
	}
	s.r.SetMaxOpenConns(8)
	if err := s.checkVersion(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// prepareFile creates the folder (0700) and the file (0600) before SQLite
// does, so neither is ever readable by others; an existing file is narrowed
// to 0600.
func prepareFile(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("state: creating the data folder: %w", err)
		}
		// MkdirAll is subject to the umask; make the leaf exactly 0700.
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("state: creating the referral store: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

func (s *store) checkVersion(ctx context.Context) error {
	var v int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("state: reading the store's schema version: %w", err)
	}
	if v != len(migrations) {
		return fmt.Errorf("state: the store's schema is version %d, this refdesk expects %d (open it once read-write with this version)", v, len(migrations))
	}
	return nil
}

func (s *store) close() error {
	var err error
	if s.w != nil {
		err = s.w.Close()
	}
	if s.r != nil {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// write runs fn in one write transaction (BEGIN IMMEDIATE).
func (s *store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.ro {
		return ErrReadOnly
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
