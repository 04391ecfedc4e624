package api

import (
	"io"
)

// ReferralRequest is the body of POST /v1/referrals. Documents are not held
// in memory: each is opened and base64-encoded into the request body as it
// is written.
type ReferralRequest struct {
	PatientMRN        string     `json:"patient_mrn"`
	FromProviderEHRID string     `json:"referring_from_provider_ehr_id"`
	ToProviderEHRID   string     `json:"referring_to_provider_ehr_id"`
	Direction         string     `json:"direction"`
	Priority          string     `json:"priority"`
	Reason            string     `json:"reason"`
	DiagnosisCodes    []string   `json:"diagnosis_codes,omitempty"`
	Documents         []Document `json:"-"`
}

// Document is one attachment. Size is the file's size in bytes (not its
// base64); Open returns a fresh reader over exactly Size bytes each time it
// is called (a request may be written more than once).
type Document struct {
	Filename string
	Size     int64
	Open     func() (io.ReadCloser, error)
}
