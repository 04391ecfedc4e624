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

// movedIn collects the status changes of one write transaction
// (writeAndPublish) as they are recorded, for the log lines written after
// the commit. (Reading the transitions table back from the largest id
// before would have every two concurrent writers conflict on PostgreSQL's
// serializable transactions.)
type movedIn struct {
	tx *sql.Tx
	ms []moved
}

// recordTransition writes one row of referral id's history in tx.
func (d *Desk) recordTransition(ctx context.Context, tx *sql.Tx, id, at int64, from, to Status, cause string) error {
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO transitions (referral, at, from_status, to_status, cause) VALUES (?, ?, ?, ?, ?)",
		id, at, from, to, cause); err != nil {
		return err
	}
	if c := d.moving.Load(); c != nil && c.tx == tx {
		c.ms = append(c.ms, moved{referral: id, from: from, to: to})
	}
	return nil
}

// movedIDs fills in the Cobalt ids of ms as tx leaves them: from read,
// the referrals read back at its end, else from the table.
func movedIDs(ctx context.Context, tx *sql.Tx, ms []moved, read []Referral) error {
next:
	for i := range ms {
		for _, r := range read {
			if r.ID == ms[i].referral {
				ms[i].referralID = r.ReferralID
				continue next
			}
		}
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(referral_id, '') FROM referrals WHERE id = ?", ms[i].referral).
			Scan(&ms[i].referralID); err != nil {
			return err
		}
	}
	return nil
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
