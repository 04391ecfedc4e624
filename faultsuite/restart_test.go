package faultsuite

import (
	"context"
	"testing"
	"time"

	"refdesk/state"
)

// restart crashes the current generation and opens the next on the same
// file with a new client. Referrals left in Submitting must come back
// Unknown, recorded as interrupted.
func (h *harness) restart(t *testing.T) {
	t.Helper()
	g := h.detach()
	if g == nil {
		t.Fatal("restart: no generation is running")
	}
	// Close the store while Submit calls may still be running (their POSTs
	// are cut by the cancelled context): like a crash, some rows stay in
	// Submitting. stop waits for every call to return before reopening.
	g.closing.Store(true)
	g.cancel()
	select {
	case <-g.reconciled:
	case <-time.After(stopBound):
		h.breakOff()
		t.Fatalf("restart %d: the reconciler still runs %v after its context ended", g.n, stopBound)
	}
	if err := g.desk.Close(); err != nil {
		t.Errorf("closing generation %d: %v", g.n, err)
	}
	if err := h.stop(g); err != nil {
		t.Fatal(err)
	}
	stuck, err := h.submittingIDs()
	if err != nil {
		h.breakOff()
		t.Fatalf("restart %d: reading the store: %v", g.n, err)
	}
	ng, err := h.open(g.n + 1)
	if err != nil {
		h.breakOff()
		t.Fatal(err)
	}
	for _, id := range stuck {
		r, ts, err := ng.desk.Get(context.Background(), id)
		last := state.Transition{}
		if len(ts) > 0 {
			last = ts[len(ts)-1]
		}
		if err != nil || r.Status != state.Unknown || last.From != state.Submitting || last.Cause != state.CauseInterrupted {
			t.Errorf("restart %d: referral %d was Submitting; after reopening: status %s, last transition %+v, err %v",
				g.n, id, r.Status, last, err)
		}
	}
	h.interrupted.Add(int64(len(stuck)))
	t.Logf("restart %d: %d submissions started; %d referrals were left Submitting and are now Unknown",
		g.n, h.started.Load(), len(stuck))
	h.run(ng)
}

// submittingIDs lists the referrals in Submitting, read by a read-only
// desk as `refdesk referrals` would while no process runs.
func (h *harness) submittingIDs() ([]int64, error) {
	ro, err := state.Open(context.Background(), state.Options{Path: h.path, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer ro.Close()
	refs, err := ro.Referrals(context.Background(), state.Filter{Status: []state.Status{state.Submitting}})
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	return ids, err
}
