package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// referralCols is the column list scanReferral reads, in order.
const referralCols = `id, COALESCE(referral_id, ''), COALESCE(job_id, ''), status, sender, input,
	ehr_id, docs_attached, docs_failed, failure_reason, attention, created_at, updated_at, COALESCE(last_event_at, 0)`

type rowScanner interface{ Scan(dest ...any) error }

func scanReferral(row rowScanner) (Referral, error) {
	var (
		r                Referral
		input            string
		attached, failed sql.NullInt64
		created, updated int64
		lastEvent        int64
	)
	if err := row.Scan(&r.ID, &r.ReferralID, &r.JobID, &r.Status, &r.Sender, &input,
		&r.EHRID, &attached, &failed, &r.FailureReason, &r.Attention, &created, &updated, &lastEvent); err != nil {
		return Referral{}, err
	}
	if err := json.Unmarshal([]byte(input), &r.ReferralInput); err != nil {
		return Referral{}, err
	}
	if attached.Valid {
		n := int(attached.Int64)
		r.DocumentsAttached = &n
	}
	if failed.Valid {
		n := int(failed.Int64)
		r.DocumentsFailed = &n
	}
	r.CreatedAt = time.Unix(0, created)
	r.UpdatedAt = time.Unix(0, updated)
	if lastEvent != 0 {
		r.LastEventAt = time.Unix(0, lastEvent)
	}
	return r, nil
}

// queryer is what *sql.DB and *sql.Tx share.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func getReferral(ctx context.Context, q queryer, id int64) (Referral, error) {
	r, err := scanReferral(q.QueryRowContext(ctx, "SELECT "+referralCols+" FROM referrals WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Referral{}, ErrNotFound
	}
	return r, err
}

// getReferralsChunk bounds the ids one getReferrals query reads (and so
// the distinct query texts, each cached by the PostgreSQL driver).
const getReferralsChunk = 64

// getReferrals reads referrals ids (distinct) in that order, up to
// getReferralsChunk per query; one missing is ErrNotFound.
func getReferrals(ctx context.Context, q queryer, ids []int64) ([]Referral, error) {
	out := make([]Referral, 0, len(ids))
	for lo := 0; lo < len(ids); lo += getReferralsChunk {
		chunk := ids[lo:min(lo+getReferralsChunk, len(ids))]
		if len(chunk) == 1 {
			r, err := getReferral(ctx, q, chunk[0])
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			continue
		}
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT "+referralCols+" FROM referrals WHERE id IN (?"+
			strings.Repeat(", ?", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		byID := make(map[int64]Referral, len(chunk))
		for rows.Next() {
			r, err := scanReferral(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			byID[r.ID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, id := range chunk {
			r, ok := byID[id]
			if !ok {
				return nil, ErrNotFound
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// reasonKey is the reason as the duplicate check compares it.
func reasonKey(reason string) string { return strings.ToLower(strings.TrimSpace(reason)) }

// insertReferral writes a new referral in Submitting (the outbox row),
// recording Draft → Submitting, inside tx.
func (d *Desk) insertReferral(ctx context.Context, tx *sql.Tx, user string, in ReferralInput, cause string) (int64, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	now := d.now().UnixNano()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO referrals
		(status, sender, input, patient_mrn, to_ehr_id, reason_key, created_at, updated_at, status_since)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		Submitting, user, string(b), in.PatientMRN, in.ToEHRID, reasonKey(in.Reason), now, now, now).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, d.recordTransition(ctx, tx, id, now, Draft, Submitting, cause)
}

// Referrals lists referrals, newest first.
func (d *Desk) Referrals(ctx context.Context, f Filter) ([]Referral, error) {
	var (
		where []string
		args  []any
	)
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, s := range f.Status {
			ph[i] = "?"
			args = append(args, s)
		}
		where = append(where, "status IN ("+strings.Join(ph, ",")+")")
	}
	if f.Attention {
		where = append(where, "attention != ''")
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, f.Since.UnixNano())
	}
	q := "SELECT " + referralCols + " FROM referrals"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := d.st.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Referral
	for rows.Next() {
		r, err := scanReferral(rows)
		if err != nil {
			return nil, err
		}
		r.ReferralInput = d.Describe(r.ReferralInput) // one stored before details were kept
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get returns one referral with its transitions, oldest first.
func (d *Desk) Get(ctx context.Context, id int64) (Referral, []Transition, error) {
	r, err := getReferral(ctx, d.st.r, id)
	if err != nil {
		return Referral{}, nil, err
	}
	r.ReferralInput = d.Describe(r.ReferralInput)
	rows, err := d.st.r.QueryContext(ctx,
		"SELECT at, from_status, to_status, cause FROM transitions WHERE referral = ? ORDER BY id", id)
	if err != nil {
		return Referral{}, nil, err
	}
	defer rows.Close()
	var ts []Transition
	for rows.Next() {
		var t Transition
		var at int64
		if err := rows.Scan(&at, &t.From, &t.To, &t.Cause); err != nil {
			return Referral{}, nil, err
		}
		t.At = time.Unix(0, at)
		ts = append(ts, t)
	}
	return r, ts, rows.Err()
}

// FindDuplicate returns the latest referral for the same patient MRN, the
// same to-provider and the same reason (trimmed, case-insensitive) created
// within 24 hours, unless it was never sent; nil when there is none.
func (d *Desk) FindDuplicate(ctx context.Context, in ReferralInput) (*Referral, error) {
	since := d.now().Add(-24 * time.Hour).UnixNano()
	r, err := scanReferral(d.st.r.QueryRowContext(ctx, "SELECT "+referralCols+` FROM referrals
		WHERE patient_mrn = ? AND to_ehr_id = ? AND reason_key = ? AND created_at >= ? AND status != ?
		ORDER BY created_at DESC, id DESC LIMIT 1`,
		in.PatientMRN, in.ToEHRID, reasonKey(in.Reason), since, NotSent))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Acknowledge clears a referral's Attention once a person has looked
// (checked the EHR), recording who did.
func (d *Desk) Acknowledge(ctx context.Context, user string, id int64) error {
	ids := []int64{id}
	return d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		if _, err := getReferral(ctx, tx, id); err != nil {
			return err
		}
		if err := d.amend(ctx, tx, id, update{attention: strp("")}); err != nil {
			return err
		}
		return audit(ctx, tx, d.now(), user, "acknowledge", fmt.Sprintf("referral %d", id))
	})
}
