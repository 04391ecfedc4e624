package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrNotFlagged refuses to settle a referral nobody was asked to look at.
var ErrNotFlagged = errors.New("this referral does not need a person: only a flagged one can be settled")

// ReasonNotInEHR is the failure reason of a flagged referral a person did
// not find in the EHR. It differs from ReasonNotSent on purpose: the outbox
// leaves it alone, and a person reopens it to send it again.
const ReasonNotInEHR = "Not in eCW, as a person checked: reopen it to send it again."

// SettleFound records that a person found a flagged referral ("needs a
// person") in the EHR under ehrID: it becomes Completed with that id.
// Who and when go to the audit log and the referral's history.
func (d *Desk) SettleFound(ctx context.Context, user string, id int64, ehrID string) (Referral, error) {
	ehrID = strings.TrimSpace(ehrID)
	if ehrID == "" {
		return Referral{}, errors.New("type the referral's id in eCW (its EHR id)")
	}
	return d.settle(ctx, user, id, Completed, "found in eCW by "+user, "settle-found",
		update{ehrID: strp(ehrID), attention: strp(""), failureReason: strp("")})
}

// SettleNotFound records that a person did not find a flagged referral in
// the EHR: it becomes Not sent (ReasonNotInEHR), to be reopened and sent
// again by a person; nothing sends it by itself.
func (d *Desk) SettleNotFound(ctx context.Context, user string, id int64) (Referral, error) {
	return d.settle(ctx, user, id, NotSent, "not in eCW, checked by "+user, "settle-not-found",
		update{attention: strp(""), failureReason: strp(ReasonNotInEHR)})
}

func (d *Desk) settle(ctx context.Context, user string, id int64, to Status, cause, action string, u update) (Referral, error) {
	ids := []int64{id}
	err := d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		r, err := getReferral(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Attention == "" {
			return ErrNotFlagged
		}
		if r.Status == to {
			err = d.amend(ctx, tx, id, u)
		} else {
			err = d.settleTransition(ctx, tx, r.Status, id, to, cause, u)
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, d.now(), user, action, fmt.Sprintf("referral %d", id))
	})
	if err != nil {
		return Referral{}, err
	}
	return getReferral(ctx, d.st.r, id)
}

// settleTransition is transition with the moves only a person's check of
// the EHR allows besides the lifecycle's: Processing or Not sent found in
// the EHR (Completed), Processing not found (Not sent).
func (d *Desk) settleTransition(ctx context.Context, tx *sql.Tx, from Status, id int64, to Status, cause string, u update) error {
	if from.CanBecome(to) {
		return d.transitionFrom(ctx, tx, id, from, to, cause, u)
	}
	allowed := (to == Completed && (from == NotSent || from == Processing)) || (to == NotSent && from == Processing)
	if !allowed {
		return &TransitionError{ID: id, From: from, To: to}
	}
	now := d.now().UnixNano()
	if err := d.recordTransition(ctx, tx, id, now, from, to, cause); err != nil {
		return err
	}
	return d.setFields(ctx, tx, id, now, u, "status = ?, status_since = ?", to, now)
}
