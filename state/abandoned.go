package state

import (
	"context"
	"database/sql"
	"time"

	"refdesk/api"
)

// CauseAbandoned is the cause recorded for a referral left in Submitting
// longer than any POST can last: the process sending it died (another node
// of a cluster, or a `refdesk submit` killed mid-send) while this one runs.
const CauseAbandoned = "the process sending it stopped before the answer was recorded"

// inFlightLimit is how long a referral may stay Submitting while its POST
// may still be running: the API client's whole-request timeout plus a
// minute of margin for a slow store. Past it, nobody will record the
// answer.
const inFlightLimit = api.DefaultRequestTimeout + time.Minute

// sweepAbandoned runs markAbandoned every minute while ctx lasts: Open only
// marks what a crash of this process left (it runs before any send), so a
// referral whose sender died while others keep running would otherwise
// stay Submitting until some process restarts.
func (d *Desk) sweepAbandoned(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := d.markAbandoned(ctx, inFlightLimit); err != nil && ctx.Err() == nil {
			d.log.Warn("looking for abandoned sends", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// markAbandoned moves every referral that has been Submitting for longer
// than limit to Unknown, for the reconciler to settle with Cobalt (never
// resent blindly). It returns how many it moved.
func (d *Desk) markAbandoned(ctx context.Context, limit time.Duration) (int, error) {
	before := d.now().Add(-limit).UnixNano()
	ids, err := d.queryIDs(ctx, "SELECT id FROM referrals WHERE status = ? AND status_since < ? ORDER BY id",
		Submitting, before)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var moved []int64
	err = d.writeAndPublish(ctx, &moved, func(tx *sql.Tx) error {
		for _, id := range ids {
			// Re-read inside the transaction: the sender may have recorded
			// its answer since the list was read.
			var st Status
			var since int64
			if err := tx.QueryRowContext(ctx, "SELECT status, status_since FROM referrals WHERE id = ?", id).
				Scan(&st, &since); err != nil {
				return err
			}
			if st != Submitting || since >= before {
				continue
			}
			if err := d.transitionFrom(ctx, tx, id, st, Unknown, CauseAbandoned, update{}); err != nil {
				return err
			}
			moved = append(moved, id)
		}
		return nil
	})
	return len(moved), err
}
