package state

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// Two Desks on one store (two nodes on one PostgreSQL database, or two
// processes on one SQLite file) apply the same webhook events at once,
// while the sender records each POST's answer: every event is stored once
// and every referral moves through each status once, none left waiting.
// On PostgreSQL the event (looking the referral up) and the answer (looking
// its pending events up) race; only serializable transactions retried whole
// keep one of them from missing the other.
func TestTwoDesksApplyTheSameEventsOnce(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "refdesk.db")
	a := openTest(t, Options{Path: p}) // the sender
	b := openTest(t, Options{Path: p}) // two webhook receivers
	c := openTest(t, Options{Path: p})
	const n = 40
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = outbox(t, a, sampleInput())
	}
	errs := make(chan error, 3*n)
	var wg sync.WaitGroup
	for i, id := range ids {
		ref, job := fmt.Sprintf("ref-%d", i), fmt.Sprint(1000+i)
		ev := event("ev-"+ref, api.EventReferralCreated, job, created(ref, "EHR-"+ref))
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, err := a.record(ctx, id, api.CreateReferralResponse{Success: true, ReferralID: ref, JobID: api.JobID(job)}, nil)
			errs <- err
		}()
		for _, d := range []*Desk{b, c} {
			go func() {
				defer wg.Done()
				errs <- d.ApplyEvent(ctx, ev)
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent write: %v", err)
		}
	}
	if got := countEvents(t, a, "1 = 1"); got != n {
		t.Errorf("%d events stored, want %d (one per event id)", got, n)
	}
	if got := countEvents(t, a, "applied = 0"); got != 0 {
		t.Errorf("%d events left pending", got)
	}
	t.Logf("write transactions retried: %d", a.st.retries.Load()+b.st.retries.Load()+c.st.retries.Load())
	want := []Status{Draft, Submitting, Processing, Completed}
	for i, id := range ids {
		r, ts := mustGet(t, b, id)
		if r.Status != Completed || r.EHRID != fmt.Sprintf("EHR-ref-%d", i) || !samePath(path(ts), want) {
			t.Errorf("referral %d: status %s, EHR id %q, path %v; want completed once, path %v", id, r.Status, r.EHRID, path(ts), want)
		}
	}
}

// Two processes (nodes) syncing the same store at once both finish, and
// the cache is the directory once, in Cobalt's order, each index whole.
func TestTwoDesksSyncAtOnce(t *testing.T) {
	e := newEnv(t, envOpts{noSync: true, sandbox: sandbox.Options{Patients: 700, ReferringProviders: 600, Providers: 20}})
	other := openTest(t, Options{Path: e.path, Client: e.client})
	ctx := context.Background()
	errs := make(chan error, 2)
	for _, d := range []*Desk{e.d, other} {
		go func() {
			_, err := d.Sync(ctx, nil)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Sync: %v", err)
		}
	}
	want := map[Directory]int{Providers: 20, ReferringProviders: 600, Patients: 700}
	for dir, n := range want {
		if got := cacheCount(t, e.d, dir); got != n {
			t.Errorf("%s: %d rows cached, want %d", dir, got, n)
		}
		for _, d := range []*Desk{e.d, other} {
			if got := d.Index(dir).Len(); got != n {
				t.Errorf("%s index holds %d, want %d", dir, got, n)
			}
		}
	}
	// The cache keeps Cobalt's order: what the API lists first is first.
	pts, _, err := e.client.Patients(ctx, api.PatientQuery{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := other.loadEntries(ctx, Patients)
	if err != nil || len(entries) == 0 || len(pts) == 0 || entries[0].Key != pts[0].MRN {
		t.Errorf("first cached patient %v (err %v), Cobalt's first %v", entries[:min(1, len(entries))], err, pts[:min(1, len(pts))])
	}
}
