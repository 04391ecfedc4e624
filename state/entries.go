package state

import (
	"context"
	"strings"
	"time"

	"refdesk/api"
)

// The index entries the pickers search are built here from synced rows.
// Text is what the matcher searches and the picker shows: the name, the
// detail, then the ids (and, for patients, the date of birth in both forms
// people type).

const sep = " · "

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// ProviderEntry is a clinic provider's entry: Detail "NPI … · inactive".
func ProviderEntry(p api.Provider) Entry {
	name := strings.TrimSpace(p.Name)
	if name == "" {
		name = "Provider " + p.EHRID
	}
	var npi, inactive string
	if p.NPI != "" {
		npi = "NPI " + p.NPI
	}
	if p.Inactive() {
		inactive = "inactive"
	}
	detail := join(npi, inactive)
	return Entry{
		Key:      p.EHRID,
		Name:     name,
		Detail:   detail,
		Text:     join(name, detail, "EHR "+p.EHRID),
		Inactive: p.Inactive(),
	}
}

// ReferringProviderEntry is an outside provider's entry: Detail
// "Speciality · City, ST · NPI …".
func ReferringProviderEntry(p api.ReferringProvider) Entry {
	name := strings.TrimSpace(p.Name)
	if name == "" {
		name = lastFirst(p.LastName, p.FirstName)
	}
	if name == "" {
		name = "Provider " + p.EHRID
	}
	place := p.AddressCity
	if p.AddressState != "" {
		if place != "" {
			place += ", "
		}
		place += p.AddressState
	}
	var npi string
	if p.NPI != "" {
		npi = "NPI " + p.NPI
	}
	detail := join(p.Speciality, place, npi)
	return Entry{
		Key:    p.EHRID,
		Name:   name,
		Detail: detail,
		Text:   join(name, detail, "EHR "+p.EHRID),
	}
}

// PatientEntry is a patient's entry: Name "Last, First", Detail
// "DOB 05/15/1980 · MRN 1234567"; Text also holds the DOB as 1980-05-15.
func PatientEntry(p api.Patient) Entry {
	name := lastFirst(p.LastName, p.FirstName)
	var dob, iso string
	if p.DOB != "" {
		dob = "DOB " + USDate(p.DOB)
		if dob != "DOB "+p.DOB {
			iso = p.DOB
		}
	}
	detail := join(dob, "MRN "+p.MRN)
	return Entry{
		Key:    p.MRN,
		Name:   name,
		Detail: detail,
		Text:   join(name, detail, iso),
	}
}

// lastFirst is "Last, First", or whichever part is present.
func lastFirst(last, first string) string {
	last, first = strings.TrimSpace(last), strings.TrimSpace(first)
	if last != "" && first != "" {
		return last + ", " + first
	}
	return last + first
}

// USDate writes a YYYY-MM-DD date as MM/DD/YYYY (as given when it is not
// one).
func USDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("01/02/2006")
}

// loadEntries reads a directory's entries from the cache.
func (d *Desk) loadEntries(ctx context.Context, dir Directory) ([]Entry, error) {
	table, key := cacheTable(dir)
	rows, err := d.st.r.QueryContext(ctx, "SELECT "+key+", name, detail, text, inactive FROM "+table+" ORDER BY rowid")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Key, &e.Name, &e.Detail, &e.Text, &e.Inactive); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// cacheTable names a directory's table and key column.
func cacheTable(dir Directory) (table, key string) {
	switch dir {
	case Providers:
		return "providers", "ehr_id"
	case ReferringProviders:
		return "referring_providers", "ehr_id"
	}
	return "patients", "mrn"
}
