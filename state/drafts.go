package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// SaveDraft keeps user's form as typed (one draft per user, replaced on
// each save); LoadDraft offers it back.
func (d *Desk) SaveDraft(ctx context.Context, user string, in ReferralInput) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return d.st.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO drafts ("user", input, saved_at) VALUES (?, ?, ?)
			ON CONFLICT("user") DO UPDATE SET input = excluded.input, saved_at = excluded.saved_at`,
			user, string(b), d.now().UnixNano())
		return err
	})
}

// LoadDraft returns user's saved draft, if any, and when it was saved.
// Without a working draft, the oldest draft put aside (HoldDraft) becomes
// the working draft and is returned: "not now" offers it at the next start.
func (d *Desk) LoadDraft(ctx context.Context, user string) (ReferralInput, time.Time, bool, error) {
	var (
		raw   string
		saved int64
		in    ReferralInput
	)
	err := d.st.r.QueryRowContext(ctx, `SELECT input, saved_at FROM drafts WHERE "user" = ?`, user).Scan(&raw, &saved)
	if errors.Is(err, sql.ErrNoRows) {
		raw, saved, err = d.unholdDraft(ctx, user)
		if raw == "" && err == nil {
			return in, time.Time{}, false, nil
		}
	}
	if err != nil {
		return in, time.Time{}, false, err
	}
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return in, time.Time{}, false, err
	}
	return in, time.Unix(0, saved), true, nil
}

// unholdDraft makes user's oldest held draft the working draft; raw is ""
// when none is held.
func (d *Desk) unholdDraft(ctx context.Context, user string) (raw string, saved int64, err error) {
	var held int
	if err := d.st.r.QueryRowContext(ctx, `SELECT count(*) FROM drafts_held WHERE "user" = ?`, user).Scan(&held); err != nil || held == 0 {
		return "", 0, err
	}
	err = d.st.write(ctx, func(tx *sql.Tx) error {
		raw, saved = "", 0 // a retried transaction starts afresh
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id, input, saved_at FROM drafts_held WHERE "user" = ? ORDER BY id LIMIT 1`, user).
			Scan(&id, &raw, &saved)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another session took it meanwhile
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO drafts ("user", input, saved_at) VALUES (?, ?, ?)
			ON CONFLICT("user") DO NOTHING`, user, raw, saved); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM drafts_held WHERE id = ?", id)
		return err
	})
	return raw, saved, err
}

// HoldDraft puts user's working draft aside ("not now"): the form starts
// empty, typing there saves a new draft without touching this one, and
// LoadDraft offers it again once there is no working draft.
func (d *Desk) HoldDraft(ctx context.Context, user string) error {
	return d.st.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO drafts_held ("user", input, saved_at)
			SELECT "user", input, saved_at FROM drafts WHERE "user" = ?`, user); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE "user" = ?`, user)
		return err
	})
}

// ClearDraft forgets user's working draft once it became a referral.
func (d *Desk) ClearDraft(ctx context.Context, user string) error {
	return d.st.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE "user" = ?`, user)
		return err
	})
}

// DiscardDraft throws user's working draft away, a person's decision, and
// writes it in the audit log (when it was saved, never what it held).
func (d *Desk) DiscardDraft(ctx context.Context, user string) error {
	return d.st.write(ctx, func(tx *sql.Tx) error {
		var saved int64
		err := tx.QueryRowContext(ctx, `DELETE FROM drafts WHERE "user" = ? RETURNING saved_at`, user).Scan(&saved)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, d.now(), user, "discard draft",
			"draft last saved "+time.Unix(0, saved).UTC().Format(time.RFC3339))
	})
}
