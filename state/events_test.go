package state

import (
	"context"
	"testing"

	"refdesk/api"
)

func created(referralID, ehrID string) api.ReferralEventData {
	d := eventData(referralID)
	d.EHRID = ehrID
	d.DocumentsAttached, d.DocumentsFailed = intp(1), intp(1)
	return d
}

func failed(referralID, reason string) api.ReferralEventData {
	d := eventData(referralID)
	d.FailureReason = reason
	return d
}

func countEvents(t *testing.T, d *Desk, where string) int {
	t.Helper()
	var n int
	if err := d.st.r.QueryRow("SELECT COUNT(*) FROM events WHERE " + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The webhook arrives before the POST's answer: it is kept, then applied in
// the transaction that records the answer.
func TestEventBeforeAnswerIsAppliedWithTheAnswer(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	id := outbox(t, d, sampleInput())
	if err := d.ApplyEvent(ctx, event("ev-1", api.EventReferralCreated, "77", created("ref-a", "EHR-9"))); err != nil {
		t.Fatal(err)
	}
	if r, _ := mustGet(t, d, id); r.Status != Submitting {
		t.Fatalf("status %s before the answer, want submitting", r.Status)
	}
	if n := countEvents(t, d, "applied = 0 AND referral_id = 'ref-a'"); n != 1 {
		t.Fatalf("%d pending events, want 1", n)
	}
	r, err := d.record(ctx, id, api.CreateReferralResponse{Success: true, ReferralID: "ref-a", JobID: "77"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, ts := mustGet(t, d, id)
	if want := []Status{Draft, Submitting, Processing, Completed}; !samePath(path(ts), want) {
		t.Errorf("path %v, want %v", path(ts), want)
	}
	if r.Status != Completed || r.EHRID != "EHR-9" || r.JobID != "77" || *r.DocumentsAttached != 1 || *r.DocumentsFailed != 1 {
		t.Errorf("referral %+v", r)
	}
	if n := countEvents(t, d, "applied = 0"); n != 0 {
		t.Errorf("%d events still pending", n)
	}
}

func TestDuplicateEventIsANoOp(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	id := outbox(t, d, sampleInput())
	if _, err := d.record(ctx, id, api.CreateReferralResponse{Success: true, ReferralID: "ref-b", JobID: "78"}, nil); err != nil {
		t.Fatal(err)
	}
	ch := d.Subscribe(t.Context())
	ev := event("ev-2", api.EventReferralCreated, "78", created("ref-b", "EHR-1"))
	for range 3 {
		if err := d.ApplyEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	r, ts := mustGet(t, d, id)
	if r.Status != Completed || len(ts) != 3 {
		t.Errorf("status %s with %d transitions, want completed with 3", r.Status, len(ts))
	}
	if n := countEvents(t, d, "1=1"); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
	if n := len(ch); n != 1 {
		t.Errorf("%d changes published, want 1", n)
	}
}

// Events with no id are deduplicated on their content.
func TestEventWithoutIDIsDeduplicatedOnContent(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	ev := event("", api.EventReferralFailed, "5", failed("ref-x", "no"))
	for range 2 {
		if err := d.ApplyEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := countEvents(t, d, "1=1"); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}

// Out of order: a second outcome after a terminal one is kept and flagged,
// the same outcome again is recorded only, and neither changes the status.
func TestConflictingEventsAreFlaggedNotResolved(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name         string
		first, then  api.Event
		want         Status
		wantFlag     bool
		wantEHR      string
		wantFailText string
	}{
		{"created after failed",
			event("f1", api.EventReferralFailed, "1", failed("R", "ECW rejected the request.")),
			event("c1", api.EventReferralCreated, "1", created("R", "EHR-5")),
			Failed, true, "EHR-5", "ECW rejected the request."},
		{"failed after created",
			event("c1", api.EventReferralCreated, "1", created("R", "EHR-5")),
			event("f1", api.EventReferralFailed, "1", failed("R", "late")),
			Completed, true, "EHR-5", ""},
		{"created twice under two ids",
			event("c1", api.EventReferralCreated, "1", created("R", "EHR-5")),
			event("c2", api.EventReferralCreated, "1", created("R", "EHR-6")),
			Completed, false, "EHR-5", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := openTest(t, Options{})
			id := outbox(t, d, sampleInput())
			if _, err := d.record(ctx, id, api.CreateReferralResponse{Success: true, ReferralID: "R", JobID: "1"}, nil); err != nil {
				t.Fatal(err)
			}
			for _, ev := range []api.Event{c.first, c.then} {
				if err := d.ApplyEvent(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			r, ts := mustGet(t, d, id)
			if r.Status != c.want || len(ts) != 3 {
				t.Errorf("status %s, %d transitions; want %s, 3", r.Status, len(ts), c.want)
			}
			if (r.Attention == AttentionConflict) != c.wantFlag {
				t.Errorf("attention %q, want flagged=%v", r.Attention, c.wantFlag)
			}
			if r.EHRID != c.wantEHR || r.FailureReason != c.wantFailText {
				t.Errorf("ehr_id %q failure %q", r.EHRID, r.FailureReason)
			}
			if n := countEvents(t, d, "applied = 1"); n != 2 {
				t.Errorf("%d events recorded as handled, want 2", n)
			}
		})
	}
}

func TestEventForUnknownReferralIsKept(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	if err := d.ApplyEvent(ctx, event("e9", api.EventReferralCreated, "9", created("nobody", "E"))); err != nil {
		t.Fatal(err)
	}
	if err := d.ApplyEvent(ctx, api.Event{ID: "p1", Type: "patient.updated", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, d, "applied = 0"); n != 1 {
		t.Errorf("%d stored pending events, want 1 (the other type is ignored)", n)
	}
}

func TestFailureTextFallsBackToReasons(t *testing.T) {
	d := api.ReferralEventData{Reasons: []api.FailureCause{{Code: "E1", Description: "Provider inactive"}, {Code: "E2"}}}
	if got := failureText(d); got != "Provider inactive; E2" {
		t.Errorf("failureText = %q", got)
	}
}
