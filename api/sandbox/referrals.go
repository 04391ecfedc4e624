package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"refdesk/api"
)

// referral is one accepted POST /v1/referrals, as the sandbox keeps it.
type referral struct {
	api.WireReferral
	ID        string // UUID without dashes
	JobID     int64
	Created   time.Time
	Patient   api.Patient
	FromName  string
	ToName    string
	Status    string // "processing", then "created" or "failed"
	EHRID     string // set when created
	DocIDs    []string
	UpdatedAt time.Time
}

// newHexID is a random UUID (version 4) as 32 hex digits. Ids come from
// crypto/rand, not the seeded source, so two sandboxes with one seed never
// hand out the same referral or event ids.
func newHexID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// dashed writes a 32-hex-digit id in the 8-4-4-4-12 form.
func dashed(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// POST /v1/referrals. Checks, in order: body size (413), JSON, Cobalt's
// field rules (api.WireReferral.Validate: missing fields, priority,
// direction, documents), the patient, then both providers against the
// directories the direction names. When both providers are unknown, both
// are listed, separated by "; ", from-side first (Cobalt's page shows only
// the one-provider form; this is the sandbox's choice). All of these
// answer 400.
func (s *Server) createReferral(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, api.MaxRequestBytes)
	var body api.WireReferral
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, msgTooLarge)
			return
		}
		writeError(w, http.StatusBadRequest, msgInvalidJSON)
		return
	}
	if err := body.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	pi, ok := s.dir.PatientIndex(body.PatientMRN)
	if !ok {
		writeError(w, http.StatusBadRequest, api.PatientNotFoundMessage(body.PatientMRN))
		return
	}
	fromDir, toDir, _ := api.DirectoryFor(body.Direction)
	var unknown []api.UnknownProvider
	if !s.knownIn(fromDir, body.FromProviderEHRID) {
		unknown = append(unknown, api.UnknownProvider{Field: "referring_from_provider_ehr_id", ID: body.FromProviderEHRID, Directory: fromDir})
	}
	if !s.knownIn(toDir, body.ToProviderEHRID) {
		unknown = append(unknown, api.UnknownProvider{Field: "referring_to_provider_ehr_id", ID: body.ToProviderEHRID, Directory: toDir})
	}
	if len(unknown) > 0 {
		writeError(w, http.StatusBadRequest, api.UnknownProvidersMessage(unknown...))
		return
	}
	now := s.now()
	ref := &referral{
		WireReferral: body, ID: newHexID(), Created: now, UpdatedAt: now,
		Patient:  s.dir.Patient(pi).Patient,
		FromName: s.providerName(fromDir, body.FromProviderEHRID),
		ToName:   s.providerName(toDir, body.ToProviderEHRID),
		Status:   "processing",
	}
	// Keep only what the job needs: not the documents' content.
	docs := make([]api.WireDocument, len(body.Documents))
	for i, d := range body.Documents {
		docs[i] = api.WireDocument{Filename: d.Filename}
	}
	ref.Documents = docs
	faults, _ := s.knobs()
	early := s.chance(faults.EarlyWebhooks)
	s.mu.Lock()
	ref.JobID = s.nextJob
	s.nextJob++
	s.referrals = append(s.referrals, ref)
	s.mu.Unlock()
	s.log.Info("sandbox: referral queued", "job_id", ref.JobID, "documents", len(docs), "early", early)
	if early {
		s.finishJob(ref, true) // the webhook goes out before this answer
	} else {
		s.startJob(ref)
	}
	if s.chance(faults.SlowAnswers) {
		s.holdAnswer(r, ref.JobID)
	}
	writeJSON(w, http.StatusOK, struct {
		Success    bool   `json:"success"`
		Message    string `json:"message"`
		ReferralID string `json:"referral_id"`
		JobID      int64  `json:"job_id"`
	}{true, msgQueued, ref.ID, ref.JobID})
}

// wireReferral is an item of GET /v1/referrals (nullable fields as null).
type wireReferral struct {
	ID                string   `json:"id"`
	EHRID             *string  `json:"ehr_id"`
	PatientMRN        string   `json:"patient_mrn"`
	PatientFirstName  string   `json:"patient_first_name"`
	PatientLastName   string   `json:"patient_last_name"`
	FromProviderEHRID string   `json:"from_provider_ehr_id"`
	FromProviderName  *string  `json:"from_provider_name"`
	ToProviderEHRID   string   `json:"to_provider_ehr_id"`
	ToProviderName    *string  `json:"to_provider_name"`
	Priority          string   `json:"priority"`
	Reason            string   `json:"reason"`
	Direction         string   `json:"direction"`
	DiagnosisCodes    []string `json:"diagnosis_codes"`
	DocumentIDs       []string `json:"document_ids"`
	Status            string   `json:"status"`
	ReferralDate      string   `json:"referral_date"`
	LastActivityAt    string   `json:"last_activity_at"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (ref *referral) wire() wireReferral {
	codes := ref.DiagnosisCodes
	if codes == nil {
		codes = []string{}
	}
	docIDs := append([]string{}, ref.DocIDs...)
	return wireReferral{
		ID: ref.ID, EHRID: orNull(ref.EHRID), PatientMRN: ref.PatientMRN,
		PatientFirstName: ref.Patient.FirstName, PatientLastName: ref.Patient.LastName,
		FromProviderEHRID: ref.FromProviderEHRID, FromProviderName: orNull(ref.FromName),
		ToProviderEHRID: ref.ToProviderEHRID, ToProviderName: orNull(ref.ToName),
		Priority: ref.Priority, Reason: ref.Reason, Direction: ref.Direction,
		DiagnosisCodes: codes, DocumentIDs: docIDs, Status: ref.Status,
		ReferralDate:   ref.Created.UTC().Format(time.DateOnly),
		LastActivityAt: isoMillis(ref.UpdatedAt),
	}
}

// isoMillis writes t as Cobalt does: UTC, milliseconds, "Z".
func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// dateRange reads start_date/end_date (YYYY-MM-DD, inclusive); required
// reports a missing one as an error.
func dateRange(r *http.Request, required bool) (lo, hi string, msg string) {
	q := r.URL.Query()
	lo, hi = q.Get("start_date"), q.Get("end_date")
	if required && (lo == "" || hi == "") {
		return "", "", msgDatesRequired
	}
	for _, d := range []string{lo, hi} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			return "", "", msgBadDate
		}
	}
	return lo, hi, ""
}

// GET /v1/referrals: start_date and end_date required (on referral_date);
// filters patient_mrn, status, priority, direction, ehr_id; page,
// page_size (default 50, at most 100); sort referral_date or
// -referral_date (default; created_at is accepted as a synonym).
func (s *Server) listReferrals(w http.ResponseWriter, r *http.Request) {
	lo, hi, msg := dateRange(r, true)
	page, size, msg2 := pageParams(r, 50)
	if msg == "" {
		msg = msg2
	}
	q := r.URL.Query()
	sort := q.Get("sort")
	switch sort {
	case "", "-referral_date", "-created_at":
		sort = "desc"
	case "referral_date", "created_at":
		sort = "asc"
	default:
		if msg == "" {
			msg = "Invalid sort. Must be one of: referral_date, -referral_date."
		}
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	eq := func(want, got string) bool { return want == "" || want == got }
	var items []wireReferral
	s.mu.Lock()
	for _, ref := range s.referrals {
		it := ref.wire()
		if it.ReferralDate < lo || it.ReferralDate > hi || !eq(q.Get("patient_mrn"), it.PatientMRN) ||
			!eq(q.Get("status"), it.Status) || !eq(q.Get("priority"), it.Priority) ||
			!eq(q.Get("direction"), it.Direction) || !eq(q.Get("ehr_id"), ref.EHRID) {
			continue
		}
		items = append(items, it)
	}
	s.mu.Unlock()
	if sort == "desc" {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	a, b, pg := paginate(page, size, len(items))
	l := startList(w, "referrals")
	for _, it := range items[a:b] {
		if l.row(it) != nil {
			return
		}
	}
	l.end(pg)
}

// Stats counts what the sandbox has done, for tests.
type Stats struct {
	Referrals        int // accepted POST /v1/referrals (each created one job)
	Created, Failed  int // jobs that ended in referral.created / referral.failed
	Events           int // events recorded (one per event, whatever the URLs)
	DeliveryAttempts int // HTTP deliveries attempted, retries and duplicates included
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Referrals: len(s.referrals), DeliveryAttempts: s.attempts}
	for _, ref := range s.referrals {
		switch ref.Status {
		case "created":
			st.Created++
		case "failed":
			st.Failed++
		}
	}
	seen := map[string]bool{}
	for _, e := range s.events {
		seen[e.EventID] = true
	}
	st.Events = len(seen)
	return st
}
