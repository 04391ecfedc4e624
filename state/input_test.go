package state

import (
	"context"
	"testing"

	"refdesk/api"
	"refdesk/api/sandbox"
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

// TestEntriesCarryWhoTellsApart: after a sync over real HTTP, and after a
// restart (the index loaded from the cache), each entry holds the
// directory's own DOB, speciality, city and NPI, not text to parse.
func TestEntriesCarryWhoTellsApart(t *testing.T) {
	e := newEnv(t, envOpts{sandbox: sandbox.Options{Patients: 40, ReferringProviders: 40, Providers: 10}})
	ctx := context.Background()
	refs, err := e.client.ReferringProviders(ctx, api.ReferringProviderQuery{})
	if err != nil || len(refs) == 0 {
		t.Fatalf("referring providers: %d, %v", len(refs), err)
	}
	pats, _, err := e.client.Patients(ctx, api.PatientQuery{})
	if err != nil || len(pats) == 0 {
		t.Fatalf("patients: %d, %v", len(pats), err)
	}
	for round := 0; round < 2; round++ {
		for _, p := range refs {
			got, ok := e.d.Index(ReferringProviders).Lookup(p.EHRID)
			if !ok || got.Speciality != p.Speciality || got.NPI != p.NPI || got.City != cityState(p.AddressCity, p.AddressState) {
				t.Fatalf("round %d: entry %+v for %+v", round, got, p)
			}
		}
		for _, p := range pats {
			got, ok := e.d.Index(Patients).Lookup(p.MRN)
			if !ok || got.DOB != p.DOB || p.DOB == "" {
				t.Fatalf("round %d: entry %+v for %+v", round, got, p)
			}
		}
		e.d.Close()
		e.open(t, Options{})
	}
}

// TestDocumentSentUnderTheNameShown: a scanner's file name with a newline,
// tab or escape is sent under the one-line name every screen shows, never
// the raw one (the review says it shows exactly what is sent).
func TestDocumentSentUnderTheNameShown(t *testing.T) {
	in := ReferralInput{Documents: []DocumentRef{
		{Name: "fax\nscan.pdf", Path: "/x/fax\nscan.pdf", Size: 3},
		{Path: "/x/a\tb\x1b[31m.pdf", Size: 3},
	}}
	r := in.Request()
	if got := r.Documents[0].Filename; got != "fax scan.pdf" {
		t.Errorf("sent as %q, want %q", got, "fax scan.pdf")
	}
	if got := r.Documents[1].Filename; got != "a b.pdf" {
		t.Errorf("a document with no name given is sent as %q, want its file's name on one line %q", got, "a b.pdf")
	}
}
