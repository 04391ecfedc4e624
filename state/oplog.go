package state

import (
	"context"
	"database/sql"
)

// The operator's log lines of the state package: one per referral status
// change and one per directory sync. They carry local numbers, Cobalt's
// ids, statuses and counts: never a patient's name, MRN, date of birth, a
// reason, or Cobalt's failure text (which may quote any of them).

// moved is one status change recorded in a write transaction.
type moved struct {
	referral   int64
	from, to   Status
	referralID string
}

// movedSince reads the transitions recorded after transition id last
// (inside the write transaction that recorded them).
func movedSince(ctx context.Context, tx *sql.Tx, last int64) ([]moved, error) {
	rows, err := tx.QueryContext(ctx, `SELECT t.referral, t.from_status, t.to_status, coalesce(r.referral_id, '')
		FROM transitions t JOIN referrals r ON r.id = t.referral WHERE t.id > ? ORDER BY t.id`, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []moved
	for rows.Next() {
		var m moved
		if err := rows.Scan(&m.referral, &m.from, &m.to, &m.referralID); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// logMoved writes one line per committed status change.
func (d *Desk) logMoved(ms []moved) {
	for _, m := range ms {
		d.log.Info("referral status", "referral", m.referral, "from", string(m.from), "status", string(m.to),
			"cobalt_referral_id", m.referralID)
	}
}

// Sync refreshes the three directories from Cobalt. Each is streamed row
// by row into a staging table (see sync_stage.go), never held in memory as
// a whole; then the three cache tables are replaced from the staging
// tables in one transaction, and the indexes are rebuilt from the cache. A
// failure anywhere leaves the old cache and indexes as they were.
// progress (may be nil) is called as each directory arrives. Each sync
// writes one log line: its counts and time, or that it failed.
func (d *Desk) Sync(ctx context.Context, progress func(SyncProgress)) (SyncReport, error) {
	rep, err := d.syncAll(ctx, progress)
	if err != nil {
		d.log.Warn("directory sync failed", "err", safeErr(err))
		return rep, err
	}
	d.log.Info("directory sync", "providers", rep.Counts[Providers], "referring_providers", rep.Counts[ReferringProviders],
		"patients", rep.Counts[Patients], "changed", rep.Changed[Providers]+rep.Changed[ReferringProviders]+rep.Changed[Patients],
		"took_ms", rep.Took.Milliseconds())
	return rep, nil
}
