package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"

	"refdesk/api"
)

// AttentionConflict flags a referral for which Cobalt reported both
// referral.created and referral.failed.
const AttentionConflict = "Cobalt reported both created and failed — check the EHR"

// Event sources recorded with each stored event.
const (
	sourceWebhook = "webhook"
	sourcePoll    = "poll"
)

// ApplyEvent applies a webhook event idempotently: it is stored once by its
// id (a duplicate is a no-op), correlated with a referral by
// data.referral_id, and applied if that referral is known; otherwise it
// waits and is applied in the same transaction that records the POST's
// answer (or the reconciler's match). Event types other than
// referral.created / referral.failed are ignored.
func (d *Desk) ApplyEvent(ctx context.Context, ev api.Event) error {
	return d.applyEvent(ctx, ev, sourceWebhook)
}

// ApplyWebhook is ApplyEvent that also reports whether the event had been
// received before (a duplicate delivery, a no-op).
func (d *Desk) ApplyWebhook(ctx context.Context, ev api.Event) (duplicate bool, err error) {
	return d.applyEventDup(ctx, ev, sourceWebhook)
}

// applyEvent is applyEventDup without the duplicate flag.
func (d *Desk) applyEvent(ctx context.Context, ev api.Event, source string) error {
	_, err := d.applyEventDup(ctx, ev, source)
	return err
}

// applyEventDup applies one event: a webhook's through the group commit
// (eventbatch.go), shared with the events arriving meanwhile; the
// reconciler's (poll) in a transaction of its own.
func (d *Desk) applyEventDup(ctx context.Context, ev api.Event, source string) (dup bool, _ error) {
	if !ev.IsReferral() {
		return false, nil
	}
	data, err := ev.ReferralData()
	if err != nil {
		return false, err
	}
	j := &eventJob{ctx: ctx, ev: ev, id: eventID(ev), data: data, source: source}
	if source == sourceWebhook {
		err = d.batchEvent(j)
	} else {
		var changed []int64
		err = d.writeAndPublish(ctx, &changed, func(tx *sql.Tx) error {
			if err := d.st.relaxCommit(ctx, tx); err != nil {
				return err
			}
			return d.storeEvent(ctx, tx, j, &changed)
		})
	}
	if err != nil {
		d.log.Warn("webhook event not applied", "event", j.id, "type", ev.Type, "err", err)
		return false, err
	}
	// The outcome names statuses only, never Cobalt's text.
	d.log.Info("event applied", "event_id", j.id, "type", ev.Type, "source", source, "result", j.result)
	return j.dup, nil
}

// eventID is the event's id, or one derived from its content when it has
// none, so the same delivery twice is still one event.
func eventID(ev api.Event) string {
	if ev.ID != "" {
		return ev.ID
	}
	h := sha256.Sum256([]byte(ev.Type + "\x00" + string(ev.JobID) + "\x00" + string(ev.Data)))
	return "sha256:" + hex.EncodeToString(h[:16])
}

// eventJob is one event to store, and what storing it did.
type eventJob struct {
	ctx    context.Context
	ev     api.Event
	id     string
	data   api.ReferralEventData
	source string

	dup    bool
	result string
	err    error
	done   chan struct{} // closed when dup, result and err are final (batched)
}

// storeEvent stores j's event in tx (a no-op for an id seen before),
// applies it if its referral is known, and adds that referral to
// *changed. It sets j.dup and j.result afresh: a retried transaction runs
// it again.
func (d *Desk) storeEvent(ctx context.Context, tx *sql.Tx, j *eventJob, changed *[]int64) error {
	j.dup, j.result = false, "duplicate: seen before"
	ev, data := j.ev, j.data
	res, err := tx.ExecContext(ctx, `INSERT INTO events
		(event_id, type, referral_id, job_id, data, source, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		j.id, ev.Type, data.ReferralID, string(ev.JobID), string(ev.Data), j.source, d.now().UnixNano())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		j.dup = true
		return nil // seen before
	}
	j.result = "pending: referral not known yet"
	cur, ok, err := correlate(ctx, tx, data.ReferralID, string(ev.JobID))
	if err != nil || !ok {
		return err // not known yet: kept for the POST's answer
	}
	ref := cur.id
	result, err := d.applyStoredTo(ctx, tx, cur, j.id, ev.Type, data, j.source)
	if err != nil {
		return err
	}
	*changed = append(*changed, ref)
	j.result = result
	if result == "" {
		j.result = "pending: the referral's answer is not recorded yet"
	}
	return nil
}

// referralNow is what applying an event reads of its referral.
type referralNow struct {
	id            int64
	status        Status
	ehrID, reason string
}

const referralNowCols = "SELECT id, status, ehr_id, failure_reason FROM referrals WHERE "

// correlate finds the local referral an event belongs to, by referral_id,
// else by job id, and reads what applying the event needs of it.
func correlate(ctx context.Context, tx *sql.Tx, referralID, jobID string) (referralNow, bool, error) {
	var r referralNow
	var err error
	switch {
	case referralID != "":
		err = tx.QueryRowContext(ctx, referralNowCols+"referral_id = ?", referralID).Scan(&r.id, &r.status, &r.ehrID, &r.reason)
	case jobID != "":
		err = tx.QueryRowContext(ctx, referralNowCols+"job_id = ?", jobID).Scan(&r.id, &r.status, &r.ehrID, &r.reason)
	default:
		return r, false, nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// applyPending applies, in tx, the stored events that were waiting for
// referral ref (now known by referralID and jobID), oldest first.
func (d *Desk) applyPending(ctx context.Context, tx *sql.Tx, ref int64, referralID, jobID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT event_id, type, data, source FROM events
		WHERE applied = 0 AND ((referral_id != '' AND referral_id = ?) OR (referral_id = '' AND job_id != '' AND job_id = ?))
		ORDER BY rowid`, referralID, jobID)
	if err != nil {
		return err
	}
	type pending struct{ id, typ, data, source string }
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.typ, &p.data, &p.source); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range ps {
		data, err := api.Event{Type: p.typ, Data: []byte(p.data)}.ReferralData()
		if err != nil {
			return err
		}
		if err := d.applyStored(ctx, tx, ref, p.id, p.typ, data, p.source); err != nil {
			return err
		}
	}
	return nil
}

// applyStored applies stored event eventID to referral ref and marks the
// event applied with what it did.
func (d *Desk) applyStored(ctx context.Context, tx *sql.Tx, ref int64, eventID, typ string, data api.ReferralEventData, source string) error {
	var cur referralNow
	if err := tx.QueryRowContext(ctx, referralNowCols+"id = ?", ref).Scan(&cur.id, &cur.status, &cur.ehrID, &cur.reason); err != nil {
		return err
	}
	_, err := d.applyStoredTo(ctx, tx, cur, eventID, typ, data, source)
	return err
}

// applyStoredTo is applyStored for a referral tx has just read as cur; it
// returns what it did ("" when the event must wait: the referral cannot
// take it yet).
func (d *Desk) applyStoredTo(ctx context.Context, tx *sql.Tx, cur referralNow, eventID, typ string, data api.ReferralEventData, source string) (string, error) {
	ref, status, ehrID, reason := cur.id, cur.status, cur.ehrID, cur.reason
	cause := typ + " (" + source + ")"
	outcome := "applied"
	u := update{lastEvent: true}
	var to Status
	switch typ {
	case api.EventReferralCreated:
		to = Completed
		if data.EHRID != "" && ehrID == "" {
			u.ehrID = strp(data.EHRID)
		}
		u.docsAttached, u.docsFailed = data.DocumentsAttached, data.DocumentsFailed
	case api.EventReferralFailed:
		to = Failed
		u.failureReason = strp(failureText(data))
	}
	var err error
	switch {
	case status == to:
		// The same outcome again under another event id: recorded, and
		// used only to fill in what the reconciler could not know when it
		// settled the referral from Cobalt's list (the failure's wording,
		// the EHR id, the documents' counts).
		outcome = "recorded: already " + string(to)
		fill := update{lastEvent: true}
		if to == Failed && reason == ReasonListedFailed && (data.FailureReason != "" || len(data.Reasons) > 0) {
			fill.failureReason, outcome = u.failureReason, "details added: already "+string(to)
		}
		if to == Completed && u.ehrID != nil {
			fill.ehrID, outcome = u.ehrID, "details added: already "+string(to)
		}
		err = d.amend(ctx, tx, ref, fill)
	case status.Terminal():
		// The opposite outcome after a terminal one: keep both, change
		// nothing silently, ask a person.
		outcome = "conflict: referral was " + string(status)
		keep := update{lastEvent: true, attention: strp(AttentionConflict)}
		if to == Completed {
			keep.ehrID = u.ehrID // tells the person where to look
		}
		err = d.amend(ctx, tx, ref, keep)
	default:
		// The answer came after all: "no answer yet" goes, in the same
		// UPDATE.
		u.clearAttention = AttentionNoAnswer
		err = d.transitionFrom(ctx, tx, ref, status, to, cause, u)
		var te *TransitionError
		if errors.As(err, &te) {
			// Draft/Submitting/NotSent cannot take an event: keep it pending.
			return "", nil
		}
	}
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, "UPDATE events SET applied = 1, outcome = ? WHERE event_id = ?", outcome, eventID)
	return outcome, err
}

// failureText is the failure as Cobalt worded it: failure_reason, else the
// reasons' descriptions.
func failureText(d api.ReferralEventData) string {
	if d.FailureReason != "" {
		return d.FailureReason
	}
	var parts []string
	for _, r := range d.Reasons {
		if r.Description != "" {
			parts = append(parts, r.Description)
		} else if r.Code != "" {
			parts = append(parts, r.Code)
		}
	}
	if len(parts) == 0 {
		return "Cobalt reported the referral failed without a reason."
	}
	return strings.Join(parts, "; ")
}
