package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"refdesk/api"
)

// RunOptions tune Desk.Run. Zero values take the defaults.
type RunOptions struct {
	// SyncEvery syncs the directories when the oldest is this old; 0 syncs
	// only when they were never synced (and on request).
	SyncEvery time.Duration
	// RetryMin and RetryMax bound the automatic sync's backoff after a
	// failure (default 2s doubling up to 5m); AuthRetry is the wait after
	// Cobalt refused the credentials (default 10m).
	RetryMin, RetryMax, AuthRetry time.Duration
	// Jitter returns a factor in [0.8, 1.2) for every wait (default random).
	Jitter func() float64
	// LeaseTTL is how long a dead holder keeps the Cobalt jobs (default
	// 6s, renewed every third of it). Other processes' changes are read
	// every 200ms on SQLite, as soon as notified on PostgreSQL.
	LeaseTTL time.Duration
}

func (o *RunOptions) defaults() {
	if o.RetryMin <= 0 {
		o.RetryMin = 2 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 5 * time.Minute
	}
	if o.AuthRetry <= 0 {
		o.AuthRetry = 10 * time.Minute
	}
	if o.Jitter == nil {
		o.Jitter = func() float64 { return 0.8 + 0.4*rand.Float64() }
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 6 * time.Second
	}
}

// LeaseCobalt is the lease whose holder talks to Cobalt on its own: the
// reconciler, the automatic sync and the outbox.
const LeaseCobalt = "cobalt"

// Run keeps this process in step with the store and, while it holds the
// store's Cobalt lease, does the jobs one process does per data directory:
//   - other processes' changes reach this process's hub and indexes;
//   - the reconciler polls Cobalt (see Reconcile);
//   - the directories are synced when never synced, retrying with capped
//     exponential backoff and jitter (credentials refused: every AuthRetry),
//     and again every SyncEvery; a failure keeps the old directories and is
//     recorded for every desk to show (SyncStatus);
//   - the outbox: referrals Not sent because Cobalt was unreachable are sent
//     when it answers, each claimed in a transaction so it goes once;
//   - a referral left Submitting past any POST's timeout (its sender died
//     while this process runs) is marked Unknown for the reconciler.
//
// It returns when ctx ends. Cancel ctx and wait before Close.
func (d *Desk) Run(ctx context.Context, o RunOptions) {
	if d.st.ro {
		return
	}
	o.defaults()
	d.background.Store(true)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.follow(ctx) }()
	go func() {
		defer wg.Done()
		if d.client == nil {
			return
		}
		d.lead(ctx, LeaseCobalt, o.LeaseTTL, o.LeaseTTL/3, func(ctx context.Context) {
			var jobs sync.WaitGroup
			jobs.Add(5)
			go func() { defer jobs.Done(); d.pruneFeed(ctx) }()
			go func() { defer jobs.Done(); d.sweepAbandoned(ctx) }()
			go func() { defer jobs.Done(); d.Reconcile(ctx) }()
			go func() { defer jobs.Done(); d.outbox(ctx, o) }()
			go func() { defer jobs.Done(); d.syncLoop(ctx, o) }()
			jobs.Wait()
		})
	}()
	wg.Wait()
}

// Start runs Run in the background and returns a channel closed when it
// has returned; SyncsInBackground is true from the call on.
func (d *Desk) Start(ctx context.Context, o RunOptions) <-chan struct{} {
	done := make(chan struct{})
	if d.st.ro {
		close(done)
		return done
	}
	d.background.Store(true)
	go func() {
		defer close(done)
		d.Run(ctx, o)
	}()
	return done
}

// SyncingNow reports whether this process is syncing the directories.
func (d *Desk) SyncingNow() bool { return d.syncing.Load() > 0 }

// feedKeep is how long change-feed entries are kept: far longer than any
// follower lags (it reads every 200ms).
const feedKeep = time.Hour

// pruneFeed forgets old change-feed entries every ten minutes.
func (d *Desk) pruneFeed(ctx context.Context) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		if err := d.feed.Prune(ctx, d.now().Add(-feedKeep)); err != nil && ctx.Err() == nil {
			d.log.Warn("pruning the change feed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// SyncsInBackground reports whether Run keeps the directories synced, so a
// desk need not start the first sync itself.
func (d *Desk) SyncsInBackground() bool { return d.background.Load() }

// SyncStatus is the automatic sync's last failure, for every desk to show.
type SyncStatus struct {
	Error    string    // why the last automatic sync failed; "" after a success
	Auth     bool      // Cobalt refused the credentials
	FailedAt time.Time // when
	NextTry  time.Time // when the next attempt runs
}

// SyncStatus returns the automatic sync's status as last recorded by any
// process on this store.
func (d *Desk) SyncStatus() SyncStatus {
	if s := d.syncStatus.Load(); s != nil {
		return *s
	}
	return SyncStatus{}
}

func (d *Desk) loadSyncStatus(ctx context.Context) {
	var s SyncStatus
	var failed, next int64
	err := d.st.r.QueryRowContext(ctx, "SELECT error, auth, failed_at, next_try FROM sync_state WHERE id = 1").
		Scan(&s.Error, &s.Auth, &failed, &next)
	if err == nil && s.Error != "" {
		s.FailedAt, s.NextTry = time.Unix(0, failed), time.Unix(0, next)
	} else {
		s = SyncStatus{}
	}
	d.syncStatus.Store(&s)
}

// setSyncStatus records s for every process (in tx when given).
func (d *Desk) setSyncStatus(ctx context.Context, tx *sql.Tx, s SyncStatus) error {
	write := func(tx *sql.Tx) error {
		var failed, next int64
		if !s.FailedAt.IsZero() {
			failed = s.FailedAt.UnixNano()
		}
		if !s.NextTry.IsZero() {
			next = s.NextTry.UnixNano()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_state (id, error, auth, failed_at, next_try) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET error = excluded.error, auth = excluded.auth,
			failed_at = excluded.failed_at, next_try = excluded.next_try`, s.Error, s.Auth, failed, next); err != nil {
			return err
		}
		return d.note(ctx, tx, FeedSyncState, 0)
	}
	var err error
	if tx != nil {
		err = write(tx)
	} else {
		err = d.st.write(ctx, write)
	}
	if err == nil {
		d.syncStatus.Store(&s)
	}
	return err
}

// refused reports whether err is Cobalt refusing the credentials.
func refused(err error) bool {
	var ae *api.Error
	return errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden)
}

// describeSyncErr says why a sync failed, as a desk shows it (no PHI:
// Cobalt's own message is left out).
func describeSyncErr(err error) string {
	var ae *api.Error
	switch {
	case refused(err):
		errors.As(err, &ae)
		return fmt.Sprintf("Cobalt refused the credentials (HTTP %d): check COBALT_CLIENT_ID, COBALT_CLIENT_SECRET and COBALT_ACCESS_TOKEN", ae.Status)
	case api.IsNotSent(err) || api.IsUnknownOutcome(err):
		return "Cobalt unreachable: " + rootCause(err)
	}
	return safeErr(err)
}

// rootCause is the innermost error's message ("connection refused", "lookup
// api.usecobalt.com: no such host"): short enough for a header.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// CobaltReachable says whether the last contact with Cobalt by this
// process's background jobs succeeded; known is false before any.
func (d *Desk) CobaltReachable() (ok, known bool) {
	switch d.reach.Load() {
	case 1:
		return true, true
	case 2:
		return false, true
	}
	return false, false
}

func (d *Desk) setReach(err error) {
	if err == nil {
		d.reach.Store(1)
	} else if api.IsNotSent(err) || api.IsUnknownOutcome(err) || refused(err) {
		d.reach.Store(2)
	}
}

// syncLoop syncs when due: never synced, or the oldest directory is older
// than SyncEvery; after a failure it waits with backoff.
func (d *Desk) syncLoop(ctx context.Context, o RunOptions) {
	failures := 0
	every := time.Duration(float64(o.SyncEvery) * o.Jitter()) // spread desks' clinics apart
	for {
		wait := d.syncDue(every)
		if failures > 0 {
			// A failure's wait, recorded in the status, comes first.
			wait = max(wait, time.Until(d.SyncStatus().NextTry))
		}
		if wait > 0 {
			t := time.NewTimer(min(wait, time.Minute)) // re-read: another process may have synced
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		_, err := d.Sync(ctx, nil)
		if ctx.Err() != nil {
			return
		}
		d.setReach(err)
		if err == nil {
			failures = 0
			every = time.Duration(float64(o.SyncEvery) * o.Jitter())
			continue
		}
		failures++
		delay := min(o.RetryMin<<min(failures-1, 20), o.RetryMax)
		if refused(err) {
			delay = o.AuthRetry
		}
		delay = time.Duration(float64(delay) * o.Jitter())
		now := d.now()
		st := SyncStatus{Error: describeSyncErr(err), Auth: refused(err), FailedAt: now, NextTry: now.Add(delay)}
		d.log.Warn("automatic sync failed", "err", st.Error, "next_try_in", delay.Round(time.Second).String())
		if werr := d.setSyncStatus(ctx, nil, st); werr != nil {
			d.log.Warn("recording the sync status", "err", werr)
		}
	}
}

// syncDue is how long until the next sync is due (<= 0: now).
func (d *Desk) syncDue(every time.Duration) time.Duration {
	var oldest time.Time
	for _, dir := range directories {
		t := d.SyncedAt(dir)
		if t.IsZero() {
			return 0
		}
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	if every <= 0 {
		return time.Duration(1<<63 - 1)
	}
	return oldest.Add(every).Sub(d.now())
}
