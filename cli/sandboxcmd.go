package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"refdesk/api/sandbox"
)

// sandboxFlags binds the sandbox's knobs to fs. The same flags serve
// `refdesk sandbox`, and `refdesk` / `refdesk serve` on the sandbox.
type sandboxFlags struct {
	opts        sandbox.Options
	failureRate float64
	delay       string
}

func bindSandboxFlags(fs *flag.FlagSet) *sandboxFlags {
	sf := &sandboxFlags{failureRate: 0.1, delay: "1s-4s"}
	o := &sf.opts
	fs.Int64Var(&o.Seed, "seed", 1, "sandbox: seed of the generated directory and of its randomness")
	fs.IntVar(&o.Providers, "providers", 150, "sandbox: number of the clinic's providers")
	fs.IntVar(&o.ReferringProviders, "referring-providers", 5000, "sandbox: number of referring providers (up to 1,000,000)")
	fs.IntVar(&o.Patients, "patients", 2000, "sandbox: number of synced patients")
	fs.Float64Var(&sf.failureRate, "failure-rate", 0.1, "sandbox: share of referrals that end in referral.failed (0-1)")
	fs.StringVar(&sf.delay, "delay", "1s-4s", "sandbox: how long a referral job takes, a range MIN-MAX or one duration")
	fs.Float64Var(&o.Faults.ErrorRate, "error-rate", 0, "sandbox: share of requests answered with a 5xx (0-1)")
	fs.Float64Var(&o.Faults.DropWebhooks, "drop-webhooks", 0, "sandbox: share of webhooks never delivered (0-1)")
	fs.Float64Var(&o.Faults.DuplicateWebhooks, "duplicate-webhooks", 0, "sandbox: share of webhooks delivered twice (0-1)")
	fs.Float64Var(&o.Faults.ReorderWebhooks, "reorder-webhooks", 0, "sandbox: share of webhooks delivered after the next one (0-1)")
	fs.Float64Var(&o.Faults.EarlyWebhooks, "early-webhooks", 0, "sandbox: share of webhooks sent before the POST's answer (0-1)")
	fs.Float64Var(&o.Faults.SlowAnswers, "slow-answers", 0, "sandbox: share of referral POSTs created but answered too late for the client (0-1)")
	return sf
}

// options checks the flags and returns the sandbox's options.
func (sf *sandboxFlags) options() (sandbox.Options, error) {
	o := sf.opts
	for name, v := range map[string]float64{
		"--failure-rate": sf.failureRate, "--error-rate": o.Faults.ErrorRate,
		"--drop-webhooks": o.Faults.DropWebhooks, "--duplicate-webhooks": o.Faults.DuplicateWebhooks,
		"--reorder-webhooks": o.Faults.ReorderWebhooks, "--early-webhooks": o.Faults.EarlyWebhooks,
		"--slow-answers": o.Faults.SlowAnswers,
	} {
		if v < 0 || v > 1 {
			return o, fmt.Errorf("%s must be a share from 0 to 1, for example 0.2 (got %v)", name, v)
		}
	}
	o.FailureRate = sandbox.Rate(sf.failureRate)
	min, max, err := parseDelay(sf.delay)
	if err != nil {
		return o, err
	}
	o.DelayMin, o.DelayMax = min, max
	if o.Providers < 0 || o.ReferringProviders < 0 || o.Patients < 0 {
		return o, errors.New("directory sizes cannot be negative")
	}
	return o, nil
}

// parseDelay reads "1s-4s" or "2s".
func parseDelay(s string) (time.Duration, time.Duration, error) {
	bad := fmt.Errorf("--delay takes a duration or a range like 1s-4s (got %q)", s)
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil || min < 0 {
		return 0, 0, bad
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil || max < min {
			return 0, 0, bad
		}
	}
	return min, max, nil
}

// runSandbox serves the sandbox alone, for scripts and other clients.
func runSandbox(cio IO, args []string) int {
	fs := newFlags(cio, "sandbox", "sandbox [flags]")
	addr := fs.String("addr", "127.0.0.1:8089", "address to listen on")
	webhookURL := fs.String("webhook-url", "", "register this URL to receive webhooks (as POST /v1/webhook would)")
	webhookSecret := fs.String("webhook-secret", "", "the secret to sign webhooks with (default: a random whsec_ secret, printed)")
	sf := bindSandboxFlags(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	if code, done := noArgs(cio, fs); done {
		return code
	}
	so, err := sf.options()
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk sandbox: %v\n", err)
		return ExitUsage
	}
	so.ClientID = lookup(cio.Env, "COBALT_CLIENT_ID")
	so.ClientSecret = lookup(cio.Env, "COBALT_CLIENT_SECRET")
	so.AccessToken = lookup(cio.Env, "COBALT_ACCESS_TOKEN")
	so.WebhookURL, so.WebhookSecret = *webhookURL, *webhookSecret

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(cio.Stderr, "refdesk sandbox: cannot listen on %s: %v. Choose another address with --addr.\n", *addr, err)
		return ExitUsage
	}
	srv := sandbox.New(so)
	defer srv.Close()
	id, sec, tok := srv.Credentials()
	fmt.Fprintf(cio.Stdout, "refdesk sandbox %s listening on http://%s/v1 (synthetic data, seed %d)\n", Version, ln.Addr(), so.Seed)
	// The sandbox's credentials are not secrets: scripts need them.
	fmt.Fprintf(cio.Stdout, "headers: client_id: %s  client_secret: %s  access_token: %s\n", id, sec, tok)
	for _, wh := range srv.Webhooks() {
		// Printed on purpose: the receiver being tested needs it.
		fmt.Fprintf(cio.Stdout, "webhooks to %s signed with %s\n", wh.URL, wh.Secret)
	}
	fmt.Fprintf(cio.Stdout, "directory: %s providers, %s referring providers, %s patients. Ctrl-C stops.\n",
		strconv.Itoa(so.Providers), strconv.Itoa(so.ReferringProviders), strconv.Itoa(so.Patients))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.Background(), 3*time.Second)
		defer c()
		_ = hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(cio.Stderr, "refdesk sandbox: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}
