package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/state"
)

// The pane as a work list (issue 14): `/` finds a referral by MRN, name or
// number; a Failed row says why on its own line; the count of referrals
// that need a person stays in both headers until none is left.
func TestPaneSearchFailedReasonAndNeedsAPerson(t *testing.T) {
	e := newEnv(t, 220, 40)
	e.sb.SetDelay(time.Hour, time.Hour) // the sandbox never answers: we do
	var sent []state.Referral
	for i := 0; i < 3; i++ {
		p := e.entry(state.Patients, i)
		in := state.ReferralInput{PatientMRN: p.Key, PatientName: p.Name, Direction: api.DirectionOutgoing,
			FromEHRID: api.NoProvider, ToEHRID: "PROV-002", ToName: "Okafor, Ngozi",
			Priority: api.PriorityRoutine, Reason: fmt.Sprintf("Reason %d", i)}
		r, err := e.desk.Submit(e.ctx, "front1", in)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, r)
	}
	event := func(id string, typ string, r state.Referral, reason string) {
		t.Helper()
		data, _ := json.Marshal(api.ReferralEventData{ReferralID: r.ReferralID, PatientMRN: r.PatientMRN,
			FailureReason: reason, EHRID: "REF-7654321"})
		ev := api.Event{ID: id, Object: "event", Type: typ, JobID: api.JobID(r.JobID), Data: data}
		if err := e.desk.ApplyEvent(e.ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// #1 failed with a reason of several lines; #2 got both outcomes.
	event("evt-f1", api.EventReferralFailed, sent[0], "Provider PROV-002 is not accepting referrals\nSee the directory for another cardiologist")
	event("evt-c2", api.EventReferralCreated, sent[1], "")
	event("evt-f2", api.EventReferralFailed, sent[1], "Duplicate")
	event("evt-c3", api.EventReferralCreated, sent[2], "")
	e.d.Press("ctrl+t")
	e.waitView("Failed: Provider PROV-002 is not accepting referrals …", "⚠ 1 needs a person")
	if v := e.view(); strings.Contains(v, "See the directory") {
		t.Fatalf("the reason's second line is in the list:\n%s", v)
	}
	if h := strings.SplitN(e.view(), "\n", 2)[0]; !strings.Contains(h, "⚠ 1 needs a person") {
		t.Fatalf("the app header lacks the count: %q", h)
	}

	// `/` and the MRN of #3: only #3 is listed.
	e.d.Press("/")
	e.d.Type(sent[2].PatientMRN)
	e.d.Press("enter")
	if vis := e.m.pane.Visible(); len(vis) != 1 || vis[0].ID != sent[2].ID {
		t.Fatalf("search by MRN %s: %d shown", sent[2].PatientMRN, len(vis))
	}
	e.waitView("Referrals · 1 shown", "/ "+sent[2].PatientMRN)
	// The list's keys work again after Enter: q is not typed into the search.
	e.d.Press("/")
	for range sent[2].PatientMRN {
		e.d.Press("backspace")
	}
	e.d.Type("#1")
	if vis := e.m.pane.Visible(); len(vis) != 1 || vis[0].ID != sent[0].ID {
		t.Fatalf("search by number #1: %d shown", len(vis))
	}
	e.d.Press("esc") // clears the search, the pane stays
	if len(e.m.pane.Visible()) != 3 || !e.m.onPane || e.m.pane.Query() != "" {
		t.Fatalf("esc: %d shown, onPane=%v, query %q", len(e.m.pane.Visible()), e.m.onPane, e.m.pane.Query())
	}
	// By part of the patient's name, any case.
	name := strings.ToUpper(strings.Fields(strings.Trim(sent[1].PatientName, ","))[0])
	e.d.Press("/")
	e.d.Type(strings.TrimSuffix(name, ","))
	if vis := e.m.pane.Visible(); len(vis) == 0 || vis[0].PatientName != sent[1].PatientName {
		t.Fatalf("search by name %q: %+v", name, vis)
	}
}
