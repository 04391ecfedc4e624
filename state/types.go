// Package state is the desk's memory and the referral lifecycle: a SQLite
// store, the outbox, idempotent event application, the synced directories
// and their entries (searched through package search's index), the hub
// that fans changes out, and the reconciler. It never imports bubbletea.
package state

import (
	"path/filepath"
	"time"

	"refdesk/textsafe"
)

// Status is where a referral is in its lifecycle.
type Status string

// The lifecycle: Draft → Submitting → Processing → Completed | Failed, plus
// NotSent (the request never left: safe to send again) and Unknown (sent,
// answer lost: reconcile before anything is resent).
const (
	Draft      Status = "draft"
	Submitting Status = "submitting"
	Processing Status = "processing"
	Completed  Status = "completed"
	Failed     Status = "failed"
	NotSent    Status = "not_sent"
	Unknown    Status = "unknown"
)

// Label is the status as a person reads it.
func (s Status) Label() string {
	switch s {
	case Draft:
		return "Draft"
	case Submitting:
		return "Submitting"
	case Processing:
		return "Processing"
	case Completed:
		return "Completed"
	case Failed:
		return "Failed"
	case NotSent:
		return "Not sent"
	case Unknown:
		return "Unknown"
	}
	return string(s)
}

// Terminal reports whether no further event changes the status.
func (s Status) Terminal() bool { return s == Completed || s == Failed }

// DocumentRef is a document as the store keeps it: never its bytes.
type DocumentRef struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Filename is the name the document is sent to Cobalt under: Name (the
// file's own name when none was given) as every screen shows it, on one
// line (a newline, tab or escape in a scanner's file name becomes a space
// or goes), so the review shows exactly what is sent.
func (r DocumentRef) Filename() string {
	name := r.Name
	if name == "" {
		name = filepath.Base(r.Path)
	}
	return textsafe.Clean(name)
}

// ReferralInput is everything a user enters for one referral: what the form
// edits, what a draft saves and what reopening a referral restores. Names,
// the patient's DOB and each provider's speciality, city and NPI are kept
// beside the ids so every screen can tell namesakes apart (who.go).
type ReferralInput struct {
	PatientMRN     string        `json:"patient_mrn"`
	PatientName    string        `json:"patient_name"`
	PatientDOB     string        `json:"patient_dob"`
	Direction      string        `json:"direction"`
	FromEHRID      string        `json:"from_ehr_id"` // api.NoProvider for none
	FromName       string        `json:"from_name"`
	From           ProviderInfo  `json:"from_info"`
	ToEHRID        string        `json:"to_ehr_id"`
	ToName         string        `json:"to_name"`
	To             ProviderInfo  `json:"to_info"`
	Priority       string        `json:"priority"`
	Reason         string        `json:"reason"`
	DiagnosisCodes []string      `json:"diagnosis_codes"`
	Documents      []DocumentRef `json:"documents"`
}

// Referral is one referral as the desk knows it.
type Referral struct {
	ID         int64 // local id
	ReferralID string
	JobID      string
	Status     Status
	Sender     string // SSH or OS user who sent it
	ReferralInput
	EHRID             string
	DocumentsAttached *int
	DocumentsFailed   *int
	FailureReason     string
	// Attention, when not empty, says why a person must look at this
	// referral ("no answer yet", conflicting events).
	Attention string
	CreatedAt time.Time
	UpdatedAt time.Time
	// LastEventAt is when Cobalt's last event about it (by webhook or
	// poll) was applied; zero before any.
	LastEventAt time.Time
}

// Transition is one recorded change of status.
type Transition struct {
	At    time.Time
	From  Status
	To    Status
	Cause string
}

// Change tells subscribers a referral changed. Refresh means changes were
// coalesced for a slow subscriber: reload everything.
type Change struct {
	Referral Referral
	Refresh  bool
}
