package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"refdesk/api"
	"refdesk/icd10"
)

// Directory names one synced directory.
type Directory string

// The three synced directories.
const (
	Patients           Directory = "patients"
	Providers          Directory = "providers"
	ReferringProviders Directory = "referring_providers"
)

// directories lists them in sync order.
var directories = [...]Directory{Providers, ReferringProviders, Patients}

// Options configures a Desk.
type Options struct {
	Path string // the SQLite file (created 0600, its folder 0700)
	// DatabaseURL, when set (postgres:// or postgresql://…), keeps the
	// store in that PostgreSQL database instead of the SQLite file at Path
	// (engine.go).
	DatabaseURL string
	Client      *api.Client // Cobalt or the sandbox
	Logger      *slog.Logger
	Now         func() time.Time
	Grace       time.Duration // Processing with no event this long is polled (default 5s)
	PollHorizon time.Duration // then "no answer yet" for a person (default 3m)
	ReadOnly    bool          // a second process reading (refdesk referrals)
	// Codes is the diagnosis code set every referral is checked against
	// (nil: the embedded one, icd10.Embedded).
	Codes *icd10.Set

	// PollInterval is the reconciler's first polling interval (default 1s,
	// as Cobalt suggests); after PollSlowAfter (default 1m) of polling one
	// referral it grows by half each poll up to PollMaxInterval (default 10s).
	PollInterval    time.Duration
	PollSlowAfter   time.Duration
	PollMaxInterval time.Duration
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Codes == nil {
		o.Codes = icd10.Embedded()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	if o.PollHorizon <= 0 {
		o.PollHorizon = 3 * time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.PollSlowAfter <= 0 {
		o.PollSlowAfter = time.Minute
	}
	if o.PollMaxInterval <= 0 {
		o.PollMaxInterval = 10 * time.Second
	}
	if o.PollMaxInterval < o.PollInterval {
		o.PollMaxInterval = o.PollInterval
	}
}

// SyncProgress reports a sync under way.
type SyncProgress struct {
	Directory   Directory
	Done, Total int
}

// SyncReport says what a sync changed.
type SyncReport struct {
	Counts  map[Directory]int // rows now in each directory
	Changed map[Directory]int // rows added, changed or removed
	Took    time.Duration
}

// Filter selects referrals.
type Filter struct {
	Status    []Status
	Attention bool // only referrals flagged for a person
	Since     time.Time
	Limit     int
}

// Desk is one process's state: store, indexes, hub, reconciler. Safe for
// concurrent use by every session of the process. The hub is per process;
// with Run, the changes other processes commit to the same store reach it
// too (the change feed), within a second. Two read-write processes on one
// SQLite file, or several nodes on one PostgreSQL database (engine.go:
// serializable writes, retried), are safe; each marks Submitting referrals
// Unknown at start-up, and a POST still in flight in another process then
// records its answer from Unknown.
type Desk struct {
	opt    Options
	st     *store
	log    *slog.Logger
	client *api.Client
	hub    *hub
	idx    map[Directory]*Index
	recent recentDesks // each desk's own recent choices (deskrecent.go)

	// wmu orders each write with its publication, so subscribers see a
	// referral's changes in the order they were committed.
	wmu        sync.Mutex
	moving     atomic.Pointer[movedIn] // the transaction writeAndPublish runs (under wmu)
	syncMu     sync.Mutex              // one Sync at a time
	evMu       sync.Mutex              // guards evq
	evq        eventQueue              // webhook events waiting to be stored (eventbatch.go)
	reconciler atomic.Bool             // one Reconcile at a time

	// Across processes (see Run): the change feed, the leases, this
	// desk's name in both, and what the background jobs found.
	feed       ChangeFeed
	leaser     Leaser
	origin     string
	background atomic.Bool
	syncStatus atomic.Pointer[SyncStatus]
	reach      atomic.Int32 // 0 unknown, 1 Cobalt answered, 2 it did not
	syncing    atomic.Int32 // syncs under way in this process
	count      counters
}

// Open opens (creating and migrating) the store, loads the indexes from the
// cache, and marks referrals left in Submitting by a crash as Unknown. With
// ReadOnly the file must exist; nothing is migrated or marked, every write
// returns ErrReadOnly, and the indexes stay empty (a reader lists
// referrals; it does not pick providers).
func Open(ctx context.Context, opt Options) (*Desk, error) {
	opt.defaults()
	st, err := openStore(ctx, opt)
	if err != nil {
		return nil, err
	}
	d := &Desk{opt: opt, st: st, log: opt.Logger, client: opt.Client, hub: newHub(subscriberBuffer),
		idx: make(map[Directory]*Index), origin: newOrigin()}
	if st.pg {
		// Several nodes: NOTIFY fans changes out, advisory locks keep one
		// holder per job (pgfeed.go, pglease.go).
		d.feed = &pgFeed{st: st, url: opt.DatabaseURL, tick: time.Second, now: opt.Now, log: opt.Logger}
		d.leaser = &pgLeaser{url: opt.DatabaseURL, now: opt.Now, log: opt.Logger}
	} else {
		d.feed = &sqliteFeed{st: st, interval: 200 * time.Millisecond, now: opt.Now}
		d.leaser = &sqliteLeaser{st: st, now: opt.Now}
	}
	for _, dir := range directories {
		d.idx[dir] = NewIndex(nil)
	}
	d.loadSyncStatus(ctx)
	if opt.ReadOnly {
		return d, nil
	}
	if st.before > 0 && st.before < len(migrations) {
		d.log.Info(fmt.Sprintf("database schema migrated from %d to %d", st.before, len(migrations)),
			"engine", st.engine(), "from", st.before, "to", len(migrations))
	}
	if err := d.recoverInterrupted(ctx); err != nil {
		st.close()
		return nil, err
	}
	for _, dir := range directories {
		entries, err := d.loadEntries(ctx, dir)
		if err != nil {
			st.close()
			return nil, err
		}
		d.idx[dir].Replace(entries)
	}
	if err := d.seedRecency(ctx); err != nil {
		d.log.Warn("recent choices not restored", "err", err.Error())
	}
	return d, nil
}

// newOrigin names a Desk uniquely among the processes sharing a store.
func newOrigin() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}

// CauseInterrupted is the cause recorded for a referral found in Submitting
// at start-up.
const CauseInterrupted = "interrupted before the answer was recorded"

// recoverInterrupted marks referrals left in Submitting as Unknown: the
// request may have left, so only reconciliation may say what happened.
func (d *Desk) recoverInterrupted(ctx context.Context) error {
	ids, err := d.idsWithStatus(ctx, Submitting)
	if err != nil || len(ids) == 0 {
		return err
	}
	return d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		for _, id := range ids {
			if err := d.transition(ctx, tx, id, Unknown, CauseInterrupted, update{}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (d *Desk) idsWithStatus(ctx context.Context, s Status) ([]int64, error) {
	return d.queryIDs(ctx, "SELECT id FROM referrals WHERE status = ? ORDER BY id", s)
}

// queryIDs runs a query whose rows are one id each.
func (d *Desk) queryIDs(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := d.st.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Close releases the store. Subscriptions end with their own contexts.
func (d *Desk) Close() error {
	if l, ok := d.leaser.(*pgLeaser); ok {
		l.close() // leases still held end with their connections
	}
	return d.st.close()
}

// Index is the shared in-memory index of a directory (nil for an unknown
// directory).
func (d *Desk) Index(dir Directory) *Index { return d.idx[dir] }

// Subscribe delivers every referral change until ctx ends, when the channel
// is closed. A subscriber that falls behind receives Change{Refresh: true}
// in place of the changes it missed.
func (d *Desk) Subscribe(ctx context.Context) <-chan Change { return d.hub.subscribe(ctx) }

func (d *Desk) now() time.Time { return d.opt.Now() }

// Codes is the diagnosis code set referrals are checked against (the
// embedded one on a nil Desk, as a screen without a desk has).
func (d *Desk) Codes() *icd10.Set {
	if d == nil {
		return icd10.Embedded()
	}
	return d.opt.Codes
}

// writeAndPublish runs fn in one write transaction; the referrals whose ids
// fn leaves in *changed are read back inside that transaction and published
// after the commit, in commit order. fn may run more than once (store.write
// retries on PostgreSQL): *changed is restored before each run, and fn
// resets whatever else it captures.
func (d *Desk) writeAndPublish(ctx context.Context, changed *[]int64, fn func(tx *sql.Tx) error) error {
	if d.st.ro {
		return ErrReadOnly
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	var out []Referral
	var moved []moved
	// A retried transaction (PostgreSQL) starts from the ids the caller
	// gave, not from what an aborted try of fn added.
	given := append([]int64(nil), *changed...)
	err := d.st.write(ctx, func(tx *sql.Tx) error {
		*changed = append((*changed)[:0], given...)
		col := &movedIn{tx: tx}
		d.moving.Store(col)
		defer d.moving.Store(nil)
		if err := fn(tx); err != nil {
			return err
		}
		moved = col.ms
		var ids []int64
		seen := make(map[int64]bool)
		for _, id := range *changed {
			if seen[id] {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if err := d.noteReferrals(ctx, tx, ids); err != nil {
			return err
		}
		var err error
		if out, err = getReferrals(ctx, tx, ids); err != nil {
			return err
		}
		return movedIDs(ctx, tx, moved, out)
	})
	if err != nil {
		return err
	}
	d.logMoved(moved)
	for _, r := range out {
		d.hub.publish(Change{Referral: r})
	}
	return nil
}

// Audit records who did what. Detail must hold no PHI beyond local ids.
func (d *Desk) Audit(ctx context.Context, user, action, detail string) error {
	return d.st.write(ctx, func(tx *sql.Tx) error { return audit(ctx, tx, d.now(), user, action, detail) })
}

func audit(ctx context.Context, tx *sql.Tx, at time.Time, user, action, detail string) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO audit (at, \"user\", action, detail) VALUES (?, ?, ?, ?)",
		at.UnixNano(), user, action, detail)
	return err
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	At                   time.Time
	User, Action, Detail string
}

// AuditLog returns the latest limit audit entries, newest first.
func (d *Desk) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := d.st.r.QueryContext(ctx,
		`SELECT at, "user", action, detail FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.User, &e.Action, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.Unix(0, at)
		out = append(out, e)
	}
	return out, rows.Err()
}

var errNoClient = errors.New("no Cobalt client is configured")
