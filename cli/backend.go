package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/icd10"
	"refdesk/metrics"
	"refdesk/state"
)

// backend is what every command that touches Cobalt shares: the client
// (to Cobalt or to the embedded sandbox), the desk's state, the webhook
// receiver when one runs, and the log. Close stops all of it.
type backend struct {
	cfg         Config
	client      *api.Client
	desk        *state.Desk
	sandbox     *sandbox.Server // nil on a real account
	sandboxURL  string
	webhookAddr string // where webhooks are received; "" when completion comes by polling
	noSecret    bool   // the receiver runs without a secret: it answers 503, completion comes by polling
	logger      *slog.Logger
	webhooks    webhookClock // when the receiver last verified a delivery
	database    string       // which engine and where, without a password (describeDatabase)
	closers     []func()
}

// backendOptions says what a command needs from the backend.
type backendOptions struct {
	// WebhookAddr, when set, runs the webhook receiver there (serve). In
	// sandbox mode a receiver always runs on loopback.
	WebhookAddr string
	// SandboxFlags tune the embedded sandbox (directory sizes, faults).
	Sandbox sandbox.Options
	// ReadOnly opens the store for reading only (refdesk referrals).
	ReadOnly bool
	// Logger replaces the log file in the data directory (serve logs to
	// stderr or --log-file; tests).
	Logger *slog.Logger
	// NoReceiver runs no webhook receiver even on the sandbox (sync,
	// referrals): completion then comes by polling.
	NoReceiver bool
	// TLSCert and TLSKey serve the webhook receiver over TLS.
	TLSCert, TLSKey string
	// Metrics, when set, counts webhooks and is served at GET /metrics;
	// Sessions (may be nil) counts the desks for /healthz.
	Metrics  *metrics.Metrics
	Sessions func() int
}

// account names the Cobalt account for the header without showing a
// secret: the client id's first characters, or SANDBOX.
func (b *backend) account() string {
	if b.sandbox != nil {
		return "SANDBOX"
	}
	id := b.cfg.ClientID
	if len(id) > 10 {
		id = id[:10] + "…"
	}
	return id
}

// completions says how completions arrive, for the header; lastWebhook
// (nil without a receiver) dates the last verified webhook beside it.
func (b *backend) completions() string {
	if b.noSecret {
		return "polling Cobalt (no COBALT_WEBHOOK_SECRET: webhooks refused)"
	}
	if b.webhookAddr != "" {
		return "webhooks" // and polling, always
	}
	return "polling Cobalt (no webhook receiver)"
}

func (b *backend) lastWebhook() func() time.Time {
	if b.webhookAddr == "" || b.noSecret {
		return nil
	}
	return b.webhooks.Last
}

func (b *backend) Close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
	b.closers = nil
}

// openLog opens the structured log in the data directory (0600). Secrets
// and PHI are never given to it.
func openLog(dir string) (*slog.Logger, func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "refdesk.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the log file: %w", err)
	}
	return slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), func() { f.Close() }, nil
}

func randomSecret() string { return randomToken("whsec_") }

// randomToken is prefix and 24 random bytes in hex.
func randomToken(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// openBackend wires a backend for cfg. In sandbox mode (no credentials) it
// starts the sandbox on loopback and a webhook receiver beside it, so the
// desk completes referrals exactly as it would with Cobalt.
func openBackend(ctx context.Context, cfg Config, opt backendOptions) (_ *backend, err error) {
	if err := cfg.checkCredentials(); err != nil {
		return nil, err
	}
	if err := checkDatabaseURL(cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if cfg.DatabaseURL != "" && cfg.Sandbox() {
		return nil, errSandboxDatabase
	}
	if err := ensureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	b := &backend{cfg: cfg, logger: opt.Logger}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if b.logger == nil {
		lg, closeLog, err := openLog(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		b.logger = lg
		b.closers = append(b.closers, closeLog)
	}

	dbName := "refdesk.db"
	apiCfg := api.Config{
		BaseURL: cfg.BaseURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		AccessToken: cfg.AccessToken, UserAgent: "refdesk/" + Version, Logger: b.logger,
	}
	secrets, err := cfg.webhookSecrets()
	if err != nil {
		return nil, err
	}
	webhookAddr := opt.WebhookAddr
	if cfg.Sandbox() {
		dbName = "sandbox.db" // synthetic data never mixes with a clinic's
		if len(secrets) == 0 {
			secrets = []string{randomSecret()}
		}
		if webhookAddr == "" && !opt.NoReceiver {
			webhookAddr = "127.0.0.1:0"
		}
	}

	// The receiver's port is taken first so the sandbox can be told where
	// to deliver; it serves once the desk is open. Without a secret it
	// still runs (GET /healthz, and a 503 that says why to Cobalt).
	var whLn net.Listener
	if webhookAddr != "" && !opt.ReadOnly {
		if whLn, err = net.Listen("tcp", webhookAddr); err != nil {
			return nil, fmt.Errorf("cannot listen for webhooks on %s: %w. Choose another address with --webhook-addr", webhookAddr, err)
		}
		b.webhookAddr = whLn.Addr().String()
		b.noSecret = len(secrets) == 0
		b.closers = append(b.closers, func() { whLn.Close() })
		if b.noSecret {
			b.logger.Warn("webhook receiver without COBALT_WEBHOOK_SECRET: deliveries answered 503, referrals complete by polling", "addr", b.webhookAddr)
		}
	}

	codes, cerr := icd10.Open(cfg.DataDir)
	if cerr != nil {
		b.logger.Warn("code set", "err", cerr.Error())
	}
	if cfg.Sandbox() {
		so := opt.Sandbox
		so.Codes = codes
		if b.webhookAddr != "" && so.WebhookURL == "" {
			so.WebhookURL = "http://" + b.webhookAddr + api.WebhookPath
			so.WebhookSecret = secrets[0]
		}
		so.Logger = b.logger
		// The embedded sandbox listens on loopback, where any local
		// process can reach it: its credentials are this process's own
		// (not the well-known "sandbox"), and its webhook secret and
		// registrations are not served at all.
		so.ClientID, so.ClientSecret, so.AccessToken = randomToken("sbx_"), randomToken("sbx_"), randomToken("sbx_")
		so.PrivateWebhooks = true
		url, srv, stop, err := startSandbox("127.0.0.1:0", so)
		if err != nil {
			return nil, err
		}
		b.sandbox, b.sandboxURL = srv, url
		b.closers = append(b.closers, stop)
		apiCfg.BaseURL = url + "/v1"
		apiCfg.ClientID, apiCfg.ClientSecret, apiCfg.AccessToken = srv.Credentials()
	}
	b.client = api.New(apiCfg)

	so := state.Options{
		Path: filepath.Join(cfg.DataDir, dbName), DatabaseURL: cfg.DatabaseURL, Client: b.client, Logger: b.logger,
		ReadOnly: opt.ReadOnly, Codes: codes,
	}
	if b.webhookAddr == "" || b.noSecret {
		// No webhook will come: poll from the first second, as Cobalt
		// suggests, instead of waiting for one.
		so.Grace = time.Second
	}
	b.database = describeDatabase(cfg, dbName)
	desk, err := state.Open(ctx, so)
	if err != nil {
		return nil, scrubDatabase(fmt.Errorf("cannot open the desk's database (%s): %w", b.database, err), cfg.DatabaseURL)
	}
	b.desk = desk
	b.closers = append(b.closers, func() { desk.Close() })

	if whLn != nil {
		srv := api.NewWebhookServer(b.webhookAddr, b.webhooks.wrap(receiverMux(secrets, desk, b.logger, opt)))
		go func() {
			if opt.TLSCert != "" {
				_ = srv.ServeTLS(whLn, opt.TLSCert, opt.TLSKey)
			} else {
				_ = srv.Serve(whLn)
			}
		}()
		b.closers = append(b.closers, func() {
			c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_ = srv.Shutdown(c)
		})
	}
	return b, nil
}

// receiverMux serves Cobalt's webhooks at api.WebhookPath, GET /healthz
// and, with opt.Metrics, GET /metrics; each verified referral event is
// applied to the desk. secrets are the ones a delivery may be signed with
// (two during a rotation); with none, every delivery is answered 503 with
// what to do.
func receiverMux(secrets []string, desk *state.Desk, lg *slog.Logger, opt backendOptions) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthHandler(desk, opt.Sessions))
	if opt.Metrics != nil {
		mux.Handle("GET /metrics", opt.Metrics.Handler())
	}
	if len(secrets) == 0 {
		mux.Handle("POST "+api.WebhookPath, countWebhooks(opt.Metrics, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			lg.Warn("webhook refused", "status", http.StatusServiceUnavailable, "reason", "no COBALT_WEBHOOK_SECRET")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"success":false,"message":"This receiver has no webhook secret, so it cannot verify deliveries: `+
				`set COBALT_WEBHOOK_SECRET to the secret Cobalt gave when the webhook was registered and restart refdesk. `+
				`Referrals complete by polling meanwhile."}`)
		})))
		return mux
	}
	h := &api.WebhookHandler{
		Secrets: func() []string { return secrets },
		Logger:  lg,
		OnEvent: func(ev api.Event) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := applyWebhook(ctx, desk, opt.Metrics, ev); err != nil {
				lg.Warn("webhook event not applied", "event_id", ev.ID, "type", ev.Type, "err", err)
			}
		},
	}
	mux.Handle("POST "+api.WebhookPath, countWebhooks(opt.Metrics, h))
	return mux
}

// startSandbox serves the sandbox on addr and returns its base URL.
func startSandbox(addr string, so sandbox.Options) (string, *sandbox.Server, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, nil, fmt.Errorf("cannot start the sandbox on %s: %w", addr, err)
	}
	srv := sandbox.New(so)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), srv, func() {
		ctx, c := context.WithTimeout(context.Background(), 3*time.Second)
		defer c()
		_ = hs.Shutdown(ctx)
		srv.Close()
	}, nil
}
