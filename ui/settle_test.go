package ui

import (
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox/sandboxtest"
	"refdesk/state"
)

// A referral with no answer from Cobalt is flagged for a person; in the
// pane the clerk records it found in eCW (Completed, with the EHR id) or
// not in eCW (Not sent, to reopen), and the audit log says who.
func TestSettleNeedsAPersonInThePane(t *testing.T) {
	e := newEnvWith(t, 140, 40, envOpts{
		rig: func(ro *sandboxtest.Options) {
			ro.Sandbox.DelayMin, ro.Sandbox.DelayMax = time.Hour, time.Hour // Cobalt never finishes
		},
		desk: func(do *state.Options) {
			do.Grace, do.PollInterval, do.PollHorizon = 20*time.Millisecond, 20*time.Millisecond, 200*time.Millisecond
		},
	})
	in := state.ReferralInput{PatientMRN: e.entry(state.Patients, 1).Key, Direction: api.DirectionOutgoing,
		FromEHRID: e.entry(state.Providers, 1).Key, ToEHRID: e.entry(state.ReferringProviders, 1).Key,
		Priority: api.PriorityRoutine, Reason: "Settle me"}
	var ids []int64
	for i := 0; i < 2; i++ {
		r, err := e.desk.Submit(e.ctx, "front2", in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	start := time.Now()
	e.d.Press("ctrl+t")
	e.waitView("No answer yet from Cobalt")
	t.Logf("flagged after %s", time.Since(start))
	// The newest (#2) is first: its details, then found in eCW.
	e.d.Press("enter")
	e.waitView("Referral #2", "e found in eCW · n not in eCW")
	e.d.Press("e")
	e.waitView("Found in eCW — its EHR id:")
	e.d.Press("enter") // nothing typed yet: asked again, nothing recorded
	e.waitView("Type the referral's id in eCW")
	e.d.Type("EHR-4242?")
	e.d.Press("backspace")
	if e.m.help.ShowAll {
		t.Fatal("? in the EHR id field opened the help")
	}
	e.d.Press("enter")
	e.waitView("recorded as found in eCW: Completed", "COMPLETED", "EHR id: EHR-4242")
	e.d.Press("esc", "down", "n")
	e.waitView("Not in eCW? Referral #1 becomes Not sent")
	e.d.Press("y")
	e.waitView("recorded as not in eCW: Not sent")
	r1, _, _ := e.desk.Get(e.ctx, ids[0])
	r2, _, _ := e.desk.Get(e.ctx, ids[1])
	if r2.Status != state.Completed || r2.EHRID != "EHR-4242" || r1.Status != state.NotSent || r1.Attention != "" {
		t.Fatalf("stored: #1 %s %q, #2 %s %q", r1.Status, r1.Attention, r2.Status, r2.EHRID)
	}
	t.Logf("settled after %s", time.Since(start))
	log, err := e.desk.AuditLog(e.ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, a := range log {
		if strings.HasPrefix(a.Action, "settle-") {
			who = append(who, a.User+" "+a.Action)
		}
	}
	if strings.Join(who, ",") != "front1 settle-not-found,front1 settle-found" {
		t.Fatalf("audit: %q", who)
	}
}

// At the smallest window the details give up rows to the settle question:
// the question and what it says back stay on screen, however long the
// referral's details and history.
func TestSettleQuestionFitsAt80x24(t *testing.T) {
	e := flaggedEnv(t, 80, 24, strings.Repeat("A long reason that wraps over many lines. ", 12))
	e.d.Press("enter")
	e.waitView("Referral #1")
	e.d.Press("e")
	e.waitView("Found in eCW — its EHR id:")
	e.d.Press("enter")
	e.waitView("Found in eCW — its EHR id:", "Type the referral's id in eCW")
	if n := strings.Count(e.view(), "\n") + 1; n > 24 {
		t.Fatalf("%d lines on a 24-line screen", n)
	}
	e.d.Press("esc")
	e.waitView("e found in eCW")
	e.d.Press("n")
	e.waitView("Not in eCW? Referral #1 becomes Not sent")
}

// q on the settle question opened from the list does not quit (with an
// empty form it would quit at once, the question unanswered): the
// question stays, and nothing is recorded.
func TestSettleQuestionQDoesNotQuit(t *testing.T) {
	e := flaggedEnv(t, 100, 30, "Settle me")
	e.d.Press("n")
	e.waitView("Not in eCW? Referral #1 becomes Not sent")
	e.d.Press("q")
	e.d.Settle()
	if e.d.Quit || e.m.screen == screenQuit {
		t.Fatal("q on the question quit")
	}
	e.waitView("Not in eCW? Referral #1 becomes Not sent")
	e.d.Press("esc", "e", "q")
	e.d.Settle()
	if e.d.Quit || e.m.screen == screenQuit {
		t.Fatal("q on the EHR id question quit")
	}
	e.waitView("Found in eCW — its EHR id: › q")
	r, _, _ := e.desk.Get(e.ctx, 1)
	if r.Attention == "" {
		t.Fatalf("recorded: %s", r.Status)
	}
}

// flaggedEnv is a desk with one referral flagged for a person (Cobalt
// never answers), shown in the pane.
func flaggedEnv(t *testing.T, w, h int, reason string) *env {
	t.Helper()
	e := newEnvWith(t, w, h, envOpts{
		rig: func(ro *sandboxtest.Options) {
			ro.Sandbox.DelayMin, ro.Sandbox.DelayMax = time.Hour, time.Hour
		},
		desk: func(do *state.Options) {
			do.Grace, do.PollInterval, do.PollHorizon = 20*time.Millisecond, 20*time.Millisecond, 200*time.Millisecond
		},
	})
	in := state.ReferralInput{PatientMRN: e.entry(state.Patients, 1).Key, Direction: api.DirectionOutgoing,
		FromEHRID: e.entry(state.Providers, 1).Key, ToEHRID: e.entry(state.ReferringProviders, 1).Key,
		Priority: api.PriorityRoutine, Reason: reason}
	if _, err := e.desk.Submit(e.ctx, "front2", in); err != nil {
		t.Fatal(err)
	}
	e.d.Press("ctrl+t")
	e.waitView("No answer yet from Cobalt")
	return e
}
