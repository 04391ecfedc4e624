package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Error is an answer from Cobalt with a non-2xx status (or a 2xx answer
// with "success": false): Message is Cobalt's own sentence, shown to the
// user as written.
type Error struct {
	Status  int
	Message string

	// unknown is set for a POST answered 502 or 504, or with a 5xx that is
	// not Cobalt's JSON: a gateway spoke, not Cobalt, so whether the request
	// was acted on is unknown (see IsUnknownOutcome).
	unknown bool
	// retryAfter is the server's Retry-After on a 429 or 503.
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("Cobalt answered %d %s.", e.Status, http.StatusText(e.Status))
}

// sendError is a failure of the exchange itself (no answer was read). Its
// text names the method and path only: never the query, which can carry a
// patient's name or MRN.
type sendError struct {
	method, path string
	notSent      bool // the request was not (completely) written: nothing was acted on
	err          error
}

func (e *sendError) Error() string {
	state := "sent, no answer"
	if e.notSent {
		state = "not sent"
	}
	return fmt.Sprintf("cobalt %s %s: %s: %v", e.method, e.path, state, e.err)
}

func (e *sendError) Unwrap() error { return e.err }

// decodeError is a 2xx answer whose body could not be read or decoded.
// For a POST the request was acted on but its answer is lost.
type decodeError struct {
	method, path string
	err          error
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("cobalt %s %s: unreadable answer: %v", e.method, e.path, e.err)
}

func (e *decodeError) Unwrap() error { return e.err }

// IsNotSent reports whether err means the request never left this machine,
// or left incompletely so the server cannot have acted on it (connection
// refused, DNS, TLS, a context cancelled before the body was written): safe
// to send again.
func IsNotSent(err error) bool {
	var se *sendError
	return errors.As(err, &se) && se.notSent
}

// IsUnknownOutcome reports whether err means the request left but no answer
// came (a timeout after the body was written, an unreadable 2xx answer, or a
// gateway's 502/504 to a POST): never resend blindly; ask Cobalt what
// happened (GET /v1/webhook-events) first.
func IsUnknownOutcome(err error) bool {
	var se *sendError
	if errors.As(err, &se) {
		return !se.notSent
	}
	var de *decodeError
	if errors.As(err, &de) {
		return true
	}
	var ae *Error
	return errors.As(err, &ae) && ae.unknown
}

// errorBody is Cobalt's error shape.
type errorBody struct {
	Success *bool           `json:"success"`
	Message string          `json:"message"`
	Error   json.RawMessage `json:"error"`
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// readError builds the *Error for a non-2xx answer.
func readError(method string, resp *http.Response) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{Status: resp.StatusCode}
	var eb errorBody
	if json.Unmarshal(b, &eb) == nil {
		e.Message = eb.Message
		if e.Message == "" && len(eb.Error) > 0 {
			var s string
			if json.Unmarshal(eb.Error, &s) == nil {
				e.Message = s
			}
		}
	}
	if method != http.MethodGet && resp.StatusCode >= 500 {
		gateway := resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout
		e.unknown = gateway || e.Message == ""
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("Cobalt answered %d %s.", resp.StatusCode,
			strings.TrimSpace(http.StatusText(resp.StatusCode)))
	}
	return e
}
