package state

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestAbandonedSubmittingBecomesUnknown: a referral left Submitting by a
// sender that died (another node, a killed `refdesk submit`) is marked
// Unknown once no POST can still be running, by the process that is still
// up, without waiting for a restart; one still in flight is left alone.
func TestAbandonedSubmittingBecomesUnknown(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	d := openTest(t, Options{Now: clock})
	ctx := context.Background()

	old := outbox(t, d, sampleInput())
	advance(inFlightLimit - time.Minute)
	fresh := outbox(t, d, sampleInput())
	if n, err := d.markAbandoned(ctx, inFlightLimit); err != nil || n != 0 {
		t.Fatalf("before the limit: %d marked (%v), want none", n, err)
	}
	advance(2 * time.Minute)
	n, err := d.markAbandoned(ctx, inFlightLimit)
	if err != nil || n != 1 {
		t.Fatalf("past the limit: %d marked (%v), want 1", n, err)
	}
	r, tr := mustGet(t, d, old)
	if r.Status != Unknown || tr[len(tr)-1].Cause != CauseAbandoned {
		t.Errorf("abandoned referral: %s (%q), want Unknown (%q)", r.Status, tr[len(tr)-1].Cause, CauseAbandoned)
	}
	if r, _ := mustGet(t, d, fresh); r.Status != Submitting {
		t.Errorf("a referral whose POST may still run became %s", r.Status)
	}
}
