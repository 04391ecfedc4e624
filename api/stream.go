package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Streaming list calls: the rows of a list answer are handed to a callback
// one by one as they are decoded, so a 100,000-row directory never sits in
// memory as a whole (neither as JSON nor as a slice). The decoding accepts
// exactly what the slice calls accept (ReferringProviders, Patients):
// keys matched case-insensitively like encoding/json, a null list, null or
// number-typed fields (through the same per-row UnmarshalJSON).
//
// A row handed to fn is final only if the call returns nil: an answer can
// break off, or say "success": false after its rows, so callers stage the
// rows and commit them only on success.

// StreamReferringProviders is ReferringProviders with each row handed to fn
// as it arrives; an error from fn stops the call and is returned as is.
// Failures before the answer's body (network, 429, 5xx) are retried like
// every GET; a failure while reading the body is not (rows were handed
// out) and is returned as an unreadable answer.
func (c *Client) StreamReferringProviders(ctx context.Context, q ReferringProviderQuery, fn func(ReferringProvider) error) error {
	v := q.values()
	cl := call{method: http.MethodGet, path: "/referring-providers", query: v}
	return c.stream(ctx, cl, "referring_providers", func(dec *json.Decoder) error {
		var p ReferringProvider
		if err := dec.Decode(&p); err != nil {
			return &decodeError{method: cl.method, path: cl.path, err: err}
		}
		return fn(p)
	})
}

// patientsPageSize is the page size StreamPatients asks for.
const patientsPageSize = 100

// StreamPatients walks every page of GET /v1/patients, handing each
// patient to fn; progress (may be nil) gets (done, total) after each page.
// Only one page's rows are held at a time.
func (c *Client) StreamPatients(ctx context.Context, progress func(done, total int), fn func(Patient) error) error {
	done := 0
	for page := 1; ; page++ {
		ps, pg, err := c.Patients(ctx, PatientQuery{Page: page, PageSize: patientsPageSize})
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		done += len(ps)
		if progress != nil {
			progress(done, max(pg.TotalCount, done))
		}
		if len(ps) == 0 || page >= pg.TotalPages {
			return nil
		}
	}
}

// stream runs cl (a GET) with do's retries, then decodes its answer's
// object key by key: each element of the array under key goes to elem
// (which must consume exactly one value from dec and wrap its own decoding
// failures), "success" and "message" are read as the status, everything
// else is skipped. A "success": false answer is an *Error.
func (c *Client) stream(ctx context.Context, cl call, key string, elem func(*json.Decoder) error) error {
	return c.retrying(ctx, cl, func(resp *http.Response) error { return decodeStream(cl, resp, key, elem) })
}

// decodeStream is decodeAnswer for a streamed list (see stream).
func decodeStream(cl call, resp *http.Response, key string, elem func(*json.Decoder) error) error {
	bad := func(err error) error { return &decodeError{method: cl.method, path: cl.path, err: err} }
	dec := json.NewDecoder(resp.Body)
	tok, err := dec.Token()
	if err != nil {
		return bad(err)
	}
	if tok == nil {
		return nil // "null": no rows, like json.Unmarshal
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return bad(fmt.Errorf("the answer is %v, not an object", tokenKind(tok)))
	}
	var st status
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad(err)
		}
		name, _ := tok.(string)
		switch {
		case strings.EqualFold(name, key):
			if err := streamArray(dec, elem, bad); err != nil {
				return err
			}
		case strings.EqualFold(name, "success"):
			if err := dec.Decode(&st.Success); err != nil {
				return bad(err)
			}
		case strings.EqualFold(name, "message"):
			if err := dec.Decode(&st.Message); err != nil {
				return bad(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return bad(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return bad(err)
	}
	if msg, failed := st.failure(); failed {
		if msg == "" {
			msg = fmt.Sprintf("Cobalt answered %d without success.", resp.StatusCode)
		}
		return &Error{Status: resp.StatusCode, Message: msg}
	}
	return nil
}

// streamArray reads one value: null (no rows) or an array whose elements
// go to elem (whose errors are returned as they are); anything else is
// refused, as json.Unmarshal refuses it into a slice.
func streamArray(dec *json.Decoder, elem func(*json.Decoder) error, bad func(error) error) error {
	tok, err := dec.Token()
	if err != nil {
		return bad(err)
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return bad(fmt.Errorf("the list is %s, not a list", tokenKind(tok)))
	}
	for dec.More() {
		if err := elem(dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return bad(err)
	}
	return nil
}

func tokenKind(t json.Token) string {
	switch t.(type) {
	case json.Delim:
		if t == json.Delim('[') {
			return "a list"
		}
		return "an object"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "empty"
}
