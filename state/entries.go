package state

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"refdesk/api"
)

// The index entries the pickers search are built here from synced rows.
// Text is what the matcher searches and (but for a patient's second date
// of birth, see Shown) the picker shows: the name, the detail, then the
// ids (and, for patients, the date of birth in both forms people type).

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
		NPI:      p.NPI,
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
	place := cityState(p.AddressCity, p.AddressState)
	var npi string
	if p.NPI != "" {
		npi = "NPI " + p.NPI
	}
	detail := join(p.Speciality, place, npi)
	return Entry{
		Key:        p.EHRID,
		Name:       name,
		Detail:     detail,
		Text:       join(name, detail, "EHR "+p.EHRID),
		Speciality: p.Speciality,
		City:       place,
		NPI:        p.NPI,
	}
}

// cityState is "City, ST", or whichever part is present.
func cityState(city, st string) string {
	if city != "" && st != "" {
		return city + ", " + st
	}
	return city + st
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
		DOB:    p.DOB,
	}
}

// Shown is the part of e.Text a picker draws, with pos (match offsets
// into Text) moved onto it. A patient's Text ends with the date of birth
// as YYYY-MM-DD only so that it can be searched; the row shows the date
// once, as MM/DD/YYYY, and lights it up whole when the match reached
// into the hidden form (the matcher may have taken a digit or two of it
// from the date shown, so digit-by-digit would light up a ragged date).
func (e Entry) Shown(pos []int) (string, []int) {
	shown, ok := strings.CutSuffix(e.Text, sep+e.DOB)
	us := "DOB " + USDate(e.DOB)
	at := strings.Index(shown, us)
	if e.DOB == "" || !ok || us == "DOB "+e.DOB || at < 0 {
		return e.Text, pos
	}
	date := at + len("DOB ")
	end := date + len(us) - len("DOB ")
	hidden := slices.ContainsFunc(pos, func(p int) bool { return p >= len(shown) })
	var out []int
	for _, p := range pos {
		if p < len(shown) && (!hidden || p < date || p >= end) {
			out = append(out, p)
		}
	}
	if hidden {
		for p := date; p < end; p++ {
			out = append(out, p)
		}
		slices.Sort(out)
	}
	return shown, out
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

// entryColumns is the SELECT list of a cache row's entry, scanned by
// scanEntry: the entry's columns, then what tells namesakes apart, read
// from the API's row kept as JSON (a row that is not JSON has none).
func (s *store) entryColumns(key string) string {
	field := func(name string) string { return s.jsonField("data", name) }
	return key + ", name, detail, text, inactive, " + field("dob") + ", " + field("speciality") + ", " +
		field("address_city") + ", " + field("address_state") + ", " + field("npi")
}

// scanEntry reads one row selected with entryColumns.
func scanEntry(rows interface{ Scan(...any) error }, e *Entry) error {
	var dob, spec, city, st, npi sql.NullString
	if err := rows.Scan(&e.Key, &e.Name, &e.Detail, &e.Text, &e.Inactive, &dob, &spec, &city, &st, &npi); err != nil {
		return err
	}
	e.DOB, e.Speciality, e.City, e.NPI = dob.String, spec.String, cityState(city.String, st.String), npi.String
	return nil
}

// loadEntries reads a directory's entries from the cache.
func (d *Desk) loadEntries(ctx context.Context, dir Directory) ([]Entry, error) {
	table, key := cacheTable(dir)
	rows, err := d.st.r.QueryContext(ctx, "SELECT "+d.st.entryColumns(key)+" FROM "+table+" ORDER BY rowid")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := scanEntry(rows, &e); err != nil {
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
