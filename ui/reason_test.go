package ui

import (
	"strings"
	"testing"

	"refdesk/state"
	"refdesk/ui/form"
)

// Reason takes Enter as a new line, so the field says how to move on (Tab)
// and to the review (ctrl+s), at 80 columns too; both work from it, and
// the lines typed reach the review whole.
func TestReasonSaysHowToMoveOn(t *testing.T) {
	e := newEnv(t, 80, 24)
	e.d.Type(e.entry(state.Patients, 1).Key)
	e.d.Press("enter")
	e.d.Type("o")
	e.d.Type(e.entry(state.Providers, 1).Name)
	e.d.Press("enter")
	e.d.Type(e.entry(state.ReferringProviders, 1).Name)
	e.d.Press("enter")
	e.d.Type("r") // routine, on to Reason
	if e.m.form.Focus() != form.FieldReason {
		t.Fatalf("focus %d, want Reason", e.m.form.Focus())
	}
	e.waitView("enter new line · tab next field · ctrl+s review")
	e.d.Type("Chest pain")
	e.d.Press("enter")
	e.d.Type("on exertion")
	if got := e.m.form.Input().Reason; got != "Chest pain\non exertion" || e.m.form.Focus() != form.FieldReason {
		t.Fatalf("reason %q, focus %d", got, e.m.form.Focus())
	}
	e.d.Press("ctrl+s")
	e.waitView("Review — exactly what will be sent", "Ready to send", "Chest pain", "on exertion")
	e.d.Press("esc")
	e.waitView("▶ Reason")
	e.d.Press("tab")
	if e.m.form.Focus() != form.FieldCodes || e.m.form.Input().Reason != "Chest pain\non exertion" {
		t.Fatalf("after tab: focus %d, reason %q", e.m.form.Focus(), e.m.form.Input().Reason)
	}
	if v := e.m.View().Content; strings.Contains(v, "tab next field · ctrl+s review") {
		t.Fatalf("the hint stays after leaving Reason:\n%s", v)
	}
}
