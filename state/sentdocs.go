package state

import (
	"context"
	"encoding/json"
)

// SentDocumentPaths are the paths of the documents attached to referrals
// that went to Cobalt (every status but Not sent), among the newest limit
// referrals: the file picker marks those scans, which are rarely sent twice.
func (d *Desk) SentDocumentPaths(ctx context.Context, limit int) (map[string]bool, error) {
	rows, err := d.st.r.QueryContext(ctx,
		"SELECT input FROM referrals WHERE status != ? ORDER BY created_at DESC, id DESC LIMIT ?", NotSent, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var in struct {
			Documents []DocumentRef `json:"documents"`
		}
		if json.Unmarshal([]byte(raw), &in) != nil {
			continue
		}
		for _, doc := range in.Documents {
			if doc.Path != "" {
				out[doc.Path] = true
			}
		}
	}
	return out, rows.Err()
}
