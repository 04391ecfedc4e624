// Package sandboxtest is the one test rig for everything that talks to
// Cobalt: the sandbox on a loopback httptest server, an api.Client with the
// sandbox's credentials, and (when asked) a webhook receiver the sandbox
// delivers to. Stopping is ordered: the sandbox first (no new deliveries),
// then its API server, then the receiver, which waits for the deliveries in
// flight; a Desk a test opened after Start is closed by its own cleanup
// after that, or earlier if the test calls Close itself.
package sandboxtest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// Secret signs the webhooks when Options.Hooks is set and
// Options.Sandbox.WebhookSecret is empty.
const Secret = "whsec_sandboxtest"

// Options configures Start.
type Options struct {
	// Sandbox is given to sandbox.New as is, except WebhookURL and
	// WebhookSecret when Hooks is set.
	Sandbox sandbox.Options
	// Hooks, when set, receives the sandbox's webhooks on an httptest
	// server of its own.
	Hooks http.Handler
	// Wrap, when set, stands between the client and the sandbox (counting
	// requests, faults the sandbox has no knob for, a hostile directory).
	Wrap func(*sandbox.Server) http.Handler
	// Client adjusts the client's configuration (BaseURL and credentials
	// are set already; RetryBaseDelay is 5 ms).
	Client func(*api.Config)
}

// Env is a running sandbox and its client.
type Env struct {
	Sandbox    *sandbox.Server
	API        *httptest.Server
	BaseURL    string // API.URL + "/v1", what COBALT_BASE_URL holds
	Client     *api.Client
	Hook       *httptest.Server // nil without Options.Hooks
	WebhookURL string           // where the sandbox delivers; "" without Options.Hooks
	Secret     string           // the webhook secret; "" without Options.Hooks

	id, secret, token string
	once              sync.Once
}

// Start runs the sandbox for the rest of t; see Options.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	so := o.Sandbox
	e := &Env{}
	if o.Hooks != nil {
		e.Hook = httptest.NewServer(o.Hooks)
		e.WebhookURL = e.Hook.URL + api.WebhookPath
		if so.WebhookSecret == "" {
			so.WebhookSecret = Secret
		}
		so.WebhookURL, e.Secret = e.WebhookURL, so.WebhookSecret
	}
	e.id, e.secret, e.token = or(so.ClientID, "sandbox"), or(so.ClientSecret, "sandbox"), or(so.AccessToken, "sandbox")
	e.Sandbox = sandbox.New(so)
	var h http.Handler = e.Sandbox
	if o.Wrap != nil {
		h = o.Wrap(e.Sandbox)
	}
	e.API = httptest.NewServer(h)
	e.BaseURL = e.API.URL + "/v1"
	cfg := api.Config{BaseURL: e.BaseURL, ClientID: e.id, ClientSecret: e.secret, AccessToken: e.token,
		RetryBaseDelay: 5 * time.Millisecond}
	if o.Client != nil {
		o.Client(&cfg)
	}
	e.Client = api.New(cfg)
	t.Cleanup(e.Close)
	return e
}

// Close stops the sandbox, its API server, then the webhook receiver
// (waiting for deliveries in flight). It may be called more than once.
func (e *Env) Close() {
	e.once.Do(func() {
		e.Sandbox.Close()
		e.API.Close()
		if e.Hook != nil {
			e.Hook.Close()
		}
	})
}

// Environ is the environment that points the refdesk binary at the
// sandbox as if it were a Cobalt account.
func (e *Env) Environ() []string {
	return []string{"COBALT_BASE_URL=" + e.BaseURL, "COBALT_CLIENT_ID=" + e.id,
		"COBALT_CLIENT_SECRET=" + e.secret, "COBALT_ACCESS_TOKEN=" + e.token}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
