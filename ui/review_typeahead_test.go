package ui

import (
	"strings"
	"testing"

	"refdesk/state"
	"refdesk/ui/internal/uitest"
)

// TestEnterDuringTheChecksSendsWhenTheyPass: a clerk who knows the keys
// types ctrl+s, enter at once. The Enter that lands while the review's
// checks still run is kept: the referral goes as soon as they pass with
// nothing to look at; when they find something (here a duplicate) nothing
// is sent and the review says why.
func TestEnterDuringTheChecksSendsWhenTheyPass(t *testing.T) {
	e := newEnv(t, 120, 40)
	patient := e.entry(state.Patients, 0)
	from := e.entry(state.Providers, 1)
	to := e.entry(state.ReferringProviders, 1)

	typeAhead := func() {
		t.Helper()
		// ctrl+s starts the checks; its command is held back so that the
		// Enter certainly lands while they run.
		_, check := e.m.Update(uitest.Named("ctrl+s"))
		if e.m.review == nil || !e.m.review.checking {
			t.Fatalf("ctrl+s did not open the review with its checks running:\n%s", e.view())
		}
		_, cmd := e.m.Update(uitest.Named("enter"))
		if !strings.Contains(e.view(), "Sending as soon as the checks pass") {
			t.Fatalf("an Enter during the checks is not acknowledged:\n%s", e.view())
		}
		e.d.Run(cmd)
		e.d.Run(check)
	}

	e.fill("outgoing", patient, from, to, "routine", "Follow-up", "E11.9", 0)
	typeAhead()
	e.waitView("Sent: referral #1")

	e.fill("outgoing", patient, from, to, "routine", "Follow-up", "E11.9", 0)
	typeAhead()
	e.waitView("Possible duplicate", "Not sent: read what the checks found above")
	if refs, err := e.desk.Referrals(e.ctx, state.Filter{}); err != nil || len(refs) != 1 {
		t.Fatalf("the duplicate went out on an early Enter: %d referrals (%v)", len(refs), err)
	}
}
