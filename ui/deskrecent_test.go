package ui

import (
	"fmt"
	"testing"

	"refdesk/api"
	"refdesk/state"
)

// On an empty search each desk's three pickers start with what that desk
// chose last: Enter on the top row of Patient, From and To gives amy her
// own patient and providers and bob his; a desk with no history gets the
// clinic's most referred-to.
func TestEmptyPickersStartWithTheDesksOwnChoices(t *testing.T) {
	e := newEnv(t, 120, 40)
	type pick struct{ patient, from, to state.Entry }
	amy := pick{e.entry(state.Patients, 3), e.entry(state.Providers, 3), e.entry(state.ReferringProviders, 3)}
	bob := pick{e.entry(state.Patients, 4), e.entry(state.Providers, 4), e.entry(state.ReferringProviders, 4)}
	most := e.entry(state.ReferringProviders, 5)
	n := 0
	send := func(user string, p pick) {
		t.Helper()
		n++
		in := state.ReferralInput{PatientMRN: p.patient.Key, Direction: api.DirectionOutgoing,
			FromEHRID: p.from.Key, ToEHRID: p.to.Key, Priority: api.PriorityRoutine, Reason: fmt.Sprintf("Follow-up %d", n)}
		if _, err := e.desk.Submit(e.ctx, user, in); err != nil {
			t.Fatalf("%s's referral: %v", user, err)
		}
	}
	for range 3 { // the clinic's most referred-to, by a third desk
		send("carol", pick{bob.patient, bob.from, most})
	}
	send("amy", amy)
	send("bob", bob)

	top := func(user string) state.ReferralInput {
		t.Helper()
		e.user = user
		e.start(120, 40)   // a new session of this desk
		e.d.Press("enter") // Patient: the top row
		e.d.Type("o")      // outgoing, and on to From
		e.d.Press("enter") // From: the top row
		e.d.Press("enter") // To: the top row
		e.d.Settle()
		return e.m.form.Input()
	}
	for _, c := range []struct {
		user string
		want pick
	}{{"amy", amy}, {"bob", bob}} {
		got := top(c.user)
		if got.PatientMRN != c.want.patient.Key || got.FromEHRID != c.want.from.Key || got.ToEHRID != c.want.to.Key {
			t.Errorf("%s's empty pickers chose patient %s, From %s, To %s; want %s (%s), %s (%s), %s (%s)",
				c.user, got.PatientMRN, got.FromEHRID, got.ToEHRID, c.want.patient.Key, c.want.patient.Name,
				c.want.from.Key, c.want.from.Name, c.want.to.Key, c.want.to.Name)
		}
	}
	if got := top("dave"); got.ToEHRID != most.Key {
		t.Errorf("a desk with no history: To %s, want the clinic's most referred-to %s (%s)", got.ToEHRID, most.Key, most.Name)
	}
}
