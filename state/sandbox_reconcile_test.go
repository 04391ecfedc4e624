package state

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// fast makes the reconciler's timing test-sized.
func fast(horizon time.Duration) Options {
	return Options{Grace: 50 * time.Millisecond, PollInterval: 20 * time.Millisecond,
		PollSlowAfter: 200 * time.Millisecond, PollMaxInterval: 60 * time.Millisecond, PollHorizon: horizon}
}

func reconcile(t *testing.T, d *Desk) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Reconcile(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func lastCause(t *testing.T, d *Desk, id int64) string {
	_, ts := mustGet(t, d, id)
	return ts[len(ts)-1].Cause
}

// No webhook ever arrives: the reconciler alone completes the referral.
func TestSandboxDroppedWebhookCompletedByReconciler(t *testing.T) {
	e := newEnv(t, envOpts{desk: fast(10 * time.Second),
		sandbox: sandbox.Options{FailureRate: sandbox.Rate(0.3), Faults: sandbox.Faults{DropWebhooks: 1}}})
	reconcile(t, e.d)
	var ids []int64
	for range 5 {
		r, err := e.d.Submit(context.Background(), "amy", sampleInput())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	for _, id := range ids {
		r := waitFor(t, e.d, id, patience, terminal)
		if c := lastCause(t, e.d, id); !strings.Contains(c, "(poll)") {
			t.Errorf("referral %d ended %s by %q, not by polling", id, r.Status, c)
		}
	}
	if st := e.sb.Stats(); st.DeliveryAttempts != 0 {
		t.Errorf("%d webhook deliveries attempted with DropWebhooks=1", st.DeliveryAttempts)
	}
}

// The process dies after writing the referral, before posting it: at
// restart it is Unknown; Cobalt never heard of it, so after the horizon it
// is Not sent, flagged for a person, and not resent.
func TestSandboxCrashBeforePostBecomesNotSent(t *testing.T) {
	e := newEnv(t, envOpts{desk: fast(400 * time.Millisecond)})
	id := outbox(t, e.d, sampleInput())
	e.d.Close()
	e.open(t, fast(400*time.Millisecond))
	if r, _ := mustGet(t, e.d, id); r.Status != Unknown {
		t.Fatalf("after restart: %s", r.Status)
	}
	reconcile(t, e.d)
	r := waitFor(t, e.d, id, patience, statusIs(NotSent))
	if r.Attention != AttentionNotFound || e.sb.Stats().Referrals != 0 {
		t.Errorf("attention %q, sandbox referrals %d", r.Attention, e.sb.Stats().Referrals)
	}
}

// The process dies after the POST left, before its answer was recorded,
// and the webhook is lost too: the reconciler finds the referral in
// Cobalt's list, takes its id, and completes it from the events.
func TestSandboxCrashAfterPostIsFoundAndCompleted(t *testing.T) {
	e := newEnv(t, envOpts{desk: fast(10 * time.Second), sandbox: sandbox.Options{Faults: sandbox.Faults{DropWebhooks: 1}}})
	id, resp := postLost(t, e, sampleInput(), fast(10*time.Second)) // the answer is never recorded
	reconcile(t, e.d)
	r := waitFor(t, e.d, id, patience, terminal)
	_, ts := mustGet(t, e.d, id)
	want := []Status{Draft, Submitting, Unknown, Processing, Completed}
	if r.Status != Completed || r.ReferralID != resp.ReferralID || !samePath(path(ts), want) {
		t.Errorf("status %s id %q (want %q) path %v", r.Status, r.ReferralID, resp.ReferralID, path(ts))
	}
}

// The answer to the POST is lost to a timeout while the webhook still
// comes: the referral is Unknown, the event waits, and the reconciler's
// match applies it.
func TestSandboxTimeoutIsUnknownThenReconciled(t *testing.T) {
	slowPost := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/v1/referrals" {
				h.ServeHTTP(httptest.NewRecorder(), r) // Cobalt queues it...
				<-r.Context().Done()                   // ...and the answer never comes
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpts{wrap: slowPost, desk: fast(10 * time.Second)})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r, err := e.d.Submit(ctx, "amy", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != Unknown || r.FailureReason != ReasonUnknown {
		t.Fatalf("after the timeout: %s %q", r.Status, r.FailureReason)
	}
	time.Sleep(200 * time.Millisecond) // the webhook arrives meanwhile, for an unknown id
	if n := countEvents(t, e.d, "applied = 0"); n != 1 {
		t.Errorf("%d events waiting, want 1", n)
	}
	reconcile(t, e.d)
	r = waitFor(t, e.d, r.ID, patience, terminal)
	if r.Status != Completed || r.ReferralID == "" || r.FailureReason != "" {
		t.Errorf("after reconciling: %+v", r)
	}
}

// Nothing ever answers for a Processing referral: after the horizon it is
// flagged for a person and keeps its status; a late event still lands.
func TestReconcilerGivesUpWithAttention(t *testing.T) {
	e := newEnv(t, envOpts{desk: fast(300 * time.Millisecond),
		sandbox: sandbox.Options{DelayMin: time.Hour, DelayMax: time.Hour}})
	reconcile(t, e.d)
	r, err := e.d.Submit(context.Background(), "amy", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	r = waitFor(t, e.d, r.ID, patience, func(r Referral) bool { return r.Attention != "" })
	if r.Status != Processing || r.Attention != AttentionNoAnswer {
		t.Fatalf("after the horizon: %s %q", r.Status, r.Attention)
	}
	ev := event("late", api.EventReferralCreated, r.JobID, created(r.ReferralID, "EHR-1"))
	if err := e.d.ApplyEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	r, _ = mustGet(t, e.d, r.ID)
	if r.Status != Completed || r.Attention != "" {
		t.Errorf("after a late event: %s %q", r.Status, r.Attention)
	}
}

func TestReconcileRunsOncePerProcess(t *testing.T) {
	e := newEnv(t, envOpts{noSync: true})
	reconcile(t, e.d)
	time.Sleep(20 * time.Millisecond)
	returned := make(chan struct{})
	go func() { e.d.Reconcile(context.Background()); close(returned) }()
	select {
	case <-returned:
	case <-time.After(2 * time.Second):
		t.Fatal("a second Reconcile did not return at once")
	}
}

// Cobalt cannot be asked during the whole horizon: nothing is proved, so
// the Unknown referral stays Unknown, flagged for a person.
func TestSandboxUnknownStaysUnknownWhenCobaltIsDown(t *testing.T) {
	e := newEnv(t, envOpts{desk: fast(400 * time.Millisecond)})
	id := outbox(t, e.d, sampleInput())
	e.d.Close()
	e.open(t, fast(400*time.Millisecond))
	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	reconcile(t, e.d)
	r := waitFor(t, e.d, id, patience, func(r Referral) bool { return r.Attention != "" })
	if r.Status != Unknown || r.Attention != AttentionNoAnswer {
		t.Errorf("status %s attention %q", r.Status, r.Attention)
	}
}
