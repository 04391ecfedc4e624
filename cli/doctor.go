package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"refdesk/api"
	"refdesk/state"
)

// Doctor's limits.
const (
	doctorMaxAge   = 48 * time.Hour // a nightly 'refdesk sync' keeps the directories under a day old
	doctorMinFree  = 1 << 30        // 1 GiB free in the data directory
	doctorMaxSkew  = 2 * time.Minute
	doctorTimeout  = 15 * time.Second
	doctorStatusOK = "ok"
)

type check struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok, fail, skip (not checked: what it needs failed, or not on this system)
	Detail string `json:"detail"`
}

type doctorReport struct {
	OK     bool    `json:"ok"`
	Checks []check `json:"checks"`
}

func (r *doctorReport) add(name, status, format string, a ...any) {
	r.Checks = append(r.Checks, check{Name: name, Status: status, Detail: fmt.Sprintf(format, a...)})
}

// runDoctor runs setup's checks again without changing anything: for a
// support call, or a monitoring script (--json; exit 0 only when all pass).
func runDoctor(cio IO, args []string) int {
	cfg := loadConfig(cio.Env)
	fs := newFlags(cio, "doctor", "doctor [--json] [flags]")
	cfg.bindFlags(fs)
	cfg.bindDatabase(fs)
	asJSON := fs.Bool("json", false, "print the checks as JSON")
	hook := fs.String("webhook-url", "", "the public webhook URL to check (default: refdesk.toml's webhook_url)")
	if code, done := parse(fs, args); done {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*doctorTimeout)
	defer cancel()
	rep := &doctorReport{}
	if err := cfg.loadFiles(fs, cio.Env); err != nil {
		rep.add("settings", "fail", "%v", err)
	} else {
		rep.add("settings", doctorStatusOK, "read from %s", cfg.DataDir)
		if *hook != "" {
			cfg.Settings.WebhookURL = *hook
		}
		doctor(ctx, cfg, rep)
	}
	rep.OK = true
	for _, c := range rep.Checks {
		rep.OK = rep.OK && c.Status != "fail"
	}
	if *asJSON {
		enc := json.NewEncoder(cio.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		for _, c := range rep.Checks {
			fmt.Fprintf(cio.Stdout, "%-4s  %-20s %s\n", map[string]string{"ok": "ok", "fail": "FAIL", "skip": "--"}[c.Status], c.Name, c.Detail)
		}
		if rep.OK {
			fmt.Fprintln(cio.Stdout, "All checks passed.")
		} else {
			fmt.Fprintln(cio.Stdout, "Some checks failed: see FAIL above; 'refdesk setup' fixes most of them.")
		}
	}
	if !rep.OK {
		return ExitFailed
	}
	return ExitOK
}

// doctor runs the checks after the settings were read.
func doctor(ctx context.Context, cfg Config, rep *doctorReport) {
	checkDataDir(cfg.DataDir, rep)
	switch d, err := checkDatabase(ctx, cfg, rep); {
	case d != nil:
		checkDirectories(d, rep)
		d.Close()
	case errors.Is(err, os.ErrNotExist):
		rep.add("directories", "fail", "never synced (no %s): run 'refdesk sync'", filepath.Join(cfg.DataDir, "refdesk.db"))
	default:
		rep.add("directories", "skip", "needs the database")
	}
	checkDisk(cfg.DataDir, rep)
	checkClock(ctx, cfg.BaseURL, rep)

	if cfg.Sandbox() {
		rep.add("credentials", "fail", "no Cobalt credentials: run 'refdesk setup', or set COBALT_CLIENT_ID, COBALT_CLIENT_SECRET and COBALT_ACCESS_TOKEN")
		rep.add("cobalt", "skip", "needs the credentials")
		rep.add("webhook", "skip", "needs the credentials")
		return
	}
	if err := cfg.checkCredentials(); err != nil {
		rep.add("credentials", "fail", "%v", err)
		return
	}
	rep.add("credentials", doctorStatusOK, "all three set (account %s)", (&backend{cfg: cfg}).account())
	c := api.New(api.Config{BaseURL: cfg.BaseURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		AccessToken: cfg.AccessToken, UserAgent: "refdesk/" + Version + " doctor", Retries: -1})
	cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	provs, err := c.Providers(cctx)
	if err != nil {
		rep.add("cobalt", "fail", "%s", cobaltReason(err))
		rep.add("webhook", "skip", "needs Cobalt")
		return
	}
	rep.add("cobalt", doctorStatusOK, "%s accepted the credentials: %d providers", cfg.BaseURL, len(provs))
	doctorWebhook(cctx, c, cfg, rep)
}

func checkDataDir(dir string, rep *doctorReport) {
	fi, err := os.Stat(dir)
	if err != nil {
		rep.add("data directory", "fail", "%v: run 'refdesk setup' or create it 0700", err)
		return
	}
	if runtime.GOOS == "windows" {
		rep.add("data directory", doctorStatusOK, "%s exists (permissions not checked on Windows)", dir)
		return
	}
	var open []string
	if fi.Mode().Perm()&0o077 != 0 {
		open = append(open, fmt.Sprintf("%s (%04o)", dir, fi.Mode().Perm()))
	}
	for _, name := range []string{credentialsFile, "refdesk.db", "refdesk.log", "ssh_host_ed25519_key"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().Perm()&0o077 != 0 {
			open = append(open, fmt.Sprintf("%s (%04o)", name, fi.Mode().Perm()))
		}
	}
	if len(open) > 0 {
		rep.add("data directory", "fail", "readable by other users: %v. Run 'chmod -R go= %s'", open, dir)
		return
	}
	rep.add("data directory", doctorStatusOK, "%s and its files are the owner's only", dir)
}

// checkDatabase says which engine keeps the referrals and where (never a
// password), and whether it answers; it returns the store opened for
// reading, or why not (os.ErrNotExist: no SQLite file yet, which the
// first sync or start creates).
func checkDatabase(ctx context.Context, cfg Config, rep *doctorReport) (*state.Desk, error) {
	if err := checkDatabaseURL(cfg.DatabaseURL); err != nil {
		rep.add("database", "fail", "%v", err)
		return nil, err
	}
	where := describeDatabase(cfg, "refdesk.db")
	db := filepath.Join(cfg.DataDir, "refdesk.db")
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(db); err != nil {
			rep.add("database", "skip", "%s: not created yet ('refdesk sync' or the first start creates it)", where)
			return nil, err
		}
	}
	octx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	d, err := state.Open(octx, state.Options{Path: db, DatabaseURL: cfg.DatabaseURL, ReadOnly: true})
	if err != nil {
		err = scrubDatabase(err, cfg.DatabaseURL)
		rep.add("database", "fail", "%s cannot be opened: %v", where, err)
		return nil, err
	}
	rep.add("database", doctorStatusOK, "%s answers (schema %d)", where, state.SchemaVersion())
	return d, nil
}

func checkDirectories(d *state.Desk, rep *doctorReport) {
	var oldest time.Time
	var which state.Directory
	for _, dr := range []state.Directory{state.Providers, state.ReferringProviders, state.Patients} {
		at := d.SyncedAt(dr)
		if oldest.IsZero() || at.Before(oldest) {
			oldest, which = at, dr
		}
	}
	age := time.Since(oldest).Round(time.Minute)
	switch {
	case oldest.IsZero() || oldest.Year() < 2000:
		rep.add("directories", "fail", "%s never synced: run 'refdesk sync'", which)
	case age > doctorMaxAge:
		rep.add("directories", "fail", "%s last synced %s ago: run 'refdesk sync' (nightly, from cron or a timer)", which, age)
	default:
		rep.add("directories", doctorStatusOK, "oldest synced %s ago (%s)", age, which)
	}
}

func checkDisk(dir string, rep *doctorReport) {
	free, ok := freeBytes(dir)
	switch {
	case !ok:
		rep.add("disk space", "skip", "not checked on this system")
	case free < doctorMinFree:
		rep.add("disk space", "fail", "%d MB free where %s is: free some space (refdesk needs room for its database and log)", free>>20, dir)
	default:
		rep.add("disk space", doctorStatusOK, "%.1f GB free", float64(free)/(1<<30))
	}
}

// checkClock compares this machine's clock with the Date header of an
// answer from Cobalt (a request without credentials: only the header is
// read).
func checkClock(ctx context.Context, baseURL string, rep *doctorReport) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/providers", nil)
	if err != nil {
		rep.add("clock", "fail", "bad base URL %s: %v", baseURL, err)
		return
	}
	sent := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		rep.add("clock", "fail", "cannot reach %s to compare clocks: %v", baseURL, errors.Unwrap(err))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	local := sent.Add(time.Since(sent) / 2)
	theirs, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		rep.add("clock", "skip", "Cobalt's answer has no Date header to compare with")
		return
	}
	skew := local.Sub(theirs).Round(time.Second)
	if skew < -doctorMaxSkew || skew > doctorMaxSkew {
		rep.add("clock", "fail", "this machine's clock is %s off Cobalt's: turn on time sync (timedatectl set-ntp true)", skew)
		return
	}
	rep.add("clock", doctorStatusOK, "within %s of Cobalt's", max(skew, -skew)+time.Second)
}

// doctorWebhook: the URL in the settings is registered with Cobalt, the
// signing secret is set, and the URL answers from here.
func doctorWebhook(ctx context.Context, c *api.Client, cfg Config, rep *doctorReport) {
	u := cfg.Settings.WebhookURL
	if u == "" {
		rep.add("webhook", "fail", "no webhook URL in %s: run 'refdesk setup', or give --webhook-url", filepath.Join(cfg.DataDir, settingsFile))
		return
	}
	regs, err := c.Webhooks(ctx)
	if err != nil {
		rep.add("webhook", "fail", "cannot list the registrations: %s", cobaltReason(err))
		return
	}
	found := false
	for _, r := range regs {
		found = found || r.URL == u
	}
	switch {
	case !found:
		rep.add("webhook", "fail", "%s is not registered with Cobalt (%d other registrations): run 'refdesk setup'", u, len(regs))
	case cfg.WebhookSecret == "":
		rep.add("webhook", "fail", "%s is registered but no signing secret is set: run 'refdesk setup'", u)
	default:
		rep.add("webhook", doctorStatusOK, "%s is registered with Cobalt (%d registrations in all)", u, len(regs))
	}
	checkWebhookReachable(ctx, u, rep)
}

// checkWebhookReachable asks the webhook URL with a GET, which changes
// nothing: any HTTP answer (refdesk answers 405 to a GET there) shows the
// address, TLS and proxy work from here.
func checkWebhookReachable(ctx context.Context, u string, rep *doctorReport) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		rep.add("webhook reachable", "fail", "%v", err)
		return
	}
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		rep.add("webhook reachable", "fail", "%s does not answer from here: %v. Is refdesk serve running, and the proxy or firewall open?", u, errors.Unwrap(err))
		return
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusMethodNotAllowed:
		rep.add("webhook reachable", doctorStatusOK, "%s answers (405 to a GET, as refdesk's receiver does)", u)
	case http.StatusNotFound, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		rep.add("webhook reachable", "fail", "%s answers %s: the proxy does not reach refdesk serve's %s", u, resp.Status, api.WebhookPath)
	default:
		rep.add("webhook reachable", doctorStatusOK, "%s answers (%s to a GET)", u, resp.Status)
	}
}
