package state

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// leadRig runs Desk.lead for one process on a pgLeaser, its job marking
// itself as running.
type leadRig struct {
	d       *Desk
	l       *pgLeaser
	running atomic.Bool
	stop    context.CancelFunc
	done    chan struct{}
}

func startLead(url, origin string, ttl time.Duration) *leadRig {
	log := slog.New(slog.DiscardHandler)
	l := &pgLeaser{url: url, now: time.Now, log: log}
	r := &leadRig{l: l, d: &Desk{leaser: l, origin: origin, log: log}, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = func() { cancel(); <-r.done }
	go func() {
		defer close(r.done)
		r.d.lead(ctx, LeaseCobalt, ttl, ttl/3, func(ctx context.Context) {
			r.running.Store(true)
			<-ctx.Done()
			r.running.Store(false)
		})
	}()
	return r
}

// Two processes lead on one database: one runs the job; its connection
// killed by the server, the other takes over within the TTL, and its lease
// released, the first takes it back within a renewal; never both at once.
func TestPGLeaseTakeover(t *testing.T) {
	url, db := pgSchema(t)
	ctx := context.Background()
	const ttl = 1500 * time.Millisecond
	a, b := startLead(url, "node-a", ttl), startLead(url, "node-b", ttl)
	defer a.stop()
	defer b.stop()

	var both, samples atomic.Int64
	sctx, stopSampling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for sctx.Err() == nil {
			if a.running.Load() && b.running.Load() {
				both.Add(1)
			}
			samples.Add(1)
			time.Sleep(time.Millisecond)
		}
	})
	defer func() {
		stopSampling()
		wg.Wait()
		if n := both.Load(); n > 0 {
			t.Errorf("both processes ran the job at once in %d of %d samples", n, samples.Load())
		}
	}()

	// waitRunning waits until exactly r runs the job.
	waitRunning := func(r, other *leadRig, budget time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for !r.running.Load() || other.running.Load() {
			if time.Since(start) > budget {
				t.Fatalf("%s does not run the job alone after %s", r.d.origin, budget)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	holder, other := a, b
	deadline := time.Now().Add(patience)
	for !a.running.Load() && !b.running.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if b.running.Load() {
		holder, other = b, a
	}
	waitRunning(holder, other, patience)
	var who string
	if err := db.QueryRowContext(ctx, "SELECT holder FROM leases WHERE name = $1", LeaseCobalt).Scan(&who); err != nil || who != holder.d.origin {
		t.Errorf("leases row names %q (%v), want %q", who, err, holder.d.origin)
	}

	// The holder's lock connection dies (as when its node is killed).
	pid := holder.l.pid(LeaseCobalt)
	var ok bool
	if err := db.QueryRowContext(ctx, "SELECT pg_terminate_backend($1)", int64(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d): %v %v", pid, ok, err)
	}
	took := waitRunning(other, holder, patience)
	t.Logf("taken over %s after the holder's connection was killed (TTL %s, renewal %s)", took.Round(time.Millisecond), ttl, ttl/3)
	// About the TTL and a renewal (2 s); the bound leaves room for a loaded
	// machine under -race, and still fails a takeover that waits for
	// something else than the holder's time running out.
	if took > 4*ttl {
		t.Errorf("takeover took %s, want about the TTL %s and a renewal", took, ttl)
	}
	// The first keeps trying; it must not take the lease back meanwhile.
	time.Sleep(ttl)
	waitRunning(other, holder, 0)

	// A clean stop releases it: the row goes at once (the first need not
	// wait for it to expire), and the first takes it back at its next try.
	other.stop()
	who = ""
	if err := db.QueryRowContext(ctx, "SELECT holder FROM leases WHERE name = $1", LeaseCobalt).Scan(&who); err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	if who == other.d.origin {
		t.Errorf("the leases row still names %q after its clean stop", who)
	}
	back := waitRunning(holder, other, patience)
	t.Logf("taken back %s after a clean release (renewal %s)", back.Round(time.Millisecond), ttl/3)
}
