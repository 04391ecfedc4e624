package sandbox_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// SlowAnswers: the referral is created and its job runs at once, but the
// answer is held for SlowAnswerDelay, so a client with a shorter timeout
// sees an unknown outcome for a request that took effect.
func TestSlowAnswerCreatesThenTimesOut(t *testing.T) {
	e := quick(t, sandbox.Options{SlowAnswerDelay: 5 * time.Second,
		Faults: sandbox.Faults{SlowAnswers: 1}})
	c := api.New(api.Config{BaseURL: e.url + "/v1", ClientID: "sandbox", ClientSecret: "sandbox",
		AccessToken: "sandbox", HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}})
	ctx := context.Background()
	req := api.ReferralRequest{PatientMRN: "1234567", FromProviderEHRID: "PROV-001",
		ToProviderEHRID: "PROV-002", Direction: api.DirectionOutgoing, Priority: api.PriorityRoutine,
		Reason: "Slow answer check"}
	start := time.Now()
	_, err := c.CreateReferral(ctx, req)
	if !api.IsUnknownOutcome(err) || api.IsNotSent(err) {
		t.Fatalf("slow answer: err %v, want an unknown outcome", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("client gave up after %v, want about 200ms", took)
	}
	if st := e.sb.Stats(); st.Referrals != 1 {
		t.Fatalf("sandbox holds %d referrals, want 1 (created before the answer)", st.Referrals)
	}
	refs, _, err := c.Referrals(ctx, api.ReferralQuery{StartDate: "2000-01-01", EndDate: "2999-12-31"})
	if err != nil || len(refs) != 1 || refs[0].Reason != req.Reason {
		t.Fatalf("referrals after a slow answer: %+v %v", refs, err)
	}
	// Its job runs as usual: the event is recorded.
	deadline := time.Now().Add(5 * time.Second)
	for e.sb.Stats().Created != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("job of a slow-answered referral never finished: %+v", e.sb.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A client that waits gets the normal answer, after SlowAnswerDelay; with
// the knob back at 0 answers are prompt again.
func TestSlowAnswerDelayThenAnswers(t *testing.T) {
	const delay = 300 * time.Millisecond
	e := quick(t, sandbox.Options{SlowAnswerDelay: delay, Faults: sandbox.Faults{SlowAnswers: 1}})
	start := time.Now()
	id, job := e.post(exampleBody)
	if took := time.Since(start); took < delay || id == "" || job == "" {
		t.Fatalf("answer after %v (id %q job %q), want ≥ %v", took, id, job, delay)
	}
	e.sb.SetFaults(sandbox.Faults{})
	start = time.Now()
	e.post(exampleBody)
	if took := time.Since(start); took >= delay {
		t.Fatalf("answer with SlowAnswers=0 took %v", took)
	}
}
