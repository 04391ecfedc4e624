package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// migrationLock is the PostgreSQL advisory lock (pg_advisory_xact_lock)
// held while migrating, so two nodes starting at once migrate once. Other
// advisory locks of refdesk must use other keys.
const migrationLock int64 = 0x7265666465736b01 // "refdesk" 01

// errNewer says the store's schema is newer than this refdesk knows.
func errNewer(v int) error {
	return fmt.Errorf("state: the store was written by a newer refdesk (schema %d, this one knows %d): run that refdesk again, or restore the backup taken before the upgrade (README \"Upgrading\")", v, len(migrations))
}

// migrate brings the schema up to date; it returns the version found
// before (0: a new store).
func (s *store) migrate(ctx context.Context) (before int, err error) {
	if s.pg {
		return migratePostgres(ctx, s.w)
	}
	return migrateSQLite(ctx, s.w)
}

// migrateSQLite runs every missing migration in one transaction (BEGIN
// IMMEDIATE: the version is read under the write lock, so two processes
// starting at once migrate once; a failed migration leaves the file as it
// was).
func migrateSQLite(ctx context.Context, db *sql.DB) (before int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("state: reading the schema version: %w", err)
	}
	before = v
	if v > len(migrations) {
		return v, errNewer(v)
	}
	if v == len(migrations) {
		return v, tx.Rollback()
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return before, fmt.Errorf("state: schema migration %d: %w", v+1, err)
		}
	}
	// PRAGMA takes no parameters; v is an int we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return before, err
	}
	if err := tx.Commit(); err != nil {
		return before, fmt.Errorf("state: schema migration to %d: %w", v, err)
	}
	return before, nil
}

// migratePostgres runs every missing migration in one transaction (DDL is
// transactional in PostgreSQL) holding migrationLock: a second node
// starting meanwhile waits, then finds the schema current.
func migratePostgres(ctx context.Context, db *sql.DB) (before int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("state: connecting to the database: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLock); err != nil {
		return 0, fmt.Errorf("state: waiting for the schema lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		one     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
		version INTEGER NOT NULL)`); err != nil {
		return 0, fmt.Errorf("state: creating the schema_version table: %w", err)
	}
	v, err := pgVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	before = v
	if v > len(pgMigrations) {
		return v, errNewer(v)
	}
	if v == len(pgMigrations) {
		return v, tx.Rollback()
	}
	for ; v < len(pgMigrations); v++ {
		if _, err := tx.ExecContext(ctx, pgMigrations[v]); err != nil {
			return before, fmt.Errorf("state: schema migration %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (one, version) VALUES (TRUE, ?)
		ON CONFLICT (one) DO UPDATE SET version = excluded.version`, v); err != nil {
		return before, err
	}
	if err := tx.Commit(); err != nil {
		return before, fmt.Errorf("state: schema migration to %d: %w", v, err)
	}
	return before, nil
}

// pgVersion reads schema_version (0 when the table is absent or empty).
func pgVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v)
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case errors.As(err, &pe) && pe.Code == "42P01": // undefined_table
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("state: reading the schema version: %w", err)
	}
	return v, nil
}

// version reads the store's schema version.
func (s *store) version(ctx context.Context) (int, error) {
	if s.pg {
		return pgVersion(ctx, s.r)
	}
	var v int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("state: reading the store's schema version: %w", err)
	}
	return v, nil
}

func (s *store) checkVersion(ctx context.Context) error {
	v, err := s.version(ctx)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return errNewer(v)
	}
	if v != len(migrations) {
		return fmt.Errorf("state: the store's schema is version %d, this refdesk expects %d (open it once read-write with this version)", v, len(migrations))
	}
	return nil
}
