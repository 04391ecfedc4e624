package state

import (
	"context"
	"sync/atomic"
)

// counters are this process's running totals, for metrics.
type counters struct {
	syncsOK, syncsFailed atomic.Int64
	polls                atomic.Int64
}

// Counters are this process's totals since it started.
type Counters struct {
	SyncsOK, SyncsFailed int64 // directory syncs done by this process
	ReconcilerPolls      int64 // questions the reconciler asked Cobalt
}

// Counters returns this process's totals.
func (d *Desk) Counters() Counters {
	return Counters{SyncsOK: d.count.syncsOK.Load(), SyncsFailed: d.count.syncsFailed.Load(),
		ReconcilerPolls: d.count.polls.Load()}
}

// CountByStatus counts the referrals in each status.
func (d *Desk) CountByStatus(ctx context.Context) (map[Status]int, error) {
	rows, err := d.st.r.QueryContext(ctx, "SELECT status, COUNT(*) FROM referrals GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Status]int{}
	for rows.Next() {
		var s Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
