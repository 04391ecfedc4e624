package state

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// freeAddr is a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serveAt serves h on addr (retrying while the port is released) until the
// returned stop is called.
func serveAt(t *testing.T, addr string, h http.Handler) (stop func()) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			srv.Close()
		}
	}
	t.Cleanup(stop)
	return stop
}

func smallSandbox() *sandbox.Server {
	return sandbox.New(sandbox.Options{Patients: 50, ReferringProviders: 60, Providers: 10,
		DelayMin: 5 * time.Millisecond, DelayMax: 20 * time.Millisecond, FailureRate: sandbox.Rate(0)})
}

func clientAt(addr string) *api.Client {
	return api.New(api.Config{BaseURL: "http://" + addr + "/v1", ClientID: "sandbox", ClientSecret: "sandbox",
		AccessToken: "sandbox", RetryBaseDelay: 5 * time.Millisecond})
}

var fastRun = RunOptions{RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond,
	Jitter: func() float64 { return 1 }}

func startRun(t *testing.T, d *Desk, o RunOptions) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := d.Start(ctx, o)
	t.Cleanup(func() { cancel(); <-done })
}

// patience is how long a test waits for something that normally takes
// well under a second: a loaded 2-core CI machine under -race can be 10x
// slower, and a deadline is only reached when the thing never comes.
const patience = 20 * time.Second

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A desk opened while Cobalt refuses connections starts, says why the
// directories are not synced, and syncs once Cobalt is there.
func TestRunFirstSyncWaitsForCobalt(t *testing.T) {
	addr := freeAddr(t)
	d := openTest(t, Options{Client: clientAt(addr)})
	startRun(t, d, fastRun)
	eventually(t, patience, "the sync status says Cobalt is unreachable", func() bool {
		st := d.SyncStatus()
		return strings.HasPrefix(st.Error, "Cobalt unreachable: ") && !st.NextTry.IsZero()
	})
	if ok, known := d.CobaltReachable(); ok || !known {
		t.Errorf("CobaltReachable = %v, %v; want false, true", ok, known)
	}
	serveAt(t, addr, smallSandbox())
	eventually(t, patience, "the first sync completes", func() bool {
		return !d.SyncedAt(Patients).IsZero() && d.SyncStatus().Error == "" && d.Index(Patients).Len() > 0
	})
}

// Credentials refused are said plainly and retried slowly.
func TestRunCredentialsRefusedRetriedSlowly(t *testing.T) {
	addr := freeAddr(t)
	serveAt(t, addr, smallSandbox())
	c := api.New(api.Config{BaseURL: "http://" + addr + "/v1", ClientID: "wrong", ClientSecret: "wrong", AccessToken: "wrong"})
	d := openTest(t, Options{Client: c})
	o := fastRun
	o.AuthRetry = time.Hour
	startRun(t, d, o)
	eventually(t, patience, "the status says the credentials were refused", func() bool {
		st := d.SyncStatus()
		return st.Auth && strings.Contains(st.Error, "refused the credentials") && time.Until(st.NextTry) > 50*time.Minute
	})
}

// A referral Not sent because Cobalt was down goes, once, when Cobalt
// answers, even with two processes running the outbox.
func TestOutboxSendsOnceWhenCobaltAnswers(t *testing.T) {
	addr := freeAddr(t)
	sb := smallSandbox()
	stop := serveAt(t, addr, sb)
	path := filepath.Join(t.TempDir(), "refdesk.db")
	a := openTest(t, Options{Path: path, Client: clientAt(addr)})
	b := openTest(t, Options{Path: path, Client: clientAt(addr)})
	if _, err := a.Sync(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	stop()
	r, err := a.Submit(context.Background(), "amy", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != NotSent || r.FailureReason != ReasonNotSent {
		t.Fatalf("status %s reason %q", r.Status, r.FailureReason)
	}
	if n, _ := a.OutboxBacklog(context.Background()); n != 1 {
		t.Fatalf("backlog %d, want 1", n)
	}
	startRun(t, a, fastRun)
	startRun(t, b, fastRun)
	time.Sleep(300 * time.Millisecond) // a few failed rounds while Cobalt is down
	if got, _, _ := a.Get(context.Background(), r.ID); got.Status != NotSent {
		t.Fatalf("sent while Cobalt was down: %s", got.Status)
	}
	serveAt(t, addr, sb)
	got := waitFor(t, a, r.ID, patience, func(r Referral) bool { return r.ReferralID != "" })
	if got.Status == NotSent || got.Status == Failed {
		t.Fatalf("status %s", got.Status)
	}
	time.Sleep(500 * time.Millisecond) // time for a second send, if there were one
	if n := sb.Stats().Referrals; n != 1 {
		t.Fatalf("the sandbox holds %d referrals, want 1", n)
	}
}

// Another process's referral reaches this process's subscribers, and its
// sync reloads this process's indexes. How fast (the README's "within a
// second": 200 ms polling on SQLite, NOTIFY on PostgreSQL) is measured by
// BenchmarkCrossProcessChange; here the deadlines are generous, for a
// loaded CI machine under -race, and the time taken is logged.
func TestOtherProcessChangesReachThisOne(t *testing.T) {
	addr := freeAddr(t)
	serveAt(t, addr, smallSandbox())
	path := filepath.Join(t.TempDir(), "refdesk.db")
	a := openTest(t, Options{Path: path, Client: clientAt(addr)})
	b := openTest(t, Options{Path: path, Client: clientAt(addr)})
	startRun(t, a, RunOptions{SyncEvery: 0}) // a holds the lease: it syncs first
	eventually(t, patience, "a's first sync", func() bool { return a.Index(Patients).Len() > 0 })
	// b does not run yet: nothing can reload its index but its own follower.
	if b.Index(Patients).Len() != 0 {
		t.Fatal("b's index filled without a reload")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	startRun(t, b, RunOptions{})
	// b reloads a's sync; a then sees b's referral.
	if _, err := a.Sync(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	synced := time.Now()
	eventually(t, patience, "b's index reloaded after a's sync", func() bool { return b.Index(Patients).Len() > 0 })
	t.Logf("b reloaded a's sync %s after it", time.Since(synced).Round(time.Millisecond))
	asub := a.Subscribe(ctx)
	start := time.Now()
	r, err := b.Submit(context.Background(), "bob", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(patience)
	for {
		select {
		case c := <-asub:
			if c.Referral.ID == r.ID {
				t.Logf("a heard of b's referral %s after Submit began", time.Since(start).Round(time.Millisecond))
				return
			}
		case <-deadline:
			t.Fatalf("a did not hear of b's referral within %s", patience)
		}
	}
}

// The Cobalt lease moves to another process when its holder dies (a closed
// store that never released it), within 10 s.
func TestLeaseMovesWhenHolderDies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "refdesk.db")
	a := openTest(t, Options{Path: path})
	b := openTest(t, Options{Path: path, Client: clientAt(freeAddr(t))})
	ctx := context.Background()
	if ok, err := a.leaser.Acquire(ctx, LeaseCobalt, a.Origin(), 6*time.Second); !ok || err != nil {
		t.Fatalf("a did not get the lease: %v %v", ok, err)
	}
	died := time.Now()
	a.Close() // dies holding it
	startRun(t, b, RunOptions{})
	if h := b.LeaseHolder(ctx, LeaseCobalt); h != a.Origin() {
		t.Fatalf("holder %q right after a died, want a's %q", h, a.Origin())
	}
	eventually(t, patience, "b takes the lease", func() bool { return b.LeaseHolder(ctx, LeaseCobalt) == b.Origin() })
	if took := time.Since(died); took < 4*time.Second {
		t.Errorf("taken after %s: before a's lease expired", took)
	}
}

// The lease holder forgets change-feed entries older than an hour.
func TestFeedPruned(t *testing.T) {
	now := time.Now()
	d := openTest(t, Options{Now: func() time.Time { return now }})
	outbox(t, d, sampleInput())
	now = now.Add(2 * time.Hour)
	outbox(t, d, sampleInput())
	if err := d.feed.Prune(context.Background(), now.Add(-feedKeep)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.st.r.QueryRow("SELECT COUNT(*) FROM changes").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d entries left (%v), want the recent one", n, err)
	}
}
