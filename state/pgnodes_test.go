package state

import (
	"context"
	"path/filepath"
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
	// drain counts what b's subscriber got for within d.
	drain := func(d time.Duration) {
		t.Helper()
		end := time.After(d)
		for {
			select {
			case c := <-sub:
				if c.Refresh {
					t.Fatal("b's subscriber fell behind (Refresh)")
				}
				heard[c.Referral.ID]++
			case <-end:
				return
			}
		}
	}
	// Until b follows.
	deadline := time.Now().Add(10 * time.Second)
	for len(heard) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("b never heard of a's changes")
		}
		outbox(t, a, sampleInput())
		drain(300 * time.Millisecond)
	}
	clear(heard)

	feed := b.feed.(*pgFeed)
	old := feed.pid.Load()
	if _, err := a.st.r.ExecContext(ctx, "SELECT pg_terminate_backend(?)", int64(old)); err != nil {
		t.Fatal(err)
	}
	var want []int64
	for range 20 {
		want = append(want, outbox(t, a, sampleInput()))
	}
	drain(3 * time.Second)
	for _, id := range want {
		if heard[id] != 1 {
			t.Errorf("referral %d reached b's subscriber %d times, want once", id, heard[id])
		}
	}
	if len(heard) != len(want) {
		t.Errorf("b's subscriber heard of %d referrals, want %d", len(heard), len(want))
	}
	if now := feed.pid.Load(); now == old {
		t.Errorf("b still listens on backend %d: it never reconnected", now)
	}
}
