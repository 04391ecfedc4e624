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
		if !strings.Contains(e.view(), "enter send once checked") {
			t.Fatalf("while the checks run, the keys do not offer Enter:\n%s", e.view())
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
	e.waitView("Possible duplicate", "Held: it looks like a duplicate")
	if refs, err := e.desk.Referrals(e.ctx, state.Filter{}); err != nil || len(refs) != 1 {
		t.Fatalf("the duplicate went out on an early Enter: %d referrals (%v)", len(refs), err)
	}
}

// TestReviewVerdictFitsAt80x24: on the smallest window, a long review (two
// codes with long descriptions, a document, a duplicate warning) keeps its
// verdict and keys on screen: the rows give way, never the warning.
func TestReviewVerdictFitsAt80x24(t *testing.T) {
	e := newEnv(t, 80, 24)
	e.doc("note.pdf", 100)
	patient := e.entry(state.Patients, 0)
	from := e.entry(state.Providers, 1)
	to := e.entry(state.ReferringProviders, 1)
	e.fill("outgoing", patient, from, to, "urgent", "Cardiology consultation", "I10 Z87.39", 1)
	e.d.Press("ctrl+s")
	e.waitView("Ready to send")
	e.d.Press("enter")
	e.waitView("Sent: referral #1")
	e.fill("outgoing", patient, from, to, "urgent", "Cardiology consultation", "I10 Z87.39", 1)
	e.d.Press("ctrl+s")
	e.waitView("Possible duplicate")
	// The keys show twice: the review's own line in the box, and the help
	// line under it.
	if v := e.view(); strings.Count(v, "y send anyway") < 2 || strings.Count(v, "\n") > 23 {
		t.Fatalf("at 80x24 the review's verdict or keys fell off the box:\n%s", v)
	}
}
