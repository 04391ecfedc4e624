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
