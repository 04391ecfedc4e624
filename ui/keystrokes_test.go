package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/state"
)

// keystrokeBudget is the most keys the standard referral may take, the
// reason's text left out (issue 14). README's Performance section keeps
// the count this test prints.
const keystrokeBudget = 30

// counter presses keys on the env's driver and counts them.
type counter struct {
	e *env
	n int
}

func (c *counter) press(keys ...string) { c.n += len(keys); c.e.d.Press(keys...) }
func (c *counter) typ(s string)         { c.n += len([]rune(s)); c.e.d.Type(s) }

// text is typed but not counted: the reason's words.
func (c *counter) text(s string) { c.e.d.Type(s) }

// The standard referral on the real desk and the sandbox over HTTP: a
// known patient by MRN, outgoing, From the provider this desk chose last,
// To a cardiologist found by "alv", urgent, a reason, two codes in one
// line, the newest of three PDFs in the documents folder, review, send.
func TestStandardReferralKeystrokeBudget(t *testing.T) {
	e := newEnv(t, 120, 40)
	// The desk referred from this provider before: it is its recent one.
	recent := e.entry(state.Providers, 4)
	prior := state.ReferralInput{PatientMRN: "414421", Direction: api.DirectionOutgoing,
		FromEHRID: recent.Key, FromName: recent.Name, ToEHRID: "PROV-002", ToName: "Okafor, Ngozi",
		Priority: api.PriorityRoutine, Reason: "Follow-up"}
	if _, err := e.desk.Submit(e.ctx, "front1", prior); err != nil {
		t.Fatalf("prior referral: %v", err)
	}
	for i, name := range []string{"scan-0003.pdf", "scan-0001.pdf", "scan-0002.pdf"} {
		p := e.doc(name, 4000+i)
		at := time.Now().Add(-time.Duration(10*(3-i)) * time.Minute) // scan-0002 is the newest
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	e.start(120, 40) // a new session: the form as a clerk finds it

	c := &counter{e: e}
	c.typ("1234567")
	c.press("enter")
	c.typ("o")       // outgoing, and on to From
	c.press("enter") // From: the recent provider is on top
	c.typ("alv")
	c.press("enter")
	c.typ("u") // urgent, and on to Reason
	c.text("Cardiology consultation")
	c.press("tab")
	c.typ("I10 Z87.39")
	c.press("enter") // the codes, and on to Documents: the scanner inbox opens
	e.waitView("scan-0002.pdf", "min ago")
	c.press("enter") // attach the newest
	c.press("ctrl+s")
	e.waitView("Ready to send")
	c.press("enter")
	e.waitView("Sent: referral #2 went to Cobalt")

	rs, err := e.desk.Referrals(e.ctx, state.Filter{Limit: 1})
	if err != nil || len(rs) != 1 {
		t.Fatalf("stored: %v %v", rs, err)
	}
	in := rs[0].ReferralInput
	if in.PatientMRN != "1234567" || in.Direction != api.DirectionOutgoing || in.FromEHRID != recent.Key ||
		in.ToEHRID != "5521" || in.Priority != api.PriorityUrgent || in.Reason != "Cardiology consultation" ||
		strings.Join(in.DiagnosisCodes, " ") != "I10 Z87.39" || len(in.Documents) != 1 ||
		filepath.Base(in.Documents[0].Path) != "scan-0002.pdf" {
		t.Fatalf("the referral sent is not the standard one: %+v", in)
	}
	t.Logf("standard referral: %d keys besides the reason's text (budget %d)", c.n, keystrokeBudget)
	if c.n > keystrokeBudget {
		t.Fatalf("the standard referral took %d keys, over the budget of %d", c.n, keystrokeBudget)
	}
}
