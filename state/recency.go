package state

import (
	"context"
	"encoding/json"
)

// recencySeed is how many of the newest referrals give the pickers their
// recent and most-referred-to entries when a desk opens.
const recencySeed = 500

// seedRecency replays the newest referrals (oldest first) into the
// indexes' recency, as Submit does for each: after a restart the
// patients, providers and referring providers the clinic chose recently
// and most often still come first on an empty search. Best effort: a
// referral that cannot be read is skipped.
func (d *Desk) seedRecency(ctx context.Context) error {
	rows, err := d.st.r.QueryContext(ctx,
		"SELECT input FROM referrals WHERE status != ? ORDER BY created_at DESC, id DESC LIMIT ?", NotSent, recencySeed)
	if err != nil {
		return err
	}
	var ins []ReferralInput
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return err
		}
		var in ReferralInput
		if json.Unmarshal([]byte(raw), &in) == nil {
			ins = append(ins, in)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := len(ins) - 1; i >= 0; i-- {
		d.touch(ins[i])
	}
	return nil
}
