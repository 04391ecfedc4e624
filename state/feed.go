package state

import (
	"context"
	"database/sql"
	"time"
)

// FeedKind says what a change-feed entry is about.
type FeedKind string

// What the feed carries. Entries hold ids only, never PHI.
const (
	FeedReferral    FeedKind = "referral"    // Ref is the referral's local id
	FeedDirectories FeedKind = "directories" // a sync (or a remote patient search) replaced directory rows
	FeedSyncState   FeedKind = "sync_state"  // the automatic sync's status changed
)

// FeedEntry is one committed change.
type FeedEntry struct {
	Seq    int64
	Kind   FeedKind
	Ref    int64
	Origin string // the process (Desk) that made it
}

// ChangeFeed carries a store's changes between the processes sharing it:
// `refdesk submit`, `refdesk sync`, a second local desk and `serve` each
// record what they commit, and each follows what the others committed.
// SQLite's implementation is a table polled by id; PostgreSQL's (pgFeed)
// is the same table with a NOTIFY sent at commit, Follow listening and
// catching up from the table after a reconnect.
type ChangeFeed interface {
	// Record notes e inside the write transaction that makes the change, so
	// the note commits, or not, with it.
	Record(ctx context.Context, tx *sql.Tx, e FeedEntry) error
	// Follow calls apply, in commit order, with the entries committed from
	// the moment Follow starts by origins other than skip, until ctx ends.
	Follow(ctx context.Context, skip string, apply func([]FeedEntry)) error
	// Prune forgets entries older than before.
	Prune(ctx context.Context, before time.Time) error
}

// sqliteFeed is the ChangeFeed of a SQLite store: a changes table whose
// AUTOINCREMENT id follows commit order (SQLite has one writer at a time),
// polled every interval with one indexed query.
type sqliteFeed struct {
	st       *store
	interval time.Duration
	now      func() time.Time
}

func (f *sqliteFeed) Record(ctx context.Context, tx *sql.Tx, e FeedEntry) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO changes (at, origin, kind, ref) VALUES (?, ?, ?, ?)",
		f.now().UnixNano(), e.Origin, string(e.Kind), e.Ref)
	return err
}

func (f *sqliteFeed) Follow(ctx context.Context, skip string, apply func([]FeedEntry)) error {
	var pos int64
	if err := f.st.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM changes").Scan(&pos); err != nil {
		return err
	}
	tick := time.NewTicker(f.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		batch, err := f.since(ctx, pos)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			continue // a busy moment; the next tick reads from the same place
		}
		if len(batch) == 0 {
			continue
		}
		pos = batch[len(batch)-1].Seq
		theirs := batch[:0]
		for _, e := range batch {
			if e.Origin != skip {
				theirs = append(theirs, e)
			}
		}
		if len(theirs) > 0 {
			apply(theirs)
		}
	}
}

func (f *sqliteFeed) since(ctx context.Context, pos int64) ([]FeedEntry, error) {
	rows, err := f.st.r.QueryContext(ctx, "SELECT id, kind, ref, origin FROM changes WHERE id > ? ORDER BY id LIMIT 1000", pos)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FeedEntry
	for rows.Next() {
		var e FeedEntry
		var kind string
		if err := rows.Scan(&e.Seq, &kind, &e.Ref, &e.Origin); err != nil {
			return nil, err
		}
		e.Kind = FeedKind(kind)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (f *sqliteFeed) Prune(ctx context.Context, before time.Time) error {
	return f.st.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM changes WHERE at < ?", before.UnixNano())
		return err
	})
}

// note records a change made by this desk in tx.
func (d *Desk) note(ctx context.Context, tx *sql.Tx, kind FeedKind, ref int64) error {
	return d.feed.Record(ctx, tx, FeedEntry{Kind: kind, Ref: ref, Origin: d.origin})
}

// noteReferrals records, in tx, that this desk changed referrals ids: on
// PostgreSQL in one statement.
func (d *Desk) noteReferrals(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if f, ok := d.feed.(*pgFeed); ok && len(ids) > 1 {
		return f.recordReferrals(ctx, tx, d.origin, ids)
	}
	for _, id := range ids {
		if err := d.note(ctx, tx, FeedReferral, id); err != nil {
			return err
		}
	}
	return nil
}

// follow applies other processes' changes to this process until ctx ends:
// referrals go to the hub (every desk's pane), a sync reloads the indexes,
// a sync status is reread.
func (d *Desk) follow(ctx context.Context) {
	err := d.feed.Follow(ctx, d.origin, func(batch []FeedEntry) {
		var ids []int64
		seen := map[int64]bool{}
		dirs, status := false, false
		for _, e := range batch {
			switch e.Kind {
			case FeedReferral:
				if !seen[e.Ref] {
					seen[e.Ref] = true
					ids = append(ids, e.Ref)
				}
			case FeedDirectories:
				dirs = true
			case FeedSyncState:
				status = true
			}
		}
		for _, id := range ids {
			r, err := getReferral(ctx, d.st.r, id)
			if err != nil {
				continue
			}
			d.hub.publish(Change{Referral: r})
		}
		if status {
			d.loadSyncStatus(ctx)
		}
		if dirs {
			if err := d.reloadIndexes(ctx); err != nil {
				d.log.Warn("reloading the directories after another process's sync", "err", err)
			}
		}
	})
	if err != nil {
		d.log.Warn("change feed stopped", "err", err)
	}
}

// reloadIndexes rebuilds every index from the cache (another process
// replaced it). Not while this process syncs.
func (d *Desk) reloadIndexes(ctx context.Context) error {
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	d.syncing.Add(1) // desks say "syncing" until the indexes are whole
	defer d.syncing.Add(-1)
	for _, dir := range directories {
		entries, err := d.loadEntries(ctx, dir)
		if err != nil {
			return err
		}
		d.idx[dir].Replace(entries)
	}
	return nil
}
