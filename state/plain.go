package state

import (
	"regexp"
	"strconv"
	"strings"
)

// label is the form's name for one of Cobalt's request fields ("" for
// another).
func label(field string) string {
	switch field {
	case "patient_mrn":
		return "Patient"
	case "referring_from_provider_ehr_id":
		return "From"
	case "referring_to_provider_ehr_id":
		return "To"
	case "direction":
		return "Direction"
	case "priority":
		return "Priority"
	case "reason":
		return "Reason"
	}
	return ""
}

// todo says what to do about a missing field, by its label.
func todo(label string) string {
	switch label {
	case "Patient":
		return "choose the patient from the list (name, MRN or date of birth, then Enter)"
	case "From":
		return "choose who refers the patient, or ctrl+o for no provider on this side"
	case "To":
		return "choose who the patient is referred to, or ctrl+o for no provider on this side"
	case "Direction":
		return "press i (incoming) or o (outgoing)"
	case "Priority":
		return "press r (routine), u (urgent) or s (stat)"
	case "Reason":
		return "write why the patient is referred"
	}
	return "fill it in"
}

var (
	reMissing  = regexp.MustCompile(`^Missing required fields: (.+)\.$`)
	reFilename = regexp.MustCompile(`^documents\[(\d+)\]\.filename must include a file extension`)
	reContent  = regexp.MustCompile(`^documents\[(\d+)\]\.content_base64 must be non-empty`)
	rePatient  = regexp.MustCompile(`^Patient with MRN '(.*)' not found\.`)
	reProvider = regexp.MustCompile(`(referring_(?:from|to)_provider_ehr_id) '([^']*)' was not found in ([a-z ]+)`)
)

// Plain says a refusal in the form's words: the field as the form labels
// it and what to do. msg is Cobalt's message (or the same check made
// before sending); a message Plain does not know is returned as it is.
// Screens show Plain first and keep msg in the details, so support can
// match Cobalt's exact words.
func Plain(msg string) string {
	msg = strings.TrimSpace(msg)
	switch {
	case reMissing.MatchString(msg):
		var out []string
		for _, f := range strings.Split(reMissing.FindStringSubmatch(msg)[1], ", ") {
			if l := label(f); l != "" {
				out = append(out, l+": "+todo(l)+".")
			} else {
				out = append(out, f+" is missing.")
			}
		}
		return strings.Join(out, " ")
	case strings.HasPrefix(msg, "Invalid priority."):
		return "Priority: " + todo("Priority") + "."
	case strings.HasPrefix(msg, "Invalid direction."):
		return "Direction: " + todo("Direction") + "."
	case reFilename.MatchString(msg):
		return "Documents: file " + nth(reFilename.FindStringSubmatch(msg)[1]) +
			" has no extension (such as .pdf) in its name: remove it and attach it again, accepting the name offered."
	case reContent.MatchString(msg):
		return "Documents: file " + nth(reContent.FindStringSubmatch(msg)[1]) + " is empty or unreadable: remove it, or attach another."
	case rePatient.MatchString(msg):
		return "Patient: MRN " + rePatient.FindStringSubmatch(msg)[1] +
			" is not among the patients synced to Cobalt: sync the directories (ctrl+r), or add the patient in the EHR first."
	case reProvider.MatchString(msg):
		var out []string
		for _, m := range reProvider.FindAllStringSubmatch(msg, -1) {
			out = append(out, label(m[1])+": EHR id "+m[2]+" is not in "+m[3]+
				": sync the directories (ctrl+r) and choose again.")
		}
		return strings.Join(out, " ")
	case strings.HasPrefix(msg, "The request is ") && strings.Contains(msg, "limit"):
		return "Documents: " + msg
	}
	return msg
}

// nth is a 0-based index as a person counts: "0" is "1".
func nth(i string) string {
	n, err := strconv.Atoi(i)
	if err != nil {
		return i
	}
	return strconv.Itoa(n + 1)
}
