package ui

import (
	"strings"
	"testing"

	"refdesk/state"
	"refdesk/ui/form"
)

// The codes field on the real desk and sandbox: codes found by words are
// sent canonical and shown with their descriptions in the review and the
// pane's details; a category is refused before anything is sent.
func TestCodesFoundByWordsAreSentWithDescriptions(t *testing.T) {
	e := newEnv(t, 120, 40)
	patient := e.entry(state.Patients, 1)
	from := e.entry(state.Providers, 1)
	to := e.entry(state.ReferringProviders, 2)
	e.fill("outgoing", patient, from, to, "routine", "Follow-up", "", 0)
	e.d.Press("shift+tab") // back to Diagnosis codes
	e.d.Type("I42.0")
	e.d.Press("ctrl+s") // a category: refused, the field focused, nothing sent
	e.waitView("the cursor is on Diagnosis codes", "✗ I42.0 is a category; choose one of its codes: I42.00,")
	if e.m.form.Focus() != form.FieldCodes || e.sb.Stats().Referrals != 0 {
		t.Fatal("a referral left with a category for a code")
	}
	e.d.Press("backspace", "backspace", "backspace", "backspace", "backspace")
	e.d.Type("essential hyper")
	e.waitView("▸ I10      Essential (primary) hypertension")
	e.d.Press("enter")
	e.d.Type("z8739")
	e.d.Press("enter", "ctrl+s")
	e.waitView("Ready to send", "I10  Essential (primary) hypertension", "Z87.39  Personal history of other")
	e.d.Press("enter")
	e.waitView("COMPLETED ✓")
	rs, err := e.desk.Referrals(e.ctx, state.Filter{})
	if err != nil || len(rs) != 1 || strings.Join(rs[0].DiagnosisCodes, ",") != "I10,Z87.39" {
		t.Fatalf("sent %+v, %v", rs, err)
	}
	e.d.Press("ctrl+t", "enter")
	e.waitView("Diagnosis codes: I10 (Essential (primary)", "Z87.39 (Personal history")
}
