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
		_, err := tx.ExecContext(ctx, `INSERT INTO drafts (user, input, saved_at) VALUES (?, ?, ?)
			ON CONFLICT(user) DO UPDATE SET input = excluded.input, saved_at = excluded.saved_at`,
			user, string(b), d.now().UnixNano())
		return err
	})
}

// LoadDraft returns user's saved draft, if any, and when it was saved.
func (d *Desk) LoadDraft(ctx context.Context, user string) (ReferralInput, time.Time, bool, error) {
	var (
		raw   string
		saved int64
		in    ReferralInput
	)
	err := d.st.r.QueryRowContext(ctx, "SELECT input, saved_at FROM drafts WHERE user = ?", user).Scan(&raw, &saved)
	if errors.Is(err, sql.ErrNoRows) {
		return in, time.Time{}, false, nil
	}
	if err != nil {
		return in, time.Time{}, false, err
	}
	if err := json.Unmarshal([]byte(raw), &in); err != nil {
		return in, time.Time{}, false, err
	}
	return in, time.Unix(0, saved), true, nil
}

// DiscardDraft forgets user's draft (after a submit, or when declined).
func (d *Desk) DiscardDraft(ctx context.Context, user string) error {
	return d.st.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM drafts WHERE user = ?", user)
		return err
	})
}
