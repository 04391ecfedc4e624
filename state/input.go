package state

import (
	"strings"

	"refdesk/api"
)

// Request is the api request in becomes: what every caller (the form's
// checks, the review, submit, the size shown) sends or measures. The reason
// is sent trimmed; documents carry their name and size only (Desk.Submit
// opens them when the request is written).
func (in ReferralInput) Request() api.ReferralRequest {
	r := api.ReferralRequest{PatientMRN: in.PatientMRN, FromProviderEHRID: in.FromEHRID,
		ToProviderEHRID: in.ToEHRID, Direction: in.Direction, Priority: in.Priority,
		Reason: strings.TrimSpace(in.Reason), DiagnosisCodes: in.DiagnosisCodes}
	for _, d := range in.Documents {
		r.Documents = append(r.Documents, api.Document{Filename: d.Filename(), Size: d.Size})
	}
	return r
}

// Wire is the request's JSON body without its documents, for measuring it.
func (in ReferralInput) Wire() api.WireReferral {
	r := in.Request()
	return api.WireReferral{PatientMRN: r.PatientMRN, FromProviderEHRID: r.FromProviderEHRID,
		ToProviderEHRID: r.ToProviderEHRID, Direction: r.Direction, Priority: r.Priority,
		Reason: r.Reason, DiagnosisCodes: r.DiagnosisCodes}
}

// Empty reports whether nothing worth keeping has been entered: no choice,
// no direction, a reason of spaces at most, no code, no document. (Priority
// alone is a default, not something entered.)
func (in ReferralInput) Empty() bool {
	return in.PatientMRN == "" && in.Direction == "" && in.FromEHRID == "" && in.ToEHRID == "" &&
		strings.TrimSpace(in.Reason) == "" && len(in.DiagnosisCodes) == 0 && len(in.Documents) == 0
}
