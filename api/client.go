package api

// CONTRACT STUB: the signatures below are the contract other packages build
// on; the bodies are being written (issue 3). Replace the bodies, keep the
// signatures (add more as needed).

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
)

// Config configures a Client. Secrets in it are never logged or printed.
type Config struct {
	BaseURL      string // default DefaultBaseURL
	ClientID     string
	ClientSecret string
	AccessToken  string
	UserAgent    string       // default "refdesk/<version>"
	HTTPClient   *http.Client // default: one with sane timeouts
	Retries      int          // retries for idempotent GETs and provably-not-created answers
	Logger       *slog.Logger // may be nil; never receives secrets or PHI
}

// Client calls Cobalt. Safe for concurrent use.
type Client struct {
	cfg Config
}

// New returns a client for cfg.
func New(cfg Config) *Client { return &Client{cfg: cfg} }

// Error is an answer from Cobalt with a non-2xx status: Message is Cobalt's
// own sentence, shown to the user as written.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

var errTODO = errors.New("not implemented yet")

// BodySize is the exact size in bytes of the JSON body CreateReferral
// writes for r, documents base64-encoded.
func (r ReferralRequest) BodySize() int64 { return 0 }

// IsNotSent reports whether err means the request never left this machine
// (connection refused, DNS, TLS before the body): safe to send again.
func IsNotSent(err error) bool { return false }

// IsUnknownOutcome reports whether err means the request left but no answer
// came (a timeout after the body was written): never resend blindly.
func IsUnknownOutcome(err error) bool { return false }

// Providers lists the clinic's providers.
func (c *Client) Providers(ctx context.Context) ([]Provider, error) { return nil, errTODO }

// ReferringProviders lists outside providers matching q (all when q is zero).
func (c *Client) ReferringProviders(ctx context.Context, q ReferringProviderQuery) ([]ReferringProvider, error) {
	return nil, errTODO
}

// Patients returns one page of patients matching q.
func (c *Client) Patients(ctx context.Context, q PatientQuery) ([]Patient, Pagination, error) {
	return nil, Pagination{}, errTODO
}

// AllPatients walks every page; progress (may be nil) gets (done, total).
func (c *Client) AllPatients(ctx context.Context, progress func(done, total int)) ([]Patient, error) {
	return nil, errTODO
}

// CreateReferral validates r and posts it, streaming documents as base64.
func (c *Client) CreateReferral(ctx context.Context, r ReferralRequest) (CreateReferralResponse, error) {
	return CreateReferralResponse{}, errTODO
}

// Referrals returns one page of referrals known to Cobalt.
func (c *Client) Referrals(ctx context.Context, q ReferralQuery) ([]Referral, Pagination, error) {
	return nil, Pagination{}, errTODO
}

// WebhookEvents returns one page of events (either documented item shape,
// normalised to Event).
func (c *Client) WebhookEvents(ctx context.Context, q EventQuery) ([]Event, Pagination, error) {
	return nil, Pagination{}, errTODO
}

// RegisterWebhook registers url; the answer carries the signing secret
// (read from whichever of the documented fields holds it).
func (c *Client) RegisterWebhook(ctx context.Context, url string) (WebhookConfig, error) {
	return WebhookConfig{}, errTODO
}

// Webhooks reads the webhook configuration.
func (c *Client) Webhooks(ctx context.Context) ([]WebhookConfig, error) { return nil, errTODO }
