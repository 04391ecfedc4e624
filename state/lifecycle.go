package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
	// clearAttention, when attention is nil, clears the attention flag if
	// it is this one.
	clearAttention string
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
	return d.transitionFrom(ctx, tx, id, from, to, cause, u)
}

// transitionFrom is transition for a referral tx has just read in status
// from (one round trip fewer).
func (d *Desk) transitionFrom(ctx context.Context, tx *sql.Tx, id int64, from, to Status, cause string, u update) error {
	if !from.CanBecome(to) {
		return &TransitionError{ID: id, From: from, To: to}
	}
	now := d.now().UnixNano()
	if err := d.recordTransition(ctx, tx, id, now, from, to, cause); err != nil {
		return err
	}
	return d.setFields(ctx, tx, id, now, u, "status = ?, status_since = ?", to, now)
}

// amend applies u to referral id without changing its status.
func (d *Desk) amend(ctx context.Context, tx *sql.Tx, id int64, u update) error {
	return d.setFields(ctx, tx, id, d.now().UnixNano(), u, "")
}

// setFields writes u (and the assignments lead, with their args) to
// referral id in one UPDATE, stamping updated_at with now: one statement
// per change, not one per column (each is a round trip to PostgreSQL).
func (d *Desk) setFields(ctx context.Context, tx *sql.Tx, id int64, now int64, u update, lead string, leadArgs ...any) error {
	var sets []string
	args := leadArgs
	if lead != "" {
		sets = append(sets, lead)
	}
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if u.referralID != nil {
		set("referral_id", nullable(*u.referralID))
	}
	if u.jobID != nil {
		set("job_id", nullable(*u.jobID))
	}
	if u.ehrID != nil {
		set("ehr_id", *u.ehrID)
	}
	if u.failureReason != nil {
		set("failure_reason", *u.failureReason)
	}
	if u.attention != nil {
		set("attention", *u.attention)
	} else if u.clearAttention != "" {
		sets = append(sets, "attention = CASE WHEN attention = ? THEN '' ELSE attention END")
		args = append(args, u.clearAttention)
	}
	if u.docsAttached != nil {
		set("docs_attached", *u.docsAttached)
	}
	if u.docsFailed != nil {
		set("docs_failed", *u.docsFailed)
	}
	if u.lastEvent {
		set("last_event_at", now)
	}
	if len(sets) == 0 {
		return nil
	}
	set("updated_at", now)
	_, err := tx.ExecContext(ctx, "UPDATE referrals SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
	return err
}

// nullable stores "" as NULL (referral_id is UNIQUE; many rows have none).
func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
