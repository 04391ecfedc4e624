package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"

	_ "modernc.org/sqlite" // the "sqlite" driver (pure Go)
)

// ErrReadOnly is returned by every write on a Desk opened with ReadOnly.
var ErrReadOnly = errors.New("the referral store is open read-only")

// store holds the connection pools. On SQLite, two pools over one file: a
// single writer connection (SQLite allows one writer; one connection means
// writes in this process queue in Go instead of failing with SQLITE_BUSY)
// and a pool of readers (WAL lets them read while the writer writes); a
// second process shares the file through busy_timeout and BEGIN
// IMMEDIATE. On PostgreSQL (pg), w and r are one pool (engine.go).
type store struct {
	w  *sql.DB // nil when read-only
	r  *sql.DB
	ro bool
	pg bool
	// before is the schema version found at open, before migrating (0:
	// a new store).
	before int
	// retries counts write transactions run again (PostgreSQL).
	retries atomic.Int64
}

// openStore opens the store opt names: the PostgreSQL database at
// opt.DatabaseURL, else the SQLite file at opt.Path; it is migrated unless
// read-only.
func openStore(ctx context.Context, opt Options) (*store, error) {
	if opt.DatabaseURL != "" {
		if !isPostgresURL(opt.DatabaseURL) {
			return nil, errors.New("state: the database URL must start with postgres:// or postgresql:// (leave it unset to use the SQLite file in the data folder)")
		}
		return openPostgresStore(ctx, opt.DatabaseURL, opt.ReadOnly)
	}
	return openSQLite(ctx, opt.Path, opt.ReadOnly)
}

// openPostgresStore opens one pool on the database, migrating it unless
// read-only (a read-only store is never written, not even its schema).
func openPostgresStore(ctx context.Context, url string, readOnly bool) (*store, error) {
	db, err := openPostgres(url, readOnly)
	if err != nil {
		return nil, err
	}
	s := &store{r: db, ro: readOnly, pg: true}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: cannot reach the PostgreSQL database: %w", err)
	}
	if !readOnly {
		s.w = db
		if s.before, err = s.migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := s.checkVersion(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openSQLite opens (creating with mode 0600 in a 0700 folder, and migrating
// unless readOnly) the SQLite file at path.
func openSQLite(ctx context.Context, path string, readOnly bool) (*store, error) {
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
		// The writer creates the WAL before any reader opens the file.
		if s.before, err = s.migrate(ctx); err != nil {
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

// engine names the store's engine for logs and messages.
func (s *store) engine() string {
	if s.pg {
		return "postgresql"
	}
	return "sqlite"
}

func (s *store) close() error {
	var err error
	if s.w != nil {
		err = s.w.Close()
	}
	if s.r != nil && s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// write runs fn in one write transaction: BEGIN IMMEDIATE on SQLite; on
// PostgreSQL a SERIALIZABLE transaction, run again from the start (fn
// included) when the database aborts it as a serialization failure or a
// deadlock, up to writeRetries times. fn must therefore be safe to run
// more than once: it resets whatever it captures, and does nothing outside
// tx (no publishing, no network) until write returns.
func (s *store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeOn(ctx, nil, fn)
}

// beginner is what *sql.DB and *sql.Conn share.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// writeOn is write on connection on (nil: the writer pool).
func (s *store) writeOn(ctx context.Context, on beginner, fn func(tx *sql.Tx) error) error {
	if s.ro {
		return ErrReadOnly
	}
	if on == nil {
		on = s.w
	}
	if !s.pg {
		return writeOnce(ctx, on, nil, fn)
	}
	opts := &sql.TxOptions{Isolation: sql.LevelSerializable}
	for try := 0; ; try++ {
		err := writeOnce(ctx, on, opts, fn)
		if err == nil || !retryable(err) || try >= writeRetries {
			return err
		}
		if perr := retryPause(ctx, try); perr != nil {
			return err
		}
		s.retries.Add(1)
	}
}

func writeOnce(ctx context.Context, on beginner, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := on.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
