package state

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Two nodes on one PostgreSQL database: node b's listening connection is
// ended by the server while node a writes; b reconnects, and every change
// a made reaches b's subscribers exactly once.
func TestPGNodeListenerKilledCatchesUp(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL only: runs in the suite's PostgreSQL pass")
	}
	path := filepath.Join(t.TempDir(), "refdesk.db")
	a := openTest(t, Options{Path: path})
	b := openTest(t, Options{Path: path})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	startRun(t, b, RunOptions{})
	sub := b.Subscribe(ctx)
	heard := map[int64]int{}
	// drainUntil counts what b's subscriber gets until done says so, for
	// at most patience.
	drainUntil := func(what string, done func() bool) {
		t.Helper()
		end := time.After(patience)
		for !done() {
			select {
			case c := <-sub:
				if c.Refresh {
					t.Fatal("b's subscriber fell behind (Refresh)")
				}
				heard[c.Referral.ID]++
			case <-end:
				t.Fatalf("not within %s: %s", patience, what)
			}
		}
	}
	// Until b follows. The probes may arrive late: they are not counted.
	probes := map[int64]bool{}
	deadline := time.Now().Add(patience)
	for len(heard) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("b never heard of a's changes")
		}
		probes[outbox(t, a, sampleInput())] = true
		select {
		case c := <-sub:
			heard[c.Referral.ID]++
		case <-time.After(300 * time.Millisecond):
		}
	}

	feed := b.feed.(*pgFeed)
	old := feed.pid.Load()
	if _, err := a.st.r.ExecContext(ctx, "SELECT pg_terminate_backend(?)", int64(old)); err != nil {
		t.Fatal(err)
	}
	var want []int64
	for range 20 {
		want = append(want, outbox(t, a, sampleInput()))
	}
	all := func() bool {
		for _, id := range want {
			if heard[id] == 0 {
				return false
			}
		}
		return true
	}
	drainUntil("b's subscriber hears of the 20 referrals written while it reconnected", all)
	// A last one, written after them all: once it is heard, b's follower
	// has read past them, and anything delivered twice has come.
	want = append(want, outbox(t, a, sampleInput()))
	drainUntil("b's subscriber hears of a referral written after them", all)
	for _, id := range want {
		if heard[id] != 1 {
			t.Errorf("referral %d reached b's subscriber %d times, want once", id, heard[id])
		}
	}
	for id, n := range heard {
		if !probes[id] && !slices.Contains(want, id) {
			t.Errorf("b's subscriber heard %d times of referral %d, which a did not write", n, id)
		}
	}
	if now := feed.pid.Load(); now == old {
		t.Errorf("b still listens on backend %d: it never reconnected", now)
	}
}
