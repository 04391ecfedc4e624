package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Default timeouts of the http.Client New builds when Config.HTTPClient is
// nil. The overall limit is generous because a 25 MB upload on a slow line
// takes minutes; the header timeout starts once the body is written.
const (
	DefaultDialTimeout           = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 60 * time.Second
	DefaultRequestTimeout        = 5 * time.Minute
	DefaultRetries               = 3
	DefaultRetryBaseDelay        = 250 * time.Millisecond
	maxRetryDelay                = 20 * time.Second
)

// newHTTPClient returns a client with its own transport (no shared state).
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	t.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	t.ExpectContinueTimeout = time.Second
	t.IdleConnTimeout = 90 * time.Second
	t.MaxIdleConnsPerHost = 4
	return &http.Client{Transport: t, Timeout: DefaultRequestTimeout}
}

// call describes one API call.
type call struct {
	method string
	path   string     // below BaseURL, e.g. "/providers"
	query  url.Values // may be nil
	// body returns a fresh body and its exact length; nil for no body.
	body func() (io.ReadCloser, int64)
}

// do runs cl with retries and decodes a 2xx answer into out (which may be
// nil). GETs are retried on any failure that may pass (network, timeout,
// 429, 5xx); other methods only when the request provably never left.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	return c.retrying(ctx, cl, func(resp *http.Response) error { return decodeAnswer(cl, resp, out) })
}

// retrying runs cl with do's retries and hands a 2xx answer to ok, which
// reads its body (closed afterwards). An answer is never retried once ok
// has started reading it.
func (c *Client) retrying(ctx context.Context, cl call, ok func(*http.Response) error) error {
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, cl)
		if err == nil {
			if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
				defer resp.Body.Close()
				return ok(resp)
			}
			err = readError(cl.method, resp)
			if ae := err.(*Error); ae.Status == http.StatusTooManyRequests || ae.Status == http.StatusServiceUnavailable {
				ae.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
			}
			resp.Body.Close()
		}
		if attempt >= c.retries || !retryable(ctx, cl.method, err) {
			return err
		}
		wait := c.backoff(attempt, err)
		if c.cfg.Logger != nil {
			// Path only: the query can hold a patient's name or MRN.
			c.cfg.Logger.Info("cobalt retry", "method", cl.method, "path", cl.path,
				"attempt", attempt+1, "wait", wait, "reason", retryReason(err))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryable says whether err after one attempt may be retried.
func retryable(ctx context.Context, method string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var de *DocumentError
	if errors.As(err, &de) {
		return false // reading the file again fails again
	}
	if IsNotSent(err) {
		return true
	}
	if method != http.MethodGet {
		return false // written once: never again
	}
	var se *sendError
	if errors.As(err, &se) {
		return true
	}
	var ae *Error
	return errors.As(err, &ae) && (ae.Status == http.StatusTooManyRequests || ae.Status >= 500)
}

func retryReason(err error) string {
	var ae *Error
	if errors.As(err, &ae) {
		return strconv.Itoa(ae.Status)
	}
	if IsNotSent(err) {
		return "not sent"
	}
	return "no answer"
}

// backoff is exponential with full jitter, or the server's Retry-After.
func (c *Client) backoff(attempt int, err error) time.Duration {
	var ae *Error
	if errors.As(err, &ae) && ae.retryAfter > 0 {
		return min(ae.retryAfter, maxRetryDelay)
	}
	d := c.cfg.RetryBaseDelay << attempt
	if d <= 0 || d > maxRetryDelay {
		d = maxRetryDelay
	}
	return d/2 + rand.N(d/2+1)
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// once sends one request. A transport failure is a *sendError whose
// notSent is decided conservatively by sentTrace: a request counts as not
// sent only when nothing of it that could be acted on may have left.
func (c *Client) once(ctx context.Context, cl call) (*http.Response, error) {
	st := &sentTrace{}
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.ReadCloser
	var n int64
	if cl.body != nil {
		body, n = cl.body()
		body = &countingBody{ReadCloser: body, n: &st.bodyRead}
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, st.trace()), cl.method, u, body)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, &sendError{method: cl.method, path: cl.path, notSent: true, err: errors.New("bad request URL")}
	}
	if body != nil {
		req.ContentLength = n
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("client_id", c.cfg.ClientID)
	req.Header.Set("client_secret", c.cfg.ClientSecret)
	req.Header.Set("access_token", c.cfg.AccessToken)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error's text carries the query
		}
		return nil, &sendError{method: cl.method, path: cl.path, notSent: st.notSent(body != nil), err: err}
	}
	return resp, nil
}

// sentTrace records how far a request got. httptrace's WroteRequest is not
// relied on: it fires only after the whole request is written and flushed,
// so a cancellation in the instant before it (with the body already in the
// socket, perhaps received) would call a request not sent that the server
// has. Instead:
//   - no connection obtained (GotConn never fired) → not sent;
//   - a request with a body: not sent while not one byte of the body has
//     been read from it (headers alone cannot be acted on: the server waits
//     for the body its Content-Length announces); once any byte was read it
//     may be in the socket, so the outcome is unknown — even if the body
//     was cut short, as the caller cannot tell a cut from a lost answer;
//   - a request without a body: not sent until its headers were written
//     (WroteHeaders), unknown after.
//
// Unknown is safe for a POST: it is never resent; the state package's
// reconciler asks Cobalt and, when Cobalt's list proves the referral
// absent, marks it Not sent for a person to send again.
type sentTrace struct {
	gotConn, wroteHeaders atomic.Bool
	bodyRead              atomic.Int64
}

func (s *sentTrace) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn:      func(httptrace.GotConnInfo) { s.gotConn.Store(true) },
		WroteHeaders: func() { s.wroteHeaders.Store(true) },
	}
}

// notSent reports whether the request provably never left (see sentTrace).
func (s *sentTrace) notSent(hasBody bool) bool {
	if !s.gotConn.Load() {
		return true
	}
	if hasBody {
		return s.bodyRead.Load() == 0
	}
	return !s.wroteHeaders.Load()
}

// countingBody counts the bytes the transport has read from a request
// body: an upper bound of what reached the socket.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// status is the success flag every answer carries.
type status struct {
	Success *bool  `json:"success"`
	Message string `json:"message"`
}

func (s status) failure() (string, bool) {
	return s.Message, s.Success != nil && !*s.Success
}

type failer interface{ failure() (string, bool) }

// decodeAnswer decodes a 2xx answer into out. An answer that says
// "success": false becomes an *Error with its message.
func decodeAnswer(cl call, resp *http.Response, out any) error {
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &decodeError{method: cl.method, path: cl.path, err: err}
	}
	if f, ok := out.(failer); ok {
		if msg, failed := f.failure(); failed {
			if msg == "" {
				msg = fmt.Sprintf("Cobalt answered %d without success.", resp.StatusCode)
			}
			return &Error{Status: resp.StatusCode, Message: msg}
		}
	}
	return nil
}
