package state

import (
	"context"
	"time"

	"refdesk/api"
)

// ProviderInfo is what tells a provider apart from a namesake, as the
// directory has it. A referral stores it beside the provider's id and name.
type ProviderInfo struct {
	Speciality string `json:"speciality,omitempty"`
	City       string `json:"city,omitempty"` // "City, ST"
	NPI        string `json:"npi,omitempty"`
}

// Info is the entry's provider details.
func (e Entry) Info() ProviderInfo {
	return ProviderInfo{Speciality: e.Speciality, City: e.City, NPI: e.NPI}
}

// NoProviderLine is how "0", no provider on this side, is written.
const NoProviderLine = `No provider on this side (sends "0")`

// PatientLine is a patient as every screen shows it:
// "Jackson, Amanda · DOB 05/15/1980 · MRN 103840". Text is raw: clean it
// before drawing.
func PatientLine(name, dob, mrn string) string {
	if mrn == "" {
		return ""
	}
	if dob != "" {
		dob = "DOB " + USDate(dob)
	}
	return join(orText(name, "(no name)"), dob, "MRN "+mrn)
}

// ProviderLine is a provider as every screen shows it: "Walker, Thomas ·
// Cardiology · Springfield, IL · NPI 1234567890 · EHR PROV-002", or
// NoProviderLine for "0". Text is raw: clean it before drawing.
func ProviderLine(id, name string, p ProviderInfo) string {
	switch id {
	case "":
		return ""
	case api.NoProvider:
		return NoProviderLine
	}
	var npi string
	if p.NPI != "" {
		npi = "NPI " + p.NPI
	}
	return join(orText(name, "(no name)"), p.Speciality, p.City, npi, "EHR "+id)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// PatientLine is the referral's patient, as every screen shows it.
func (in ReferralInput) PatientLine() string {
	return PatientLine(in.PatientName, in.PatientDOB, in.PatientMRN)
}

// FromLine is the referring-from provider, as every screen shows it.
func (in ReferralInput) FromLine() string { return ProviderLine(in.FromEHRID, in.FromName, in.From) }

// ToLine is the referring-to provider, as every screen shows it.
func (in ReferralInput) ToLine() string { return ProviderLine(in.ToEHRID, in.ToName, in.To) }

// Describe fills what in lacks of the names, the patient's DOB and the
// providers' details from the synced directories (a referral sent by
// `refdesk submit`, or stored before the details were kept). What in
// already holds is kept: it is what the person chose.
func (d *Desk) Describe(in ReferralInput) ReferralInput {
	if e, ok := d.idx[Patients].Lookup(in.PatientMRN); ok && in.PatientMRN != "" {
		if in.PatientName == "" {
			in.PatientName = e.Name
		}
		if in.PatientDOB == "" {
			in.PatientDOB = e.DOB
		}
	}
	from, to, ok := api.DirectoryFor(in.Direction)
	if !ok {
		return in
	}
	fill := func(dir, id string, name *string, info *ProviderInfo) {
		if id == "" || id == api.NoProvider {
			return
		}
		e, ok := d.idx[directoryOf(dir)].Lookup(id)
		if !ok {
			return
		}
		if *name == "" {
			*name = e.Name
		}
		if *info == (ProviderInfo{}) {
			*info = e.Info()
		}
	}
	fill(from, in.FromEHRID, &in.FromName, &in.From)
	fill(to, in.ToEHRID, &in.ToName, &in.To)
	return in
}

// directoryOf maps api.DirectoryFor's names to a Directory.
func directoryOf(name string) Directory {
	if name == api.DirReferringProviders {
		return ReferringProviders
	}
	return Providers
}

// Namesakes counts the entries of dir named name (itself included, case
// and surrounding spaces ignored), so a review can warn when two share it.
func (d *Desk) Namesakes(ctx context.Context, dir Directory, name string) (int, error) {
	table, _ := cacheTable(dir)
	var n int
	err := d.st.r.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE lower(trim(name)) = lower(trim(?))", name).Scan(&n)
	return n, err
}

// DirectoriesSyncedAt is when the directories were last synced, as one
// time: the oldest of the three, or zero when any was never synced.
func (d *Desk) DirectoriesSyncedAt() time.Time {
	var oldest time.Time
	for _, dir := range []Directory{Providers, ReferringProviders, Patients} {
		t := d.SyncedAt(dir)
		if t.IsZero() {
			return time.Time{}
		}
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return oldest
}
