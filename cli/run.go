package cli

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui"
)

// runTUI runs the desk in this terminal: on Cobalt when credentials are
// set, otherwise on the embedded sandbox (and the screen says so).
func runTUI(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "refdesk", "[run] [flags]")
	cfg.bindFlags(fs)
	cfg.bindDatabase(fs)
	docs := fs.String("documents-dir", lookup(cio.Env, "REFDESK_DOCUMENTS_DIR"), "folder the document picker opens in, e.g. where the scanner writes (env REFDESK_DOCUMENTS_DIR; default: the current folder)")
	webhookAddr := fs.String("webhook-addr", "", "receive Cobalt's webhooks here too (needs a public address and COBALT_WEBHOOK_SECRET); without it completion comes by polling")
	syncEvery := fs.Duration("sync-every", 6*time.Hour, "sync the directories in the background when the oldest is this old (0: only the first sync and ctrl+r)")
	sf := bindSandboxFlags(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	if code, done := noArgs(cio, fs); done {
		return code
	}
	if err := cfg.loadFiles(fs, cio.Env); err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk: %v\n", err)
		return ExitUsage
	}
	so, err := sf.options()
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk: %v\n", err)
		return ExitUsage
	}
	if *docs == "" {
		if *docs, err = os.Getwd(); err != nil {
			*docs = "."
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := openBackend(ctx, cfg, backendOptions{WebhookAddr: *webhookAddr, Sandbox: so})
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk: %v\n", err)
		return backendExit(err)
	}
	defer b.Close()
	// The desk starts even when Cobalt is unreachable: the directories are
	// synced in the background, and the header says how that goes.
	bgCtx, stopBg := context.WithCancel(context.Background())
	bgDone := b.desk.Start(bgCtx, state.RunOptions{SyncEvery: *syncEvery})
	defer func() { stopBg(); <-bgDone }()

	m := ui.New(ui.Session{
		Desk: b.desk, User: osUser(cio.Env), Account: b.account(), Sandbox: b.sandbox != nil,
		Completions: b.completions(), LastWebhook: b.lastWebhook(), DocumentsDir: *docs, Logger: b.logger, Context: ctx,
		NoColor: lookup(cio.Env, "NO_COLOR") != "",
	})
	p := tea.NewProgram(m, tea.WithInput(cio.Stdin), tea.WithOutput(cio.Stdout), tea.WithContext(ctx), tea.WithEnvironment(cio.Env))
	if _, err := p.Run(); err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}

// osUser names who is at this terminal, for the header and the audit log.
func osUser(env []string) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v := lookup(env, k); v != "" {
			return v
		}
	}
	return "desk"
}
