package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// A sync streams each directory into a staging table instead of holding it
// in memory: a TEMP table, on SQLite on the writer connection (the writer
// pool has exactly one connection, so every statement below sees it), on
// PostgreSQL on one connection the sync holds throughout, swap included
// (a TEMP table goes with its session: a node that dies mid-sync leaves no
// rows behind). Rows are written in short batches, one multi-row INSERT
// each, touching only the staging table, so no lock on the store is held
// while Cobalt's answer is downloading: referrals submitted meanwhile (in
// this process or another) are not held up. The cache tables themselves
// are replaced from the staging tables in one write transaction at the end
// (swap), which also counts the changes in SQL; until then the old cache
// and indexes are untouched, and a failure anywhere just drops the staging
// tables.
//
// Staged rows carry their place in Cobalt's order as rowid (SQLite's own
// rowid; a rowid column on PostgreSQL), written explicitly, and the swap
// copies it into the cache, whose order the indexes keep.

// stageBatch is how many rows a staging batch writes: the only rows the
// sync holds in memory at a time.
const stageBatch = 512

// stage is one directory's staging table and its pending batch.
type stage struct {
	st    *store
	db    execer // the writer pool (SQLite) or the sync's connection (PostgreSQL)
	dir   Directory
	table string // the staging table's name, qualified by its schema on SQLite
	buf   []cacheRow
	next  int64 // the rowid of the next new key
}

// memSchema holds the patients' staging table on SQLite: an in-memory
// database attached to the writer connection, so patient rows (PHI) are
// never written to SQLite's temporary files outside the 0700 data folder,
// where deleted copies could linger on disk. The directories of providers
// are not PHI and stage in TEMP, which may spill to a temporary file,
// keeping a 100,000-row sync's memory small. (On PostgreSQL the staging
// table lives in the database, beside the patients table itself.)
const memSchema = "stage_mem"

func stageSchema(dir Directory) string {
	if dir == Patients {
		return memSchema
	}
	return "temp"
}

func stageName(dir Directory) string {
	table, _ := cacheTable(dir)
	return "sync_stage_" + table
}

const stageColumns = `k        TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	detail   TEXT NOT NULL,
	text     TEXT NOT NULL,
	inactive INTEGER NOT NULL,
	data     TEXT NOT NULL`

// execer is what *sql.DB and *sql.Conn share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// newStage (re)creates dir's empty staging table on db: the writer pool on
// SQLite, the connection the sync holds on PostgreSQL.
func newStage(ctx context.Context, st *store, db execer, dir Directory) (*stage, error) {
	s := &stage{st: st, db: db, dir: dir, buf: make([]cacheRow, 0, stageBatch), next: 1}
	if st.pg {
		s.table = stageName(dir)
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+s.table); err != nil {
			return nil, err
		}
		_, err := db.ExecContext(ctx, "CREATE TEMP TABLE "+s.table+" (rowid BIGINT NOT NULL, "+stageColumns+")")
		return s, err
	}
	schema := stageSchema(dir)
	s.table = schema + "." + stageName(dir)
	if schema == memSchema {
		if _, err := db.ExecContext(ctx, "ATTACH DATABASE ':memory:' AS "+memSchema); err != nil &&
			!strings.Contains(err.Error(), "already in use") {
			return nil, err
		}
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+s.table); err != nil {
		return nil, err
	}
	_, err := db.ExecContext(ctx, "CREATE TABLE "+s.table+" ("+stageColumns+")")
	return s, err
}

// add queues r, writing the batch when it is full.
func (s *stage) add(ctx context.Context, r cacheRow) error {
	s.buf = append(s.buf, r)
	if len(s.buf) < stageBatch {
		return nil
	}
	return s.flush(ctx)
}

// flush writes the pending batch in one statement (autocommitted: it
// touches only the staging table). A key seen again keeps its first place
// (rowid) and takes the later row's values, as the old in-memory dedupe
// did.
func (s *stage) flush(ctx context.Context) (err error) {
	if len(s.buf) == 0 {
		return nil
	}
	// One statement may not update a row twice (PostgreSQL): dedupe the
	// batch first; the upsert handles keys of earlier batches.
	rows := dedupe(s.buf)
	var q strings.Builder
	q.WriteString("INSERT INTO " + s.table + " (rowid, k, name, detail, text, inactive, data) VALUES ")
	args := make([]any, 0, 7*len(rows))
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		e := r.entry
		args = append(args, s.next, e.Key, e.Name, e.Detail, e.Text, e.Inactive, r.data)
		s.next++
	}
	q.WriteString(` ON CONFLICT(k) DO UPDATE SET name = excluded.name,
	detail = excluded.detail, text = excluded.text, inactive = excluded.inactive, data = excluded.data`)
	if _, err := s.db.ExecContext(ctx, q.String(), args...); err != nil {
		return err
	}
	clear(s.buf) // let the strings go now
	s.buf = s.buf[:0]
	return nil
}

// drop removes the staging table: its rows should not outlive the sync.
func (s *stage) drop() {
	_, _ = s.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+s.table)
	if !s.st.pg && stageSchema(s.dir) == memSchema {
		_, _ = s.db.ExecContext(context.Background(), "DETACH DATABASE "+memSchema)
	}
}

// swapped is what swap did to one directory.
type swapped struct {
	count, changed int
	same           bool // the cache is exactly as it was, order included
}

// swap replaces dir's cache with its staging table inside tx and records
// the sync time; it returns the row count and how many rows were added,
// changed (different JSON) or removed. An unchanged directory in the same
// order is not rewritten.
func (s *stage) swap(ctx context.Context, tx *sql.Tx, at time.Time) (sw swapped, err error) {
	table, key := cacheTable(s.dir)
	st := s.table
	err = tx.QueryRowContext(ctx, `SELECT
	(SELECT count(*) FROM `+st+`),
	(SELECT count(*) FROM `+st+` s WHERE NOT EXISTS
		(SELECT 1 FROM `+table+` m WHERE m.`+key+` = s.k AND m.data = s.data)) +
	(SELECT count(*) FROM `+table+` m WHERE NOT EXISTS
		(SELECT 1 FROM `+st+` s WHERE s.k = m.`+key+`))`).Scan(&sw.count, &sw.changed)
	if err != nil {
		return sw, fmt.Errorf("counting changes: %w", err)
	}
	if sw.changed == 0 {
		// Same rows: same order too? (The index keeps the cache's order.)
		// Staged rowids run 1..n in arrival order; a cache that is the
		// same in the same order has the same rowids (one with gaps, left
		// by an upsert, counts as reordered: rewritten, which is safe).
		var inPlace int
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` m JOIN `+st+
			` s ON s.rowid = m.rowid WHERE s.k = m.`+key).Scan(&inPlace)
		if err != nil {
			return sw, fmt.Errorf("comparing the order: %w", err)
		}
		sw.same = inPlace == sw.count
	}
	if !sw.same {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return sw, err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (rowid, "+key+`, name, detail, text, inactive, data)
		SELECT rowid, k, name, detail, text, inactive, data FROM `+st+" ORDER BY rowid"); err != nil {
			return sw, err
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sync_meta (directory, synced_at, count) VALUES (?, ?, ?)
		ON CONFLICT(directory) DO UPDATE SET synced_at = excluded.synced_at, count = excluded.count`,
		string(s.dir), at.UnixNano(), sw.count)
	return sw, err
}

// indexMatches reports whether dir's index already holds exactly the
// cache's entries (same count, every row's entry equal), so that an
// unchanged directory needs no rebuild: building a second index beside the
// live one is the sync's largest memory cost. A cache changed by another
// process since this Desk built its index does not match.
func (d *Desk) indexMatches(ctx context.Context, dir Directory, n int) (bool, error) {
	ix := d.idx[dir]
	if ix.Len() != n {
		return false, nil
	}
	table, key := cacheTable(dir)
	rows, err := d.st.r.QueryContext(ctx, "SELECT "+d.st.entryColumns(key)+" FROM "+table)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var e Entry
		if err := scanEntry(rows, &e); err != nil {
			return false, err
		}
		if got, ok := ix.Lookup(e.Key); !ok || got != e {
			return false, nil
		}
		seen++
	}
	return seen == n, rows.Err()
}

// reloadIndex rebuilds dir's index from the cache table, the entries slice
// sized up front (n is the expected row count).
func (d *Desk) reloadIndex(ctx context.Context, dir Directory, n int) error {
	table, key := cacheTable(dir)
	rows, err := d.st.r.QueryContext(ctx, "SELECT "+d.st.entryColumns(key)+" FROM "+table+" ORDER BY rowid")
	if err != nil {
		return err
	}
	defer rows.Close()
	entries := make([]Entry, 0, n)
	for rows.Next() {
		var e Entry
		if err := scanEntry(rows, &e); err != nil {
			return err
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	d.idx[dir].Replace(entries)
	return nil
}
