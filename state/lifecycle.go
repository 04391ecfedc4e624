package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// legal lists the transitions the lifecycle allows.
//
//	Draft      → Submitting
//	Submitting → Processing | NotSent | Unknown | Failed (Cobalt refused it, 4xx)
//	Processing → Completed | Failed
//	Unknown    → Processing | Completed | Failed | NotSent (reconciliation proved it was never created)
//	NotSent    → Submitting (sent again by a person)
var legal = map[Status][]Status{
	Draft:      {Submitting},
	Submitting: {Processing, NotSent, Unknown, Failed},
	Processing: {Completed, Failed},
	Unknown:    {Processing, Completed, Failed, NotSent},
	NotSent:    {Submitting},
}

// CanBecome reports whether the lifecycle allows s → to.
func (s Status) CanBecome(to Status) bool {
	for _, t := range legal[s] {
		if t == to {
			return true
		}
	}
	return false
}

// ErrIllegalTransition is wrapped by every refused transition.
var ErrIllegalTransition = errors.New("illegal status change")

// ErrNotFound is returned for a referral id the store does not hold.
var ErrNotFound = errors.New("no such referral")

// TransitionError says which change was refused.
type TransitionError struct {
	ID       int64
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("referral %d cannot go from %s to %s", e.ID, e.From.Label(), e.To.Label())
}

// Unwrap makes errors.Is(err, ErrIllegalTransition) true.
func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }

// update is a set of column changes made together with a transition.
type update struct {
	referralID, jobID, ehrID *string
	failureReason, attention *string
	docsAttached, docsFailed *int
	lastEvent                bool
}

func strp(s string) *string { return &s }

// transition moves referral id to status to, inside tx, recording the
// transition (time, from, to, cause) and applying u in the same
// transaction. An illegal change is refused with a *TransitionError and
// nothing is written.
func (d *Desk) transition(ctx context.Context, tx *sql.Tx, id int64, to Status, cause string, u update) error {
	var from Status
	err := tx.QueryRowContext(ctx, "SELECT status FROM referrals WHERE id = ?", id).Scan(&from)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if !from.CanBecome(to) {
		return &TransitionError{ID: id, From: from, To: to}
	}
	now := d.now().UnixNano()
	if err := d.recordTransition(ctx, tx, id, now, from, to, cause); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx,
		"UPDATE referrals SET status = ?, status_since = ?, updated_at = ? WHERE id = ?",
		to, now, now, id); err != nil {
		return err
	}
	return d.amend(ctx, tx, id, u)
}

// amend applies u to referral id without changing its status.
func (d *Desk) amend(ctx context.Context, tx *sql.Tx, id int64, u update) error {
	now := d.now().UnixNano()
	set := func(col string, v any) error {
		_, err := tx.ExecContext(ctx, "UPDATE referrals SET "+col+" = ?, updated_at = ? WHERE id = ?", v, now, id)
		return err
	}
	var err error
	if u.referralID != nil {
		err = errors.Join(err, set("referral_id", nullable(*u.referralID)))
	}
	if u.jobID != nil {
		err = errors.Join(err, set("job_id", nullable(*u.jobID)))
	}
	if u.ehrID != nil {
		err = errors.Join(err, set("ehr_id", *u.ehrID))
	}
	if u.failureReason != nil {
		err = errors.Join(err, set("failure_reason", *u.failureReason))
	}
	if u.attention != nil {
		err = errors.Join(err, set("attention", *u.attention))
	}
	if u.docsAttached != nil {
		err = errors.Join(err, set("docs_attached", *u.docsAttached))
	}
	if u.docsFailed != nil {
		err = errors.Join(err, set("docs_failed", *u.docsFailed))
	}
	if u.lastEvent {
		err = errors.Join(err, set("last_event_at", now))
	}
	return err
}

// nullable stores "" as NULL (referral_id is UNIQUE; many rows have none).
func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
