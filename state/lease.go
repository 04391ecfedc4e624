package state

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Leaser hands out named leases so that one process at a time does a job
// per store (polling Cobalt, the scheduled sync, the outbox). SQLite's is a
// row per lease with an expiry, renewed by its holder; PostgreSQL's
// (pgLeaser) holds an advisory lock as well, on a connection of its own.
type Leaser interface {
	// Acquire takes name for holder until now+ttl, or renews it when holder
	// has it; it reports whether holder has it now.
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Release gives name up if holder has it.
	Release(ctx context.Context, name, holder string) error
}

type sqliteLeaser struct {
	st  *store
	now func() time.Time
}

func (l *sqliteLeaser) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := l.now()
	var got string
	err := l.st.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at < ?`,
			name, holder, now.Add(ttl).UnixNano(), now.UnixNano()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT holder FROM leases WHERE name = ?", name).Scan(&got)
	})
	return got == holder, err
}

func (l *sqliteLeaser) Release(ctx context.Context, name, holder string) error {
	return l.st.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM leases WHERE name = ? AND holder = ?", name, holder)
		return err
	})
}

// LeaseHolder names the process holding lease name ("" when none holds
// it or it expired).
func (d *Desk) LeaseHolder(ctx context.Context, name string) string {
	var holder string
	var exp int64
	err := d.st.r.QueryRowContext(ctx, "SELECT holder, expires_at FROM leases WHERE name = ?", name).Scan(&holder, &exp)
	if err != nil || exp < d.now().UnixNano() {
		return ""
	}
	return holder
}

// Origin names this process (this Desk) in leases and the change feed.
func (d *Desk) Origin() string { return d.origin }

// lead runs job while this desk holds lease name, trying to take it every
// renew, and renewing it as often; job's context ends when the lease is
// lost (a renewal failed or was refused) or ctx ends. Another process takes
// over within ttl of this one dying.
func (d *Desk) lead(ctx context.Context, name string, ttl, renew time.Duration, job func(context.Context)) {
	tick := time.NewTicker(renew)
	defer tick.Stop()
	var running struct {
		cancel context.CancelFunc // nil while the job does not run
		done   sync.WaitGroup
	}
	stop := func() {
		if running.cancel != nil {
			running.cancel()
			running.done.Wait()
			running.cancel = nil
		}
	}
	defer func() {
		stop()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = d.leaser.Release(rctx, name, d.origin)
	}()
	var lastOK time.Time
	for {
		ok, err := d.leaser.Acquire(ctx, name, d.origin, ttl)
		if ok {
			lastOK = time.Now()
		}
		switch {
		case ok && running.cancel == nil:
			d.log.Info("lease taken", "lease", name)
			var jctx context.Context
			jctx, running.cancel = context.WithCancel(ctx)
			running.done.Add(1)
			go func() {
				defer running.done.Done()
				job(jctx)
			}()
		case !ok && running.cancel != nil && (err == nil || time.Since(lastOK) >= ttl-renew):
			// Refused, or unrenewed for so long another may take it.
			d.log.Warn("lease lost", "lease", name, "err", err)
			stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
