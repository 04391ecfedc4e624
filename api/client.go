package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Config configures a Client. Secrets in it are never logged or printed.
type Config struct {
	BaseURL      string // default DefaultBaseURL
	ClientID     string
	ClientSecret string
	AccessToken  string
	UserAgent    string       // default "refdesk/<version>"
	HTTPClient   *http.Client // default: one with sane timeouts (see DefaultRequestTimeout)
	// Retries for idempotent GETs and provably-not-sent requests: 0 means
	// DefaultRetries, a negative number none.
	Retries int
	// RetryBaseDelay is the first backoff (doubled each time, with
	// jitter); 0 means DefaultRetryBaseDelay.
	RetryBaseDelay time.Duration
	Logger         *slog.Logger // may be nil; never receives secrets or PHI
}

// Client calls Cobalt. Safe for concurrent use.
type Client struct {
	cfg     Config
	base    string
	hc      *http.Client
	retries int
}

// DefaultUserAgent is "refdesk/<version>", the version read from the build.
func DefaultUserAgent() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "refdesk/" + v
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent()
	}
	if cfg.RetryBaseDelay <= 0 {
		cfg.RetryBaseDelay = DefaultRetryBaseDelay
	}
	c := &Client{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), hc: cfg.HTTPClient}
	if c.hc == nil {
		c.hc = newHTTPClient()
	}
	switch {
	case cfg.Retries == 0:
		c.retries = DefaultRetries
	case cfg.Retries > 0:
		c.retries = cfg.Retries
	}
	return c
}

// CloseIdleConnections drops the connections kept alive for reuse, so the
// next request dials afresh (after Cobalt's address changed or went away, a
// kept connection reset mid-request reads as an unknown outcome, not as
// "never sent").
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// BaseURL is the API root the client calls (no trailing slash).
func (c *Client) BaseURL() string { return c.base }

// Providers lists the clinic's providers.
func (c *Client) Providers(ctx context.Context) ([]Provider, error) {
	var out struct {
		status
		Providers []Provider `json:"providers"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/providers"}, &out)
	return out.Providers, err
}

// values is q as GET /v1/referring-providers' query.
func (q ReferringProviderQuery) values() url.Values {
	v := url.Values{}
	set(v, "first_name", q.FirstName)
	set(v, "last_name", q.LastName)
	set(v, "phone", q.Phone)
	set(v, "fax", q.Fax)
	set(v, "npi", q.NPI)
	return v
}

// ReferringProviders lists outside providers matching q (all when q is zero).
func (c *Client) ReferringProviders(ctx context.Context, q ReferringProviderQuery) ([]ReferringProvider, error) {
	v := q.values()
	var out struct {
		status
		ReferringProviders []ReferringProvider `json:"referring_providers"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/referring-providers", query: v}, &out)
	return out.ReferringProviders, err
}

// Patients returns one page of patients matching q.
func (c *Client) Patients(ctx context.Context, q PatientQuery) ([]Patient, Pagination, error) {
	v := url.Values{}
	set(v, "mrn", q.MRN)
	set(v, "ehr_id", q.EHRID)
	set(v, "first_name", q.FirstName)
	set(v, "last_name", q.LastName)
	set(v, "dob", q.DOB)
	set(v, "phone", q.Phone)
	setInt(v, "page", q.Page)
	setInt(v, "page_size", q.PageSize)
	var out struct {
		status
		Patients   []Patient  `json:"patients"`
		Pagination Pagination `json:"pagination"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/patients", query: v}, &out)
	return out.Patients, out.Pagination, err
}

// CreateReferral validates r and posts it, streaming documents as base64.
// Nothing is sent when r is invalid (a *ValidationError with Cobalt's
// message) or its body would exceed MaxRequestBytes. The POST is never
// retried once written: on IsUnknownOutcome, reconcile through
// WebhookEvents instead of sending again.
func (c *Client) CreateReferral(ctx context.Context, r ReferralRequest) (CreateReferralResponse, error) {
	var out CreateReferralResponse
	if err := r.Validate(); err != nil {
		return out, err
	}
	var raw json.RawMessage
	err := c.do(ctx, call{method: http.MethodPost, path: "/referrals", body: r.bodyReader}, &raw)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, &decodeError{method: http.MethodPost, path: "/referrals", err: err}
	}
	var st status
	_ = json.Unmarshal(raw, &st)
	if msg, failed := st.failure(); failed {
		return out, &Error{Status: http.StatusOK, Message: msg}
	}
	if out.ReferralID == "" {
		return out, &decodeError{method: http.MethodPost, path: "/referrals", err: errors.New("answer has no referral_id")}
	}
	return out, nil
}

// Referrals returns one page of referrals known to Cobalt.
func (c *Client) Referrals(ctx context.Context, q ReferralQuery) ([]Referral, Pagination, error) {
	v := url.Values{}
	set(v, "start_date", q.StartDate)
	set(v, "end_date", q.EndDate)
	set(v, "patient_mrn", q.PatientMRN)
	set(v, "status", q.Status)
	set(v, "priority", q.Priority)
	set(v, "direction", q.Direction)
	set(v, "ehr_id", q.EHRID)
	set(v, "sort", q.Sort)
	setInt(v, "page", q.Page)
	setInt(v, "page_size", q.PageSize)
	var out struct {
		status
		Referrals  []Referral `json:"referrals"`
		Data       []Referral `json:"data"`
		Pagination Pagination `json:"pagination"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/referrals", query: v}, &out)
	if out.Referrals == nil {
		out.Referrals = out.Data
	}
	return out.Referrals, out.Pagination, err
}

// WebhookEvents returns one page of events (either documented item shape,
// normalised to Event). The list's key is not documented: "events",
// "webhook_events" and "data" are all accepted.
func (c *Client) WebhookEvents(ctx context.Context, q EventQuery) ([]Event, Pagination, error) {
	v := url.Values{}
	set(v, "job_id", q.JobID)
	set(v, "event_type", q.EventType)
	set(v, "delivery_status", q.DeliveryStatus)
	set(v, "start_date", q.StartDate)
	set(v, "end_date", q.EndDate)
	set(v, "sort", q.Sort)
	setInt(v, "page", q.Page)
	setInt(v, "page_size", q.PageSize)
	var out struct {
		status
		Events        []Event    `json:"events"`
		WebhookEvents []Event    `json:"webhook_events"`
		Data          []Event    `json:"data"`
		Pagination    Pagination `json:"pagination"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/webhook-events", query: v}, &out)
	evs := out.Events
	for _, alt := range [][]Event{out.WebhookEvents, out.Data} {
		if len(evs) == 0 {
			evs = alt
		}
	}
	return evs, out.Pagination, err
}

// RegisterWebhook registers url; the answer carries the signing secret
// (read from whichever of the documented fields holds it). Not retried
// once written.
func (c *Client) RegisterWebhook(ctx context.Context, url string) (WebhookConfig, error) {
	b, _ := json.Marshal(map[string]string{"webhook_url": url})
	var out webhookAnswer
	err := c.do(ctx, call{method: http.MethodPost, path: "/webhook", body: bytesBody(b)}, &out)
	if err != nil {
		return WebhookConfig{}, err
	}
	cfgs := out.configs()
	if len(cfgs) == 0 {
		return WebhookConfig{URL: url}, nil
	}
	if cfgs[0].URL == "" {
		cfgs[0].URL = url
	}
	return cfgs[0], nil
}

// Webhooks reads the webhook configuration.
func (c *Client) Webhooks(ctx context.Context) ([]WebhookConfig, error) {
	var out webhookAnswer
	err := c.do(ctx, call{method: http.MethodGet, path: "/webhook"}, &out)
	return out.configs(), err
}

// DeleteWebhook removes the webhook with id. Not retried once written.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	var out status
	return c.do(ctx, call{method: http.MethodDelete, path: "/webhook/" + url.PathEscape(id)}, &out)
}

func bytesBody(b []byte) func() (io.ReadCloser, int64) {
	return func() (io.ReadCloser, int64) {
		return io.NopCloser(strings.NewReader(string(b))), int64(len(b))
	}
}

func set(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

func setInt(v url.Values, k string, n int) {
	if n > 0 {
		v.Set(k, strconv.Itoa(n))
	}
}
