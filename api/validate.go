package api

import (
	"encoding/base64"
	"fmt"
	"path"
	"strings"
)

// ValidationError is a request Cobalt would refuse with 400; Message is
// Cobalt's own wording, to be shown as written.
type ValidationError struct {
	Message string
}

func (e *ValidationError) Error() string { return e.Message }

// WireReferral is the JSON body of POST /v1/referrals as it travels, with
// documents inline. The sandbox validates it; scripts may build it.
type WireReferral struct {
	PatientMRN        string         `json:"patient_mrn"`
	FromProviderEHRID string         `json:"referring_from_provider_ehr_id"`
	ToProviderEHRID   string         `json:"referring_to_provider_ehr_id"`
	Direction         string         `json:"direction"`
	Priority          string         `json:"priority"`
	Reason            string         `json:"reason"`
	DiagnosisCodes    []string       `json:"diagnosis_codes,omitempty"`
	Documents         []WireDocument `json:"documents,omitempty"`
}

// WireDocument is one inline document.
type WireDocument struct {
	Filename      string `json:"filename"`
	ContentBase64 string `json:"content_base64"`
}

// requiredFields lists the required fields in the order Cobalt's page does.
var requiredFields = [...]string{
	"patient_mrn",
	"referring_from_provider_ehr_id",
	"referring_to_provider_ehr_id",
	"direction",
	"priority",
	"reason",
}

func checkFields(values [6]string, direction, priority string) error {
	var missing []string
	for i, v := range values {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, requiredFields[i])
		}
	}
	if len(missing) > 0 {
		return &ValidationError{"Missing required fields: " + strings.Join(missing, ", ") + "."}
	}
	switch priority {
	case PriorityRoutine, PriorityUrgent, PriorityStat:
	default:
		return &ValidationError{"Invalid priority. Must be one of: routine, urgent, stat."}
	}
	switch direction {
	case DirectionIncoming, DirectionOutgoing:
	default:
		return &ValidationError{"Invalid direction. Must be one of: incoming, outgoing."}
	}
	return nil
}

// HasExtension reports whether a file name carries an extension, as Cobalt
// requires ("report.pdf", not "report" nor ".pdf").
func HasExtension(name string) bool {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	ext := path.Ext(base)
	return len(ext) > 1 && len(base) > len(ext)
}

// FilenameMessage is Cobalt's message for documents[i] without an extension.
func FilenameMessage(i int) string {
	return fmt.Sprintf("documents[%d].filename must include a file extension (e.g. \"report.pdf\").", i)
}

// ContentMessage is the message for documents[i] with empty or invalid
// base64 content. Cobalt's page states the rule but not the sentence; this
// follows the form of its filename message.
func ContentMessage(i int) string {
	return fmt.Sprintf("documents[%d].content_base64 must be non-empty, valid base64.", i)
}

// Validate checks the wire body as Cobalt does before queueing it.
func (w WireReferral) Validate() error {
	if err := checkFields([6]string{w.PatientMRN, w.FromProviderEHRID, w.ToProviderEHRID,
		w.Direction, w.Priority, w.Reason}, w.Direction, w.Priority); err != nil {
		return err
	}
	for i, d := range w.Documents {
		if !HasExtension(d.Filename) {
			return &ValidationError{FilenameMessage(i)}
		}
		if d.ContentBase64 == "" {
			return &ValidationError{ContentMessage(i)}
		}
		if _, err := base64.StdEncoding.DecodeString(d.ContentBase64); err != nil {
			return &ValidationError{ContentMessage(i)}
		}
	}
	return nil
}

// Validate checks the request before it is sent, with Cobalt's messages, so
// a user sees the problem without a round trip. Documents are checked by
// name and size (an empty file would have empty base64). The body's size
// against MaxRequestBytes is checked too.
func (r ReferralRequest) Validate() error {
	if err := checkFields([6]string{r.PatientMRN, r.FromProviderEHRID, r.ToProviderEHRID,
		r.Direction, r.Priority, r.Reason}, r.Direction, r.Priority); err != nil {
		return err
	}
	for i, d := range r.Documents {
		if !HasExtension(d.Filename) {
			return &ValidationError{FilenameMessage(i)}
		}
		if d.Size <= 0 {
			return &ValidationError{ContentMessage(i)}
		}
	}
	if n := r.BodySize(); n > MaxRequestBytes {
		return &ValidationError{TooLargeMessage(n)}
	}
	return nil
}

// TooLargeMessage says by how much a body of n bytes exceeds the limit.
func TooLargeMessage(n int64) string {
	return fmt.Sprintf("The request is %s, over Cobalt's 25 MB limit by %s (documents count 4/3 of their size once encoded). Remove or shrink a document.",
		HumanBytes(n), HumanBytes(n-MaxRequestBytes))
}

// Base64Len is the length of the standard base64 encoding of n bytes.
func Base64Len(n int64) int64 { return (n + 2) / 3 * 4 }

// HumanBytes writes a byte count in decimal units, as the 25 MB limit is.
func HumanBytes(n int64) string {
	switch {
	case n >= 1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// PatientNotFoundMessage is Cobalt's message for an MRN that is not synced.
func PatientNotFoundMessage(mrn string) string {
	return "Patient with MRN '" + mrn + "' not found. Ensure the patient has been synced."
}

// UnknownProvider is one provider id not found in the directory its side
// is validated against (see DirectoryFor).
type UnknownProvider struct {
	Field     string // "referring_from_provider_ehr_id" or "referring_to_provider_ehr_id"
	ID        string
	Directory string // DirProviders or DirReferringProviders
}

// UnknownProvidersMessage is Cobalt's message for unknown provider ids.
// With both sides unknown they are listed from-side first, joined by "; "
// (the page shows one; this is the sandbox's and the desk's choice).
func UnknownProvidersMessage(unknown ...UnknownProvider) string {
	parts := make([]string, len(unknown))
	for i, u := range unknown {
		parts[i] = u.Field + " '" + u.ID + "' was not found in " + u.Directory
	}
	return "Unknown provider(s): " + strings.Join(parts, "; ") + ". Ensure the provider has been synced."
}
