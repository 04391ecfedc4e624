package state

import (
	"testing"

	"refdesk/api"
)

func TestInputEmptyAndRequest(t *testing.T) {
	if !(ReferralInput{Reason: " \n\t ", Priority: api.PriorityUrgent}).Empty() {
		t.Error("a reason of spaces (and the default priority) counts as something entered")
	}
	if (ReferralInput{Reason: "x"}).Empty() || (ReferralInput{Direction: "incoming"}).Empty() {
		t.Error("a reason or a direction is something entered")
	}
	in := ReferralInput{PatientMRN: "1", FromEHRID: "0", ToEHRID: "P", Direction: "outgoing",
		Priority: "routine", Reason: "  Cardiology consult \n", DiagnosisCodes: []string{"I10"},
		Documents: []DocumentRef{{Name: "a.pdf", Path: "/x/a.pdf", Size: 3}}}
	r := in.Request()
	if r.Reason != "Cardiology consult" {
		t.Errorf("reason sent %q, want it trimmed", r.Reason)
	}
	if r.PatientMRN != "1" || r.FromProviderEHRID != "0" || r.ToProviderEHRID != "P" || len(r.Documents) != 1 ||
		r.Documents[0].Filename != "a.pdf" || r.Documents[0].Size != 3 {
		t.Errorf("request %+v", r)
	}
	if w := in.Wire(); w.Reason != r.Reason || w.PatientMRN != "1" {
		t.Errorf("wire %+v", w)
	}
}
