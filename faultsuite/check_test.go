package faultsuite

import (
	"context"
	"strings"
	"testing"

	"refdesk/api"
	"refdesk/state"
)

// tally is what the final check counted. Each referral is in exactly one
// of completed, failed, flagged and notSent.
type tally struct {
	completed, failed int
	flagged           int // Attention set: a person must look
	notSent           int // Not sent, never reached the sandbox, no attention needed (a 5xx or a cut request)
	resent            int // sent again by a person (Desk.ResendWith): the suite never does, so 0
	duplicates        int // extra sandbox referrals for one test referral: must be 0

	answerLost, http5xx, matched, byPoll int // how referrals got where they are
}

// check compares the desk's rows with the sandbox's referrals. It fails
// the test for a lost referral, a row created twice, a referral created
// twice in the sandbox, a sandbox referral the desk does not know, an
// outcome that disagrees, or a referral left neither ended nor flagged.
func (h *harness) check(t *testing.T, d *state.Desk, refs []state.Referral, cobalt []api.Referral) tally {
	var tl tally
	want := make(map[string]bool, h.cfg.referrals)
	for i := range h.cfg.referrals {
		want[reasonOf(i)] = true
	}

	// The sandbox: at most one referral per test referral, none foreign.
	byID := make(map[string]api.Referral, len(cobalt))
	perReason := make(map[string]int)
	for _, c := range cobalt {
		byID[c.ID] = c
		perReason[c.Reason]++
		if !want[c.Reason] {
			t.Errorf("sandbox referral %s has reason %q, not one the test sent", c.ID, c.Reason)
		}
	}
	for reason, n := range perReason {
		if n > 1 {
			tl.duplicates += n - 1
			t.Errorf("%q was created %d times in the sandbox", reason, n)
		}
	}

	// The desk: exactly one row per test referral.
	rows := make(map[string]int)
	known := make(map[string]bool) // Cobalt ids the desk holds
	for _, r := range refs {
		rows[r.Reason]++
		if !want[r.Reason] {
			t.Errorf("desk row %d has reason %q, not one the test sent", r.ID, r.Reason)
		}
		if r.ReferralID != "" {
			known[r.ReferralID] = true
		}
	}
	for reason := range want {
		switch n := rows[reason]; {
		case n == 0:
			t.Errorf("%q was lost: the desk has no row for it", reason)
		case n > 1:
			t.Errorf("%q has %d rows in the desk", reason, n)
		}
	}

	for _, r := range refs {
		tl.add(t, r, byID, perReason[r.Reason])
		h.countPath(t, d, r, &tl)
	}

	// Every sandbox referral is known to the desk by its id, or its row
	// is still Unknown and flagged "no answer yet" (Cobalt could not be
	// asked before the horizon: a person checks the EHR). A Not sent row
	// for it was refused above.
	flaggedUnknown := make(map[string]bool)
	for _, r := range refs {
		if r.Status == state.Unknown && r.ReferralID == "" && r.Attention != "" {
			flaggedUnknown[r.Reason] = true
		}
	}
	for _, c := range cobalt {
		if !known[c.ID] && !flaggedUnknown[c.Reason] {
			t.Errorf("sandbox referral %s (%q, %s) is not known to the desk", c.ID, c.Reason, c.Status)
		}
	}
	if tl.resent != 0 {
		t.Errorf("%d referrals were sent again by a person; the suite never resends", tl.resent)
	}
	if h.cfg.referrals >= 500 {
		// At this size each fault fires dozens of times; none firing means
		// a knob is broken and the run proved less than it claims.
		for what, n := range map[string]int{"answers lost to a timeout": tl.answerLost,
			"5xx answers": tl.http5xx, "referrals ended by polling": tl.byPoll, "referrals matched via the list": tl.matched} {
			if n == 0 {
				t.Errorf("no %s in %d referrals: a fault did not fire", what, h.cfg.referrals)
			}
		}
	}
	return tl
}

// add puts r in its bucket and checks it against the sandbox's referral
// with the same id (sameReason: how many sandbox referrals carry its
// reason).
func (tl *tally) add(t *testing.T, r state.Referral, byID map[string]api.Referral, sameReason int) {
	c, inSandbox := byID[r.ReferralID]
	if r.ReferralID != "" && (!inSandbox || c.Reason != r.Reason) {
		t.Errorf("row %d (%q) holds Cobalt id %q, which the sandbox has as %+v (found %v)",
			r.ID, r.Reason, r.ReferralID, c, inSandbox)
	}
	switch r.Status {
	case state.Completed, state.Failed:
		wantStatus := map[state.Status]string{state.Completed: "created", state.Failed: "failed"}[r.Status]
		if r.ReferralID == "" || c.Status != wantStatus {
			t.Errorf("row %d (%q) is %s; the sandbox has it %q (id %q)", r.ID, r.Reason, r.Status, c.Status, r.ReferralID)
		}
		if r.Status == state.Completed && r.EHRID != c.EHRID {
			t.Errorf("row %d (%q): EHR id %q, the sandbox says %q", r.ID, r.Reason, r.EHRID, c.EHRID)
		}
	case state.NotSent:
		// Not sent must be true: the sandbox never received it.
		if sameReason > 0 || r.ReferralID != "" {
			t.Errorf("row %d (%q) is Not sent but the sandbox holds %d referral(s) for it", r.ID, r.Reason, sameReason)
		}
	case state.Processing, state.Unknown:
		if r.Attention == "" {
			t.Errorf("row %d (%q) ended %s without being flagged for a person", r.ID, r.Reason, r.Status)
		}
	default:
		t.Errorf("row %d (%q) ended in %s", r.ID, r.Reason, r.Status)
	}
	switch {
	case r.Attention != "":
		tl.flagged++
		if tl.flagged <= 20 {
			t.Logf("flagged for a person: row %d (%q) %s, attention %q", r.ID, r.Reason, r.Status, r.Attention)
		}
	case r.Status == state.Completed:
		tl.completed++
	case r.Status == state.Failed:
		tl.failed++
	case r.Status == state.NotSent:
		tl.notSent++
	}
}

// countPath counts, from r's recorded transitions, how it got where it is.
func (h *harness) countPath(t *testing.T, d *state.Desk, r state.Referral, tl *tally) {
	_, ts, err := d.Get(context.Background(), r.ID)
	if err != nil || len(ts) == 0 {
		t.Errorf("row %d: transitions %v, err %v", r.ID, ts, err)
		return
	}
	for _, tr := range ts {
		switch {
		case strings.HasPrefix(tr.Cause, "sent again by"):
			tl.resent++
		case tr.To == state.Unknown && tr.Cause != state.CauseInterrupted:
			tl.answerLost++
		case tr.From == state.Submitting && tr.To == state.NotSent && strings.HasPrefix(tr.Cause, "Cobalt answered 5"):
			tl.http5xx++
		case strings.HasPrefix(tr.Cause, "found in Cobalt's referrals"):
			tl.matched++
		}
	}
	if last := ts[len(ts)-1]; last.To.Terminal() && strings.Contains(last.Cause, "(poll)") {
		tl.byPoll++
	}
}
