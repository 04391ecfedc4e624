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
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, cl)
		if err == nil {
			if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
				defer resp.Body.Close()
				return decodeAnswer(cl, resp, out)
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

// once sends one request. A transport failure is a *sendError that knows,
// from httptrace's WroteRequest, whether the whole request was written.
func (c *Client) once(ctx context.Context, cl call) (*http.Response, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}}
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.ReadCloser
	var n int64
	if cl.body != nil {
		body, n = cl.body()
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), cl.method, u, body)
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
		return nil, &sendError{method: cl.method, path: cl.path, notSent: !wrote.Load(), err: err}
	}
	return resp, nil
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
