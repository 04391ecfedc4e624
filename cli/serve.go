package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/metrics"
	"refdesk/serve"
	"refdesk/state"
	"refdesk/ui"
)

// runServe serves the desk to many workstations over SSH, receives Cobalt's
// webhooks, and runs one reconciler for the whole clinic.
func runServe(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "serve", "serve [flags]")
	cfg.bindFlags(fs)
	cfg.bindDatabase(fs)
	sshAddr := fs.String("ssh-addr", ":23234", "address for SSH connections from the desks")
	webhookAddr := fs.String("webhook-addr", "", "address for Cobalt's webhooks (POST /webhooks/cobalt) and GET /healthz (default 127.0.0.1:8080 behind a reverse proxy; :8080 with --tls-cert)")
	logPath := fs.String("log-file", "", "write the log (JSON lines, 0600) to this file, reopened on SIGHUP for logrotate (default: text lines on stderr, which journald keeps)")
	keys := fs.String("authorized-keys", "", "OpenSSH authorized_keys file of the desks allowed in (default DATA-DIR/authorized_keys)")
	docs := fs.String("documents-dir", "", "the folder the file picker is confined to, e.g. where the scanner writes (default DATA-DIR/documents)")
	tlsCert := fs.String("tls-cert", "", "serve webhooks over TLS with this certificate (PEM); with --tls-key")
	tlsKey := fs.String("tls-key", "", "the TLS certificate's private key (PEM)")
	maxSessions := fs.Int("max-sessions", 50, "most desks connected at once")
	idle := fs.Duration("idle-timeout", 30*time.Minute, "end a session after no typing for this long (its draft is kept)")
	memLimit := fs.Int("memory-limit-mb", 200, "soft limit on the server's memory: the Go runtime collects harder as it nears it (0: none; GOMEMLIMIT overrides)")
	uploads := fs.Bool("uploads", true, "accept files sent with scp -O FILE user@server: into DOCUMENTS-DIR/inbox/USER/ (uploads only; false turns them off)")
	syncEvery := fs.Duration("sync-every", 6*time.Hour, "sync the directories in the background when the oldest is this old, with jitter (0: only the first sync and ctrl+r)")
	quotaMB := fs.Int("inbox-quota-mb", 500, "most megabytes one desk's upload inbox may hold (0: no limit); uploads are also refused while the documents folder's disk has under 1 GB free")
	withMetrics := fs.Bool("metrics", true, "serve Prometheus metrics at GET /metrics on the webhook address (false turns it off)")
	useSandbox := fs.Bool("sandbox", false, "run on the embedded sandbox (synthetic data), whatever credentials are set")
	sf := bindSandboxFlags(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	if code, done := noArgs(cio, fs); done {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(cio.Stderr, "refdesk serve: "+format+"\n", a...)
		return code
	}
	if err := cfg.loadFiles(fs, cio.Env); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	cfg.Settings.fillFromSettings(fs, map[string]*string{
		"ssh-addr": sshAddr, "webhook-addr": webhookAddr, "authorized-keys": keys, "documents-dir": docs})
	if (*tlsCert == "") != (*tlsKey == "") {
		return fail(ExitUsage, "--tls-cert and --tls-key go together: give both, or neither to serve plain HTTP behind a reverse proxy")
	}
	if *webhookAddr == "" {
		// Plain HTTP stays on loopback, for the TLS reverse proxy; with
		// its own certificate the receiver may face the network.
		*webhookAddr = "127.0.0.1:8080"
		if *tlsCert != "" {
			*webhookAddr = ":8080"
		}
	}
	so, err := sf.options()
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	if *memLimit > 0 && lookup(cio.Env, "GOMEMLIMIT") == "" {
		// Many desks allocate a little per frame; without a limit the
		// collector lets the heap grow to twice what is live.
		debug.SetMemoryLimit(int64(*memLimit) << 20)
	}
	if *useSandbox {
		cfg.ClientID, cfg.ClientSecret, cfg.AccessToken = "", "", ""
	}
	if _, err := cfg.webhookSecrets(); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	if err := ensureDataDir(cfg.DataDir); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	if *keys == "" {
		*keys = filepath.Join(cfg.DataDir, "authorized_keys")
	}
	if *docs == "" {
		*docs = filepath.Join(cfg.DataDir, "documents")
		if err := os.MkdirAll(*docs, 0o700); err != nil {
			return fail(ExitUsage, "cannot create the documents folder: %v", err)
		}
	}
	inbox := "" // "" turns uploads off
	if *uploads {
		inbox = filepath.Join(*docs, "inbox")
	}
	if _, err := os.Stat(*keys); err != nil {
		return fail(ExitUsage, "no authorized_keys file at %s: put each desk's public key in it (one per line, the comment names the desk)", *keys)
	}

	ctx, stop := signal.NotifyContext(cio.context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	lg, reopenLog, closeLog, err := serveLog(cio.Stderr, *logPath)
	if err != nil {
		return fail(ExitUsage, "%v. Choose another file with --log-file.", err)
	}
	defer closeLog()
	// The SSH server is made after the backend (it needs the desk); the
	// receiver's /healthz and /metrics ask it for the sessions once it is.
	var sshSrv atomic.Pointer[serve.Server]
	sessions := func() int {
		if s := sshSrv.Load(); s != nil {
			return s.Sessions()
		}
		return 0
	}
	bo := backendOptions{WebhookAddr: *webhookAddr, Sandbox: so, TLSCert: *tlsCert, TLSKey: *tlsKey, Logger: lg, Sessions: sessions}
	var mx *metrics.Metrics
	var deskRef atomic.Pointer[state.Desk] // set once the backend is open
	if *withMetrics {
		mx = metrics.New(metrics.Sources{Desk: deskRef.Load, Sessions: sessions})
		bo.Metrics = mx
	}
	b, err := openBackend(ctx, cfg, bo)
	if err != nil {
		return fail(backendExit(err), "%v", err)
	}
	deskRef.Store(b.desk)
	defer b.Close()
	// Cobalt unreachable or refusing the credentials does not stop the
	// server: the background jobs retry, and the desks show why.
	bgCtx, stopBg := context.WithCancel(context.Background())
	bgDone := b.desk.Start(bgCtx, state.RunOptions{SyncEvery: *syncEvery})
	defer func() { stopBg(); <-bgDone }()

	srv, err := serve.New(serve.Options{
		HostKeyPath:    filepath.Join(cfg.DataDir, "ssh_host_ed25519_key"),
		AuthorizedKeys: *keys, MaxSessions: *maxSessions, IdleTimeout: *idle, Logger: b.logger, Inbox: inbox,
		InboxQuota: inboxQuota(*quotaMB),
		NewModel: func(sctx context.Context, s serve.Session) tea.Model {
			// The desk is its key's name (serve.Session.Desk): drafts, the
			// audit log and the pane follow the key, never the SSH user name.
			// Its upload inbox comes first in the file picker.
			deskInbox := ""
			if inbox != "" && s.InboxFolder != "" {
				deskInbox = filepath.Join(inbox, s.InboxFolder)
			}
			return shutdownAdapter{ui.New(ui.Session{
				Desk: b.desk, User: s.Desk, UserLabel: "desk", Account: b.account(), Sandbox: b.sandbox != nil,
				Completions: b.completions(), LastWebhook: b.lastWebhook(), DocumentsDir: *docs, Confine: true,
				InboxDir: deskInbox,
				Logger:   b.logger, Context: sctx, NoColor: s.NoColor(), OnEventShown: mx.Shown,
			})}
		},
	})
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	sshSrv.Store(srv)
	ln, err := net.Listen("tcp", *sshAddr)
	if err != nil {
		return fail(ExitUsage, "cannot listen for SSH on %s: %v. Choose another address with --ssh-addr.", *sshAddr, err)
	}
	mode := "Cobalt account " + b.account()
	if b.sandbox != nil {
		mode = "SANDBOX (synthetic data) at " + b.sandboxURL
	}
	fmt.Fprintf(cio.Stdout, "refdesk serve %s on %s\n", Version, mode)
	fmt.Fprintf(cio.Stdout, "SSH on %s, host key %s\n", ln.Addr(), srv.Fingerprint())
	fmt.Fprintf(cio.Stdout, "referrals kept in %s\n", b.database)
	if mx != nil {
		fmt.Fprintf(cio.Stdout, "webhooks at %s%s (GET /healthz, GET /metrics)\n", b.webhookAddr, api.WebhookPath)
	} else {
		fmt.Fprintf(cio.Stdout, "webhooks at %s%s (GET /healthz)\n", b.webhookAddr, api.WebhookPath)
	}
	if b.noSecret {
		fmt.Fprintln(cio.Stdout, "no COBALT_WEBHOOK_SECRET: webhooks are answered 503 and referrals complete by polling Cobalt")
	}
	fmt.Fprintf(cio.Stdout, "desks allowed by %s; documents from %s\n", *keys, *docs)
	if inbox != "" {
		fmt.Fprintf(cio.Stdout, "uploads (scp -O FILE server:) into %s (the desk is its key's name)\n", filepath.Join(inbox, "DESK"))
	}

	hup := make(chan os.Signal, 1)
	notifyHUP(hup)
	go func() {
		for range hup {
			if err := srv.ReloadKeys(); err != nil {
				b.logger.Warn("authorized_keys not reloaded", "err", err)
			}
			if err := reopenLog(); err != nil {
				b.logger.Warn("log file not reopened", "err", err)
			}
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, serve.ErrServerClosed) {
			return fail(ExitFailed, "%v", err)
		}
	case <-ctx.Done():
		fmt.Fprintln(cio.Stdout, "shutting down: telling the desks, saving drafts…")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	return ExitOK
}

// inboxQuota is --inbox-quota-mb for serve.Options (0 there means the
// default; here it means no limit).
func inboxQuota(mb int) int64 {
	if mb <= 0 {
		return -1
	}
	return int64(mb) << 20
}

// shutdownAdapter turns the server's ShutdownMsg into the desk's
// ui.SaveDraftMsg, so the desk keeps its own vocabulary.
type shutdownAdapter struct{ tea.Model }

func (a shutdownAdapter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(serve.ShutdownMsg); ok {
		msg = ui.SaveDraftMsg{Reason: m.Reason}
	}
	next, cmd := a.Model.Update(msg)
	return shutdownAdapter{next}, cmd
}
