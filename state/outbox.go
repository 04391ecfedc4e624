package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"refdesk/api"
)

// CauseOutbox is the transition's cause when the outbox sends a referral
// that waited for Cobalt.
const CauseOutbox = "sent from the outbox: Cobalt answers again"

// waiting lists the referrals waiting in the outbox: Not sent because
// Cobalt could not be reached (never because it refused them), oldest
// first.
func (d *Desk) waiting(ctx context.Context) ([]int64, error) {
	return d.queryIDs(ctx, "SELECT id FROM referrals WHERE status = ? AND failure_reason = ? ORDER BY id",
		NotSent, ReasonNotSent)
}

// OutboxBacklog is the number of referrals waiting for Cobalt.
func (d *Desk) OutboxBacklog(ctx context.Context) (int, error) {
	var n int
	err := d.st.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM referrals WHERE status = ? AND failure_reason = ?",
		NotSent, ReasonNotSent).Scan(&n)
	return n, err
}

// outbox sends the waiting referrals while Cobalt answers, retrying with
// backoff while it does not. Each is claimed (Not sent → Submitting) in a
// transaction that checks its status, so a person resending it at the same
// moment, or another process, cannot send it a second time; a crash after
// the claim leaves it Submitting, which the next start marks Unknown for
// the reconciler: never resent blindly.
func (d *Desk) outbox(ctx context.Context, o RunOptions) {
	delay := o.RetryMin
	for {
		sent, err := d.sendWaiting(ctx)
		wait := time.Second
		if err != nil {
			wait = time.Duration(float64(delay) * o.Jitter())
			delay = min(delay*2, o.RetryMax/5) // at most a minute by default
		} else if sent {
			delay = o.RetryMin
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// errStillUnreachable stops a round of the outbox: Cobalt did not answer.
var errStillUnreachable = errors.New("cobalt still unreachable")

// sendWaiting sends waiting referrals in order until one does not go.
func (d *Desk) sendWaiting(ctx context.Context) (sent bool, err error) {
	ids, err := d.waiting(ctx)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	// Ask Cobalt something small first, so a referral's history does not
	// fill with a claim and a failure for every try while it is down.
	if _, err := d.client.Webhooks(ctx); err != nil && (api.IsNotSent(err) || api.IsUnknownOutcome(err) || refused(err)) {
		d.setReach(err)
		return false, errStillUnreachable
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		r, err := getReferral(ctx, d.st.r, id)
		if err != nil {
			return sent, err
		}
		req, err := d.request(ctx, r.ReferralInput)
		if err != nil {
			// It can no longer go as it is (a document gone, a provider
			// removed): a person must correct it.
			ids := []int64{id}
			if werr := d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
				return d.amend(ctx, tx, id, update{failureReason: strp("Not sent, and it cannot go as it is: " + err.Error() + " Reopen it to correct it.")})
			}); werr != nil {
				return sent, werr
			}
			continue
		}
		ids := []int64{id}
		var claimed bool
		if err := d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
			claimed = true // a retried transaction starts afresh
			var cur Status
			var reason string
			err := tx.QueryRowContext(ctx, "SELECT status, failure_reason FROM referrals WHERE id = ?"+d.st.claimRow(), id).Scan(&cur, &reason)
			if errors.Is(err, sql.ErrNoRows) {
				claimed = false // another node is claiming it this moment
				return nil
			}
			if err != nil {
				return err
			}
			if cur != NotSent || reason != ReasonNotSent {
				claimed = false // a person or another process got there first
				return nil
			}
			if err := d.transitionFrom(ctx, tx, id, cur, Submitting, CauseOutbox, update{failureReason: strp(""), attention: strp("")}); err != nil {
				return err
			}
			return audit(ctx, tx, d.now(), "refdesk", "outbox", fmt.Sprintf("referral %d", id))
		}); err != nil {
			return sent, err
		}
		if !claimed {
			continue
		}
		got, err := d.send(ctx, id, req)
		if err != nil {
			return sent, err
		}
		if got.Status == NotSent && got.FailureReason == ReasonNotSent {
			d.reach.Store(2)
			return sent, errStillUnreachable
		}
		d.reach.Store(1)
		sent = true
	}
	return sent, nil
}
