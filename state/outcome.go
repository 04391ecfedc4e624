package state

import (
	"errors"
	"fmt"
	"net/http"

	"refdesk/api"
)

// Reasons recorded when the POST did not end in Processing.
const (
	ReasonNotSent = "Not sent — Cobalt unreachable. It waits in the outbox and goes by itself, once, as soon as Cobalt answers."
	ReasonUnknown = "The request was sent but no answer came back, so it may have been created. " +
		"refdesk is checking with Cobalt; do not send it again."
)

// classify maps the POST's answer to the next status.
//
// Choices:
//   - a network failure before the body was written → NotSent;
//   - a timeout after it, an unreadable 2xx, a gateway 502/504 or a 5xx
//     that is not Cobalt's JSON → Unknown (it may have been created);
//   - Cobalt's own 5xx JSON answer → NotSent: Cobalt answers only after
//     queueing succeeds, so its error means nothing was queued;
//   - 401/403 (credentials), 408 and 429 → NotSent with Cobalt's message:
//     the request was refused before it was looked at, safe to send again;
//   - any other 4xx → Failed with Cobalt's message: it never passed
//     Cobalt's validation, and sending it unchanged would fail again;
//   - a client-side *api.ValidationError → NotSent with its message;
//   - anything else → Unknown, since it cannot be proved not sent.
func classify(resp api.CreateReferralResponse, err error) (Status, string, update) {
	if err == nil {
		cause := "Cobalt queued it"
		if resp.JobID != "" {
			cause += " (job " + string(resp.JobID) + ")"
		}
		return Processing, cause, update{referralID: strp(resp.ReferralID), jobID: strp(string(resp.JobID)),
			failureReason: strp("")}
	}
	var ve *api.ValidationError
	var ae *api.Error
	switch {
	case api.IsNotSent(err):
		return NotSent, "not sent: Cobalt could not be reached", update{failureReason: strp(ReasonNotSent)}
	case api.IsUnknownOutcome(err):
		return Unknown, "sent, no answer", update{failureReason: strp(ReasonUnknown)}
	case errors.As(err, &ve):
		return NotSent, "refused before sending", update{failureReason: strp(ve.Message)}
	case errors.As(err, &ae):
		cause := fmt.Sprintf("Cobalt answered %d", ae.Status)
		switch {
		case ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden ||
			ae.Status == http.StatusRequestTimeout || ae.Status == http.StatusTooManyRequests:
			return NotSent, cause, update{failureReason: strp(ae.Message)}
		case ae.Status >= 400 && ae.Status < 500:
			return Failed, cause, update{failureReason: strp(ae.Message)}
		case ae.Status >= 500:
			return NotSent, cause, update{failureReason: strp(ae.Message)}
		}
	}
	return Unknown, "no usable answer", update{failureReason: strp(ReasonUnknown)}
}

// safeErr is err as it may be logged: Cobalt's messages can quote an MRN
// or a name, so an *api.Error is logged by its status only.
func safeErr(err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("Cobalt answered %d", ae.Status)
	}
	return err.Error()
}
