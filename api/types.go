// Package api is the edge to Cobalt: typed requests and answers for every
// endpoint a referral desk touches, request validation that mirrors the
// server's (with the server's messages), webhook signature checks and an
// http.Handler that receives webhooks. It never imports bubbletea.
package api

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// DefaultBaseURL is Cobalt's production API.
const DefaultBaseURL = "https://api.usecobalt.com/v1"

// MaxRequestBytes is the largest body POST /v1/referrals accepts (25 MB).
const MaxRequestBytes = 25 * 1000 * 1000

// NoProvider is the provider id that means "no provider on this side".
const NoProvider = "0"

// Directions and priorities as Cobalt spells them.
const (
	DirectionIncoming = "incoming"
	DirectionOutgoing = "outgoing"

	PriorityRoutine = "routine"
	PriorityUrgent  = "urgent"
	PriorityStat    = "stat"
)

// Event types a desk handles; every other type is accepted and ignored.
const (
	EventReferralCreated = "referral.created"
	EventReferralFailed  = "referral.failed"
)

// Directory names, used in messages and by the pickers' titles.
const (
	DirProviders          = "providers"
	DirReferringProviders = "referring providers"
)

// DirectoryFor says which directory each side's provider id is validated
// against for a direction (the table on Cobalt's page). ok is false for an
// unknown direction.
func DirectoryFor(direction string) (from, to string, ok bool) {
	switch direction {
	case DirectionIncoming:
		return DirReferringProviders, DirProviders, true
	case DirectionOutgoing:
		return DirProviders, DirReferringProviders, true
	}
	return "", "", false
}

// JobID decodes a job id written either as a JSON number (the POST's answer)
// or as a string (webhook events and the events API). It is kept as text.
type JobID string

// UnmarshalJSON accepts a number, a string or null.
func (j *JobID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*j = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*j = JobID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*j = JobID(n.String())
	return nil
}

// MarshalJSON writes the id as a number when it is one (as the POST's answer
// does), otherwise as a string.
func (j JobID) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseInt(string(j), 10, 64); err == nil {
		return []byte(j), nil
	}
	return json.Marshal(string(j))
}

// Provider is one of the clinic's own providers (GET /v1/providers).
type Provider struct {
	ID                 string  `json:"id"`
	EHRID              string  `json:"ehr_id"`
	Name               string  `json:"name"`
	NPI                string  `json:"npi"`
	Timezone           string  `json:"timezone"`
	Status             string  `json:"status"` // "active" or "inactive"
	HideInAvailability bool    `json:"hide_in_availability"`
	Hours              []Hours `json:"hours,omitempty"`
}

// Hours is a provider's working day.
type Hours struct {
	Day    string  `json:"day"`
	Shifts []Shift `json:"shifts"`
}

// Shift is a provider's shift at one facility.
type Shift struct {
	Start        string `json:"start"`
	End          string `json:"end"`
	FacilityID   string `json:"facility_id"`
	FacilityName string `json:"facility_name"`
}

// Inactive reports whether the provider is marked inactive.
func (p Provider) Inactive() bool { return p.Status == "inactive" }

// ReferringProvider is an outside provider (GET /v1/referring-providers).
// Null fields decode as empty strings. Note Cobalt's spelling "speciality".
type ReferringProvider struct {
	ID            string `json:"id"`
	EHRID         string `json:"ehr_id"`
	Name          string `json:"name"`
	FirstName     string `json:"first_name"`
	LastName      string `json:"last_name"`
	MiddleInitial string `json:"middle_initial"`
	Speciality    string `json:"speciality"`
	Phone         string `json:"phone"`
	Fax           string `json:"fax"`
	Email         string `json:"email"`
	NPI           string `json:"npi"`
	AddressStreet string `json:"address_street"`
	AddressCity   string `json:"address_city"`
	AddressState  string `json:"address_state"`
	AddressZip    string `json:"address_zip"`
}

// Patient is a patient already synced to Cobalt (GET /v1/patients).
type Patient struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	DOB       string `json:"dob"` // YYYY-MM-DD
	Sex       string `json:"sex"`
	Phone     string `json:"phone"`
	MRN       string `json:"mrn"`
}

// Pagination is Cobalt's page block.
type Pagination struct {
	CurrentPage int `json:"current_page"`
	TotalPages  int `json:"total_pages"`
	TotalCount  int `json:"total_count"`
	PageSize    int `json:"page_size"`
}

// ReferringProviderQuery holds GET /v1/referring-providers' filters.
type ReferringProviderQuery struct {
	FirstName, LastName, Phone, Fax, NPI string
}

// PatientQuery holds GET /v1/patients' filters.
type PatientQuery struct {
	MRN, EHRID, FirstName, LastName, DOB, Phone string
	Page, PageSize                              int
}

// CreateReferralResponse is POST /v1/referrals' answer.
type CreateReferralResponse struct {
	Success    bool   `json:"success"`
	Message    string `json:"message"`
	ReferralID string `json:"referral_id"`
	JobID      JobID  `json:"job_id"`
}

// Referral is an item of GET /v1/referrals. Many fields may be null.
type Referral struct {
	ID                string   `json:"id"`
	EHRID             string   `json:"ehr_id"`
	PatientMRN        string   `json:"patient_mrn"`
	PatientFirstName  string   `json:"patient_first_name"`
	PatientLastName   string   `json:"patient_last_name"`
	FromProviderEHRID string   `json:"from_provider_ehr_id"`
	FromProviderName  string   `json:"from_provider_name"`
	ToProviderEHRID   string   `json:"to_provider_ehr_id"`
	ToProviderName    string   `json:"to_provider_name"`
	Priority          string   `json:"priority"`
	Reason            string   `json:"reason"`
	Direction         string   `json:"direction"`
	DiagnosisCodes    []string `json:"diagnosis_codes"`
	DocumentIDs       []string `json:"document_ids"`
	Status            string   `json:"status"`
	ReferralDate      string   `json:"referral_date"`
	LastActivityAt    string   `json:"last_activity_at"`
}

// ReferralQuery holds GET /v1/referrals' parameters. StartDate and EndDate
// (YYYY-MM-DD) are required.
type ReferralQuery struct {
	StartDate, EndDate, PatientMRN, Status, Priority, Direction, EHRID, Sort string
	Page, PageSize                                                           int
}

// Event is a webhook envelope, whether delivered or polled. Data is kept raw;
// ReferralData decodes it for referral events.
type Event struct {
	ID                     string          `json:"id"`
	AccessTokenReferenceID string          `json:"access_token_reference_id"`
	Object                 string          `json:"object"`
	Created                string          `json:"created"`
	Type                   string          `json:"type"`
	JobID                  JobID           `json:"job_id"`
	Data                   json.RawMessage `json:"data"`
	// From the polling API only.
	DeliveryStatus string `json:"delivery_status,omitempty"`
}

// IsReferral reports whether the event is one a desk applies.
func (e Event) IsReferral() bool {
	return e.Type == EventReferralCreated || e.Type == EventReferralFailed
}

// ReferralEventData is the data block of referral.created / referral.failed.
type ReferralEventData struct {
	ReferralID        string         `json:"referral_id"`
	EHRID             string         `json:"ehr_id,omitempty"`
	PatientMRN        string         `json:"patient_mrn"`
	FromProviderEHRID string         `json:"from_provider_ehr_id,omitempty"`
	ToProviderEHRID   string         `json:"to_provider_ehr_id,omitempty"`
	Direction         string         `json:"direction,omitempty"`
	DocumentsAttached *int           `json:"documents_attached,omitempty"`
	DocumentsFailed   *int           `json:"documents_failed,omitempty"`
	FailureReason     string         `json:"failure_reason,omitempty"`
	Reasons           []FailureCause `json:"reasons,omitempty"`
}

// FailureCause is one entry of a failure event's reasons.
type FailureCause struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// ReferralData decodes the event's data as a referral event's.
func (e Event) ReferralData() (ReferralEventData, error) {
	var d ReferralEventData
	if len(e.Data) == 0 {
		return d, nil
	}
	err := json.Unmarshal(e.Data, &d)
	return d, err
}

// EventQuery holds GET /v1/webhook-events' parameters.
type EventQuery struct {
	JobID, EventType, DeliveryStatus, StartDate, EndDate, Sort string
	Page, PageSize                                             int
}

// WebhookConfig is a registered webhook endpoint.
type WebhookConfig struct {
	ID     string `json:"id"`
	URL    string `json:"webhook_url"`
	Secret string `json:"-"`
}
