package state

import (
	"strings"
	"testing"

	"refdesk/api"
)

func TestEntries(t *testing.T) {
	p := ProviderEntry(api.Provider{EHRID: "99999", Name: "Doe, John", NPI: "425345345", Status: "inactive"})
	if p.Key != "99999" || p.Name != "Doe, John" || p.Detail != "NPI 425345345 · inactive" || !p.Inactive {
		t.Errorf("provider entry %+v", p)
	}
	a := ProviderEntry(api.Provider{EHRID: "7", Name: "Roe, Ann", Status: "active"})
	if a.Inactive || a.Detail != "" || a.Text != "Roe, Ann · EHR 7" {
		t.Errorf("active provider entry %+v", a)
	}
	r := ReferringProviderEntry(api.ReferringProvider{EHRID: "5521", FirstName: "Maria", LastName: "Alvarez",
		Speciality: "Cardiology", AddressCity: "Springfield", AddressState: "IL", NPI: "1234567890"})
	if r.Name != "Alvarez, Maria" || r.Detail != "Cardiology · Springfield, IL · NPI 1234567890" {
		t.Errorf("referring provider entry %+v", r)
	}
	for _, want := range []string{"Alvarez, Maria", "Cardiology", "Springfield", "1234567890", "5521"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("referring provider text %q lacks %q", r.Text, want)
		}
	}
	pt := PatientEntry(api.Patient{FirstName: "John", LastName: "Doe", DOB: "1980-05-15", MRN: "1234567"})
	if pt.Key != "1234567" || pt.Name != "Doe, John" || pt.Detail != "DOB 05/15/1980 · MRN 1234567" {
		t.Errorf("patient entry %+v", pt)
	}
	for _, want := range []string{"Doe, John", "1234567", "05/15/1980", "1980-05-15"} {
		if !strings.Contains(pt.Text, want) {
			t.Errorf("patient text %q lacks %q", pt.Text, want)
		}
	}
	odd := PatientEntry(api.Patient{FirstName: "Ann", DOB: "unknown", MRN: "1"})
	if odd.Name != "Ann" || odd.Detail != "DOB unknown · MRN 1" {
		t.Errorf("odd patient entry %+v", odd)
	}
}

// Shown drops only a patient's hidden ISO date: a DOB that is not a date
// is in the detail once already, a provider's text is drawn whole.
func TestEntryShown(t *testing.T) {
	pt := PatientEntry(api.Patient{FirstName: "John", LastName: "Doe", DOB: "1980-05-15", MRN: "1234567"})
	iso := strings.LastIndex(pt.Text, "1980")
	shown, pos := pt.Shown([]int{0, iso, iso + 9})
	us := strings.Index(shown, "05/15/1980")
	if shown != "Doe, John · DOB 05/15/1980 · MRN 1234567" || len(pos) != 11 || pos[0] != 0 || pos[1] != us || pos[10] != us+9 {
		t.Errorf("patient shown %q %v", shown, pos)
	}
	for _, e := range []Entry{
		PatientEntry(api.Patient{FirstName: "Ann", DOB: "unknown", MRN: "1"}),
		PatientEntry(api.Patient{FirstName: "Ann", MRN: "2"}),
		ProviderEntry(api.Provider{EHRID: "7", Name: "Dr 1980-05-15"}),
	} {
		if shown, pos := e.Shown([]int{1}); shown != e.Text || len(pos) != 1 {
			t.Errorf("%q shown as %q %v", e.Text, shown, pos)
		}
	}
}
