package sandbox

import (
	"net/http"
	"strings"

	"refdesk/api"
)

// GET /v1/providers: the whole list, no pagination (as documented).
func (s *Server) listProviders(w http.ResponseWriter, r *http.Request) {
	l := startList(w, "providers")
	n, _, _ := s.dir.Sizes()
	for i := range n {
		if l.row(s.dir.Provider(i)) != nil {
			return
		}
	}
	l.end(nil)
}

// wireReferring is a referring provider as Cobalt writes it: null fields
// are JSON null, and "speciality" keeps Cobalt's spelling.
type wireReferring struct {
	ID            string  `json:"id"`
	EHRID         string  `json:"ehr_id"`
	Name          string  `json:"name"`
	FirstName     string  `json:"first_name"`
	LastName      string  `json:"last_name"`
	MiddleInitial *string `json:"middle_initial"`
	Speciality    *string `json:"speciality"`
	Phone         *string `json:"phone"`
	Fax           *string `json:"fax"`
	Email         *string `json:"email"`
	NPI           *string `json:"npi"`
	AddressStreet *string `json:"address_street"`
	AddressCity   string  `json:"address_city"`
	AddressState  string  `json:"address_state"`
	AddressZip    string  `json:"address_zip"`
}

func nullable(v *string, null bool) *string {
	if null {
		return nil
	}
	return v
}

func (row *RefRow) wire() wireReferring {
	p, n := &row.ReferringProvider, row.Null
	return wireReferring{
		ID: p.ID, EHRID: p.EHRID, Name: p.Name, FirstName: p.FirstName, LastName: p.LastName,
		MiddleInitial: nullable(&p.MiddleInitial, n.MiddleInitial),
		Speciality:    nullable(&p.Speciality, n.Speciality),
		Phone:         nullable(&p.Phone, n.Phone),
		Fax:           nullable(&p.Fax, n.Fax),
		Email:         nullable(&p.Email, n.Email),
		NPI:           nullable(&p.NPI, n.NPI),
		AddressStreet: nullable(&p.AddressStreet, n.Street),
		AddressCity:   p.AddressCity, AddressState: p.AddressState, AddressZip: p.AddressZip,
	}
}

// containsFold is a case-insensitive substring test (no accent folding,
// like an SQL ILIKE '%q%').
func containsFold(s, q string) bool {
	return q == "" || strings.Contains(strings.ToLower(s), strings.ToLower(q))
}

// GET /v1/referring-providers: filters first_name, last_name (partial,
// case-insensitive), phone, fax (any format: digits compared), npi (exact).
// No pagination; rows are streamed one by one.
func (s *Server) listReferringProviders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	first, last, npi := q.Get("first_name"), q.Get("last_name"), q.Get("npi")
	ph, fax := digits(q.Get("phone")), digits(q.Get("fax"))
	filtered := first != "" || last != "" || npi != "" || ph != "" || fax != ""
	_, n, _ := s.dir.Sizes()
	l := startList(w, "referring_providers")
	for i := range n {
		row := s.dir.ReferringProvider(i)
		p := &row.ReferringProvider
		if filtered && !(containsFold(p.FirstName, first) && containsFold(p.LastName, last) &&
			(npi == "" || p.NPI == npi) &&
			(ph == "" || digits(p.Phone) == ph) && (fax == "" || digits(p.Fax) == fax)) {
			continue
		}
		if l.row(row.wire()) != nil {
			return
		}
	}
	l.end(nil)
}

// GET /v1/patients: filters mrn, ehr_id (exact), first_name, last_name
// (partial, case-insensitive), dob (YYYY-MM-DD), phone (digits compared);
// page, page_size (default 30, at most 100).
func (s *Server) listPatients(w http.ResponseWriter, r *http.Request) {
	page, size, msg := pageParams(r, 30)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	q := r.URL.Query()
	mrn, ehr, first, last, dob := q.Get("mrn"), q.Get("ehr_id"), q.Get("first_name"), q.Get("last_name"), q.Get("dob")
	ph := digits(q.Get("phone"))
	match := func(p PatientRow) bool {
		return (mrn == "" || p.MRN == mrn) && (ehr == "" || p.EHRID == ehr) &&
			containsFold(p.FirstName, first) && containsFold(p.LastName, last) &&
			(dob == "" || p.DOB == dob) && (ph == "" || digits(p.Phone) == ph)
	}
	var hits []int
	if mrn != "" { // an MRN names at most one patient: no scan
		if i, ok := s.dir.PatientIndex(mrn); ok && match(s.dir.Patient(i)) {
			hits = append(hits, i)
		}
	} else {
		_, _, n := s.dir.Sizes()
		for i := range n {
			if match(s.dir.Patient(i)) {
				hits = append(hits, i)
			}
		}
	}
	lo, hi, pg := paginate(page, size, len(hits))
	l := startList(w, "patients")
	for _, i := range hits[lo:hi] {
		if l.row(s.dir.Patient(i).Patient) != nil {
			return
		}
	}
	l.end(pg)
}

// providerName is the display name of an EHR id in a directory ("" for
// "0" or an unknown id).
func (s *Server) providerName(dir, id string) string {
	switch dir {
	case api.DirProviders:
		if i, ok := s.dir.ProviderIndex(id); ok {
			return s.dir.Provider(i).Name
		}
	case api.DirReferringProviders:
		if i, ok := s.dir.ReferringProviderIndex(id); ok {
			return s.dir.ReferringProvider(i).Name
		}
	}
	return ""
}

// knownIn reports whether id is "0" or exists in the named directory.
func (s *Server) knownIn(dir, id string) bool {
	if id == api.NoProvider {
		return true
	}
	var ok bool
	if dir == api.DirProviders {
		_, ok = s.dir.ProviderIndex(id)
	} else {
		_, ok = s.dir.ReferringProviderIndex(id)
	}
	return ok
}
