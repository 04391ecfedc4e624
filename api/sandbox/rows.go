package sandbox

import (
	"fmt"
	"strconv"

	"refdesk/api"
)

// Provider returns providers[i] (0 ≤ i < size).
func (d *Directory) Provider(i int) api.Provider {
	r := d.rng(saltProvider, i)
	first, last := personName(&r)
	p := api.Provider{
		ID:       hexID(&r),
		EHRID:    strconv.Itoa(providerIDBase + i),
		Name:     last + ", " + first,
		NPI:      randomNPI(&r),
		Timezone: d.clinic.timezone,
		Status:   "active",
	}
	if i == 0 {
		p.EHRID = "PROV-001"
	} else if r.chance(0.05) {
		p.Status = "inactive"
	}
	p.HideInAvailability = r.chance(0.03)
	for _, day := range weekdays {
		if !r.chance(0.7) {
			continue
		}
		f := r.intn(len(d.clinic.facilities))
		start := 7 + r.intn(3)
		p.Hours = append(p.Hours, api.Hours{Day: day, Shifts: []api.Shift{{
			Start:        fmt.Sprintf("T%02d:00:00", start),
			End:          fmt.Sprintf("T%02d:00:00", start+4+r.intn(5)),
			FacilityID:   fmt.Sprintf("FAC-%d", 100+f),
			FacilityName: d.clinic.facilities[f],
		}}})
	}
	return p
}

// ProviderIndex finds a provider by EHR id.
func (d *Directory) ProviderIndex(ehrID string) (int, bool) {
	i, ok := indexFor(ehrID, []string{"PROV-001"}, providerIDBase, d.nProviders)
	return i, ok && d.Provider(i).EHRID == ehrID
}

// RefRow is a referring provider with the fields Cobalt sends as null
// marked: Null[f] is true for a JSON null (the value is then "").
type RefRow struct {
	api.ReferringProvider
	Null NullFields
}

// NullFields marks which optional fields of a referring provider are null.
type NullFields struct {
	MiddleInitial, Speciality, Phone, Fax, Email, NPI, Street bool
}

// ReferringProvider returns referring providers[i] (0 ≤ i < size).
func (d *Directory) ReferringProvider(i int) RefRow {
	switch i {
	case 0:
		return RefRow{ReferringProvider: api.ReferringProvider{
			ID: "3c1f0d2e9a8b4c7d8e6f5a4b3c2d1e0f", EHRID: "PROV-002", Name: "Okafor, Ngozi",
			FirstName: "Ngozi", LastName: "Okafor", MiddleInitial: "A", Speciality: "Cardiology",
			Phone: "217-555-0142", Fax: "217-555-0143", Email: "n.okafor@springfieldheart.example",
			NPI: npiFor(150000000), AddressStreet: "800 E Carpenter St", AddressCity: "Springfield",
			AddressState: "IL", AddressZip: "62769"}}
	case 1:
		return RefRow{ReferringProvider: api.ReferringProvider{
			ID: "a7e3c9b1d5f24e6a8c0b2d4f6e8a1c3e", EHRID: "5521", Name: "Alvarez, Maria",
			FirstName: "Maria", LastName: "Alvarez", MiddleInitial: "L", Speciality: "Cardiology",
			Phone: "773-472-2936", Fax: "773-472-2937", Email: "maria.alvarez@heartcare.example",
			NPI: npiFor(123456789), AddressStreet: "1200 S 6th St", AddressCity: "Springfield",
			AddressState: "IL", AddressZip: "62701"}}
	}
	r := d.rng(saltReferring, i)
	first, last := personName(&r)
	pl := places[r.intn(len(places))]
	var row RefRow
	p := &row.ReferringProvider
	p.ID = hexID(&r)
	p.EHRID = strconv.Itoa(referringIDBase + i)
	p.FirstName, p.LastName = first, last
	p.Name = last + ", " + first
	p.MiddleInitial = string(rune('A' + r.intn(26)))
	p.Speciality = pick(&r, specialities[:])
	p.Phone = phone(&r, pl.Area)
	p.Fax = phone(&r, pl.Area)
	p.Email = "referrals" + strconv.Itoa(r.intn(1000)) + "@" + lowerASCII(pl.City) + ".example"
	p.NPI = randomNPI(&r)
	p.AddressStreet = strconv.Itoa(1+r.intn(9999)) + " " + pick(&r, streetNames[:])
	p.AddressCity, p.AddressState = pl.City, pl.State
	p.AddressZip = string(pad([]byte(pl.Zip), r.intn(100), 2))
	n := &row.Null
	null := func(flag *bool, field *string, share float64) {
		if r.chance(share) {
			*flag, *field = true, ""
		}
	}
	null(&n.MiddleInitial, &p.MiddleInitial, 0.4)
	null(&n.Speciality, &p.Speciality, 0.05)
	null(&n.Phone, &p.Phone, 0.03)
	null(&n.Fax, &p.Fax, 0.15)
	null(&n.Email, &p.Email, 0.3)
	null(&n.NPI, &p.NPI, 0.03)
	null(&n.Street, &p.AddressStreet, 0.1)
	return row
}

// ReferringProviderIndex finds a referring provider by EHR id.
func (d *Directory) ReferringProviderIndex(ehrID string) (int, bool) {
	i, ok := indexFor(ehrID, []string{"PROV-002", "5521"}, referringIDBase, d.nReferring)
	return i, ok && d.ReferringProvider(i).EHRID == ehrID
}

// PatientRow is a patient plus the internal EHR id the ehr_id filter
// matches (not part of the documented item shape, so not sent).
type PatientRow struct {
	api.Patient
	EHRID string
}

// Patient returns patients[i] (0 ≤ i < size).
func (d *Directory) Patient(i int) PatientRow {
	ehr := strconv.Itoa(patientEHRBase + i)
	switch i {
	case 0:
		return PatientRow{api.Patient{FirstName: "Jordan", LastName: "Rivera", DOB: "1975-09-21",
			Sex: "female", Phone: "217-555-0198", MRN: "1234567"}, ehr}
	case 1:
		return PatientRow{api.Patient{FirstName: "John", LastName: "Doe", DOB: "1980-05-15",
			Sex: "male", Phone: "555-123-4567", MRN: "414421"}, ehr}
	}
	r := d.rng(saltPatient, i)
	first, last := personName(&r)
	pl := places[r.intn(len(places))]
	sex := "female"
	if r.chance(0.49) {
		sex = "male"
	}
	return PatientRow{api.Patient{
		FirstName: first, LastName: last,
		DOB:   fmt.Sprintf("%04d-%02d-%02d", 1930+r.intn(94), 1+r.intn(12), 1+r.intn(28)),
		Sex:   sex,
		Phone: phone(&r, pl.Area),
		MRN:   strconv.Itoa(mrnBase + i),
	}, ehr}
}

// PatientIndex finds a patient by MRN.
func (d *Directory) PatientIndex(mrn string) (int, bool) {
	i, ok := indexFor(mrn, []string{"1234567", "414421"}, mrnBase, d.nPatients)
	return i, ok && d.Patient(i).MRN == mrn
}

// GenerateReferringProviders returns the first n referring providers for
// seed, as NewDirectory(seed, ·, n, ·) serves them (null fields as ""). It
// holds all n rows in memory; servers stream rows instead.
func GenerateReferringProviders(seed int64, n int) []api.ReferringProvider {
	d := NewDirectory(seed, 1, n, 2)
	out := make([]api.ReferringProvider, 0, n)
	for i := range min(n, d.nReferring) {
		out = append(out, d.ReferringProvider(i).ReferringProvider)
	}
	return out
}

// GenerateProviders returns every provider of NewDirectory(seed, n, ·, ·).
func GenerateProviders(seed int64, n int) []api.Provider {
	d := NewDirectory(seed, n, 2, 2)
	out := make([]api.Provider, 0, d.nProviders)
	for i := range d.nProviders {
		out = append(out, d.Provider(i))
	}
	return out
}

// GeneratePatients returns every patient of NewDirectory(seed, ·, ·, n).
func GeneratePatients(seed int64, n int) []api.Patient {
	d := NewDirectory(seed, 1, 2, n)
	out := make([]api.Patient, 0, d.nPatients)
	for i := range d.nPatients {
		out = append(out, d.Patient(i).Patient)
	}
	return out
}

func lowerASCII(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			out = append(out, c+'a'-'A')
		case c >= 'a' && c <= 'z':
			out = append(out, c)
		}
	}
	return string(out)
}
