package state

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// eventPages counts the client's GET /v1/webhook-events; when empty is
// set, each is answered with an empty list (as when the event is older than
// the newest events the reconciler reads).
func eventPages(n *atomic.Int64, empty bool) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/v1/webhook-events" {
				n.Add(1)
				if empty {
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprint(w, `{"success":true,"events":[],"pagination":{"current_page":1,"total_pages":0,"total_count":0,"page_size":100}}`)
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	}
}

// waitJobs waits until the sandbox has finished n jobs.
func waitJobs(t *testing.T, sb *sandbox.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for st := sb.Stats(); st.Created+st.Failed < n; st = sb.Stats() {
		if time.Now().After(deadline) {
			t.Fatalf("sandbox finished %d of %d jobs", st.Created+st.Failed, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// postLost writes in as Submitting, posts it to Cobalt, and restarts the
// Desk before the answer is recorded: the referral is Unknown, and only
// Cobalt's list can tell it was created. It returns the local id and
// Cobalt's answer.
func postLost(t *testing.T, e *env, in ReferralInput, o Options) (int64, api.CreateReferralResponse) {
	t.Helper()
	id := outbox(t, e.d, in)
	req, err := e.d.request(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client.CreateReferral(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	e.d.Close()
	e.open(t, o)
	return id, resp
}

// A referral matched through Cobalt's list (no job id) is settled from the
// recent events without storing (one write each) the events of referrals
// this desk is not reconciling, and the scan stops at the page holding its
// event. Other desks' referrals come before and after it, so its event is
// the 151st of 301, on page 2 of 4. Before the fix every listed event on
// the way (up to 1,000) was applied in its own write transaction: 151 here
// by the time it settled.
func TestSandboxMatchAppliesOnlyItsOwnEvent(t *testing.T) {
	var pages atomic.Int64
	e := newEnv(t, envOpts{desk: fast(10 * time.Second), wrap: eventPages(&pages, false),
		sandbox: sandbox.Options{FailureRate: sandbox.Rate(0.3), Faults: sandbox.Faults{DropWebhooks: 1}}})
	const noise = 150
	others := func(from int) {
		for i := from; i < from+noise; i++ {
			in := sampleInput()
			in.Reason = fmt.Sprintf("Another desk's referral %d", i)
			req, err := e.d.request(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.client.CreateReferral(context.Background(), req); err != nil {
				t.Fatal(err)
			}
		}
		waitJobs(t, e.sb, e.sb.Stats().Referrals)
	}
	others(0)
	id, resp := postLost(t, e, sampleInput(), fast(10*time.Second))
	waitJobs(t, e.sb, noise+1)
	others(noise)
	pages.Store(0)
	reconcile(t, e.d)
	r := waitFor(t, e.d, id, patience, terminal)
	if r.ReferralID != resp.ReferralID || !strings.Contains(lastCause(t, e.d, id), "(poll)") {
		t.Errorf("settled %s with id %q (want %q) by %q", r.Status, r.ReferralID, resp.ReferralID, lastCause(t, e.d, id))
	}
	time.Sleep(100 * time.Millisecond) // a scan still going would show now
	if n := countEvents(t, e.d, "1 = 1"); n != 1 {
		t.Errorf("%d events stored from %d listed, want only the referral's own", n, 2*noise+1)
	}
	if n := pages.Load(); n != 2 {
		t.Errorf("%d pages of events read, want 2 (its event is on page 2 of 4)", n)
	}
}

// The referral's event is not among those the reconciler reads (older than
// the newest 1,000, here: none listed): the list's own status settles it
// instead of leaving it "no answer yet".
func TestSandboxMatchSettledByListStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rate   float64
		want   Status
		reason string
	}{
		{"created", 0, Completed, ""},
		{"failed", 1, Failed, ReasonListedFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pages atomic.Int64
			e := newEnv(t, envOpts{desk: fast(3 * time.Second), wrap: eventPages(&pages, true),
				sandbox: sandbox.Options{FailureRate: sandbox.Rate(tc.rate), Faults: sandbox.Faults{DropWebhooks: 1}}})
			id, resp := postLost(t, e, sampleInput(), fast(3*time.Second))
			waitJobs(t, e.sb, 1)
			reconcile(t, e.d)
			r := waitFor(t, e.d, id, patience, terminal)
			_, ts := mustGet(t, e.d, id)
			want := []Status{Draft, Submitting, Unknown, Processing, tc.want}
			if r.Status != tc.want || r.ReferralID != resp.ReferralID || r.FailureReason != tc.reason ||
				r.Attention != "" || !samePath(path(ts), want) {
				t.Errorf("got %s id %q reason %q attention %q path %v", r.Status, r.ReferralID,
					r.FailureReason, r.Attention, path(ts))
			}
			if tc.want == Completed && r.EHRID == "" {
				t.Error("completed from the list without the list's ehr_id")
			}
			if pages.Load() == 0 {
				t.Error("the events were never asked for before trusting the list")
			}
			// Cobalt's own event arrives after all: it adds what the list
			// could not say (the failure's wording), changes nothing else.
			if tc.want == Failed {
				late := api.Event{ID: "evt-late", Type: api.EventReferralFailed,
					Data: json.RawMessage(`{"referral_id":"` + resp.ReferralID + `","failure_reason":"Patient not found in EHR"}`)}
				if err := e.d.ApplyEvent(context.Background(), late); err != nil {
					t.Fatal(err)
				}
				r2, ts2 := mustGet(t, e.d, id)
				if r2.Status != Failed || r2.FailureReason != "Patient not found in EHR" || len(ts2) != len(ts) {
					t.Errorf("after the late event: %s reason %q, %d transitions (was %d)", r2.Status, r2.FailureReason, len(ts2), len(ts))
				}
			}
		})
	}
}

// The connection is reset while the POST is being written (Cobalt never
// got all of it): the client cannot prove it never left, so the referral
// is Unknown, not Not sent; the reconciler then finds it absent from
// Cobalt's list and only then marks it Not sent, for a person to resend.
func TestSandboxResetMidPostIsUnknownThenNotSent(t *testing.T) {
	resetPost := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != "/v1/referrals" {
				h.ServeHTTP(w, r)
				return
			}
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			conn.Close()
		})
	}
	e := newEnv(t, envOpts{wrap: resetPost, desk: fast(400 * time.Millisecond)})
	r, err := e.d.Submit(context.Background(), "amy", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != Unknown || r.FailureReason != ReasonUnknown {
		t.Fatalf("after the reset: %s %q", r.Status, r.FailureReason)
	}
	reconcile(t, e.d)
	r = waitFor(t, e.d, r.ID, patience, statusIs(NotSent))
	if r.Attention != AttentionNotFound || e.sb.Stats().Referrals != 0 {
		t.Errorf("attention %q, sandbox referrals %d", r.Attention, e.sb.Stats().Referrals)
	}
}
