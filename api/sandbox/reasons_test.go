package sandbox_test

import (
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// TestFailureReasonsFitTheReferral: a referral with no provider on a side
// never fails for that side's provider; with one it may.
func TestFailureReasonsFitTheReferral(t *testing.T) {
	e := start(t, sandbox.Options{Seed: 3, FailureRate: sandbox.Rate(1), DelayMin: time.Millisecond, DelayMax: 2 * time.Millisecond})
	const n = 40
	noFrom, noTo := map[string]bool{}, map[string]bool{}
	for i := 0; i < n; i++ {
		id, _ := e.post(body(func(m map[string]any) { m["referring_from_provider_ehr_id"] = api.NoProvider }))
		noFrom[id] = true
		id, _ = e.post(body(func(m map[string]any) { m["referring_to_provider_ehr_id"] = api.NoProvider }))
		noTo[id] = true
		e.post(body(nil))
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(e.sb.Events()) < 3*n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	events := e.sb.Events()
	if len(events) < 3*n {
		t.Fatalf("%d events, want %d", len(events), 3*n)
	}
	var fromSeen, toSeen int
	for _, ev := range events {
		d, err := ev.ReferralData()
		if err != nil || ev.Type != api.EventReferralFailed || d.FailureReason == "" {
			t.Fatalf("event %+v (%v)", ev, err)
		}
		switch d.FailureReason {
		case "The referring provider is inactive in eCW.":
			fromSeen++
			if noFrom[d.ReferralID] {
				t.Errorf("referral from no provider failed with %q", d.FailureReason)
			}
		case "The receiving provider does not accept referrals in eCW.":
			toSeen++
			if noTo[d.ReferralID] {
				t.Errorf("referral to no provider failed with %q", d.FailureReason)
			}
		}
	}
	if fromSeen == 0 || toSeen == 0 {
		t.Errorf("provider reasons never used (from %d, to %d): the test proves nothing", fromSeen, toSeen)
	}
}
