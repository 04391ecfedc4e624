package state

import (
	"context"
	"database/sql"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for raw transactions

	"refdesk/internal/testkit"
)

// pgSchema gives a fresh PostgreSQL database (skipping without one) with
// the store's schema, and a plain pool on it.
func pgSchema(t testing.TB) (string, *sql.DB) {
	t.Helper()
	if !onPostgres() {
		t.Skip("PostgreSQL only: runs in the suite's PostgreSQL pass")
	}
	url := testkit.Postgres(t)
	ctx := context.Background()
	st, err := openStore(ctx, Options{DatabaseURL: url})
	if err != nil {
		t.Fatalf("opening the PostgreSQL store: %v", err)
	}
	st.close()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return url, db
}

// feedRig follows a pgFeed and records what it delivers.
type feedRig struct {
	t    testing.TB
	f    *pgFeed
	db   *sql.DB
	mu   sync.Mutex
	got  map[int64]int // Ref → times delivered
	seqs []int64       // in delivery order
	ch   chan FeedEntry
	stop func()
}

func newFeedRig(t testing.TB, tick time.Duration) *feedRig {
	url, db := pgSchema(t)
	r := &feedRig{t: t, db: db, got: map[int64]int{}, ch: make(chan FeedEntry, 10000),
		f: &pgFeed{url: url, tick: tick, now: time.Now, log: slog.New(slog.DiscardHandler)}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.f.Follow(ctx, "me", func(batch []FeedEntry) {
			r.mu.Lock()
			for _, e := range batch {
				r.got[e.Ref]++
				r.seqs = append(r.seqs, e.Seq)
			}
			r.mu.Unlock()
			for _, e := range batch {
				r.ch <- e
			}
		})
	}()
	r.stop = func() { cancel(); <-done }
	t.Cleanup(r.stop)
	r.probe(-1)
	return r
}

// record commits an entry for ref from origin "other" in its own
// transaction.
func (r *feedRig) record(ref int64) {
	r.t.Helper()
	tx := r.begin(ref)
	if err := tx.Commit(); err != nil {
		r.t.Fatal(err)
	}
}

// begin opens a transaction holding an entry for ref, not committed.
func (r *feedRig) begin(ref int64) *sql.Tx {
	r.t.Helper()
	tx, err := r.db.BeginTx(context.Background(), nil)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.f.Record(context.Background(), tx, FeedEntry{Kind: FeedReferral, Ref: ref, Origin: "other"}); err != nil {
		r.t.Fatal(err)
	}
	return tx
}

// probe commits entries for ref until one arrives: the follower is
// following from then on, and has read past every entry committed before.
func (r *feedRig) probe(ref int64) {
	r.t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		r.record(ref)
		select {
		case e := <-r.ch:
			if e.Ref == ref {
				return
			}
		case <-time.After(300 * time.Millisecond):
		}
	}
	r.t.Fatal("the follower never delivered a probe entry")
}

// waitFor waits until every ref in want was delivered.
func (r *feedRig) waitFor(want []int64, timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		missing := 0
		for _, ref := range want {
			if r.got[ref] == 0 {
				missing++
			}
		}
		r.mu.Unlock()
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d of %d entries never delivered", missing, len(want))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// once checks every ref in want was delivered exactly once and nothing
// else (but probes, refs < 0) at all.
func (r *feedRig) once(want []int64) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	wanted := map[int64]bool{}
	for _, ref := range want {
		wanted[ref] = true
		if n := r.got[ref]; n != 1 {
			r.t.Errorf("entry %d delivered %d times, want once", ref, n)
		}
	}
	for ref, n := range r.got {
		if ref >= 0 && !wanted[ref] {
			r.t.Errorf("entry %d delivered %d times, want never (rolled back or our own)", ref, n)
		}
	}
}

// A transaction that took its id first and commits last is still
// delivered, however long it held its id; a rolled-back id is skipped and
// never delivered; our own origin is not delivered; nothing comes twice.
func TestPGFeedOutOfOrderCommits(t *testing.T) {
	r := newFeedRig(t, 100*time.Millisecond)
	ctx := context.Background()

	a := r.begin(1) // takes the lower id…
	r.record(2)     // …which commits after this one
	r.waitFor([]int64{2}, patience)
	rolled := r.begin(3)
	r.record(4)
	if err := rolled.Rollback(); err != nil {
		t.Fatal(err)
	}
	// Held far longer than any "a gap is dead after a while" guess would
	// wait, while the follower reads many times.
	time.Sleep(2500 * time.Millisecond)
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.f.Record(ctx, tx, FeedEntry{Kind: FeedReferral, Ref: 5, Origin: "me"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r.record(6)
	r.waitFor([]int64{1, 2, 4, 6}, patience)
	r.probe(-2) // the follower read past them all: nothing else comes
	r.once([]int64{1, 2, 4, 6})
}

// Many writers commit and roll back in random order: every committed entry
// arrives once, no rolled-back one.
func TestPGFeedConcurrentWriters(t *testing.T) {
	r := newFeedRig(t, 200*time.Millisecond)
	const writers, each = 8, 40
	var mu sync.Mutex
	var want []int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ref := int64(1000*w + i)
				tx := r.begin(ref)
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
				if rand.IntN(5) == 0 {
					_ = tx.Rollback()
					continue
				}
				if err := tx.Commit(); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want = append(want, ref)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.waitFor(want, patience)
	r.probe(-2) // the follower read past them all: nothing else comes
	r.once(want)
	r.mu.Lock()
	gaps := len(r.seqs)
	r.mu.Unlock()
	t.Logf("%d entries committed by %d writers, %d delivered", len(want), writers, gaps)
}

// The listening connection ended by the server: the follower reconnects,
// and what was committed meanwhile arrives, once.
func TestPGFeedReconnects(t *testing.T) {
	r := newFeedRig(t, 5*time.Second) // no tick to hide a missed notification
	ctx := context.Background()
	var want []int64
	for i := range 10 {
		r.record(int64(i))
		want = append(want, int64(i))
	}
	r.waitFor(want, patience)
	old := r.f.pid.Load()
	held := r.begin(100) // holds an id across the reconnect
	var ok bool
	if err := r.db.QueryRowContext(ctx, "SELECT pg_terminate_backend($1)", int64(old)).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d): %v %v", old, ok, err)
	}
	for i := 10; i < 30; i++ { // while it is away
		r.record(int64(i))
		want = append(want, int64(i))
	}
	if err := held.Commit(); err != nil {
		t.Fatal(err)
	}
	want = append(want, 100)
	r.waitFor(want, patience)
	if now := r.f.pid.Load(); now == old {
		t.Errorf("the listening connection is still backend %d: it never reconnected", now)
	}
	r.record(200) // and it listens again
	want = append(want, 200)
	r.waitFor(want, patience)
	r.probe(-2) // the follower read past them all: nothing else comes
	r.once(want)
}

// BenchmarkPGFeedLatency measures commit → delivery to another process's
// follower (the notification, the read, the apply callback): p50 and p99.
func BenchmarkPGFeedLatency(b *testing.B) {
	r := newFeedRig(b, time.Second)
	var lat []time.Duration
	ref := int64(0)
	for b.Loop() {
		ref++
		tx := r.begin(ref)
		start := time.Now()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		for e := range r.ch {
			if e.Ref == ref {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

// reportLatency reports p50 and p99 of lat in milliseconds.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sorted := append([]time.Duration(nil), lat...)
	slices.Sort(sorted)
	at := func(p float64) float64 {
		return float64(sorted[min(int(p*float64(len(sorted))), len(sorted)-1)].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.Logf("%d samples: p50 %.2f ms, p99 %.2f ms, max %.2f ms", len(sorted), at(0.5), at(0.99), at(1))
}
