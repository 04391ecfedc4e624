package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
)

// Recognisable credentials, to look for in every screen and file.
const (
	setupID     = "ci_SETUPTEST_id_4711"
	setupSecret = "cs_SETUPTEST_secret_0815"
	setupToken  = "at_SETUPTEST_token_1234"
)

// setupSandbox is the real sandbox over real HTTP with those credentials.
func setupSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	rig := sandboxtest.Start(t, sandboxtest.Options{Sandbox: sandbox.Options{ClientID: setupID,
		ClientSecret: setupSecret, AccessToken: setupToken}})
	return rig.Sandbox, rig.BaseURL
}

// newSetupDriver starts a wizard on dataDir pointed at baseURL, as
// 'refdesk setup --base-url URL --data-dir DIR' would.
func newSetupDriver(t *testing.T, baseURL, dataDir string) *driver {
	t.Helper()
	cfg := loadConfig([]string{"HOME=" + t.TempDir()})
	cfg.BaseURL, cfg.DataDir = baseURL, dataDir
	st, err := newSetupState(cfg, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	return newDriver(t, newWizard(context.Background(), st))
}

func deskKey(t *testing.T, comment string) (string, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k))) + " " + comment, gossh.FingerprintSHA256(k)
}

// typeCredentials fills step 1: the URL kept, then id, secret, token.
// An empty value keeps what the field holds.
func typeCredentials(d *driver, id, secret, token string) {
	d.enter()
	for _, v := range []string{id, secret, token} {
		if v != "" {
			d.clear()
			d.typ(v)
		}
		d.enter()
	}
}

func TestSetupRefusedCredentialsStopAtThatStep(t *testing.T) {
	_, base := setupSandbox(t)
	dir := t.TempDir()
	d := newSetupDriver(t, base, dir)
	d.atStep(stepCredentials)
	typeCredentials(d, setupID, "cs_WRONG_secret", setupToken)
	d.atStep(stepCredentials)
	d.want("✗ Cobalt refused: Invalid client_id or client_secret. (HTTP 401)", "Step 1 of 5: Cobalt credentials")
	typeCredentials(d, "", setupSecret, "at_WRONG") // Enter keeps the typed id
	d.atStep(stepCredentials)
	d.want("✗ Cobalt refused: User not found. (HTTP 401)")
	if _, err := os.Stat(filepath.Join(dir, credentialsFile)); !os.IsNotExist(err) {
		t.Errorf("a refused step wrote the credentials file (err %v)", err)
	}
	for _, v := range d.views {
		for _, s := range []string{setupID, setupSecret, setupToken, "cs_WRONG_secret", "at_WRONG"} {
			if strings.Contains(v, s) {
				t.Fatalf("a screen shows a typed secret %q:\n%s", s, v)
			}
		}
	}
}

func TestSetupHappyPathThenServeStartsFromIt(t *testing.T) {
	sb, base := setupSandbox(t)
	stale := sb.RegisterWebhook("https://old-server.clinic.example/webhooks/cobalt", "")
	dir := filepath.Join(t.TempDir(), "data")
	docs := filepath.Join(t.TempDir(), "scans")
	d := newSetupDriver(t, base, dir)

	typeCredentials(d, setupID, setupSecret, setupToken)
	d.want("✓ Cobalt accepted these credentials: 150 providers.")
	d.atStep(stepFolders)
	d.enter() // data directory: the default shown
	d.clear()
	d.typ(docs)
	d.enter()
	d.clear()
	d.typ("127.0.0.1:0")
	d.enter()
	d.atStep(stepWebhook)
	d.want("Data directory " + dir + " ready (0700)")
	d.typ("https://refdesk.clinic.example")
	d.enter()
	d.clear()
	d.typ("127.0.0.1:0")
	d.enter()
	d.want("Registered https://refdesk.clinic.example/webhooks/cobalt with Cobalt", "Cobalt offers no test event", "1 other registration(s) found.")
	d.atStep(stepStale)
	d.want("old-server.clinic.example")
	d.key(tea.KeySpace)
	d.enter()
	d.want("Removed registration(s) " + stale.ID)
	regs := sb.Webhooks()
	if len(regs) != 1 || regs[0].URL != "https://refdesk.clinic.example/webhooks/cobalt" {
		t.Fatalf("registrations after setup: %+v", regs)
	}

	d.atStep(stepDesks)
	d.want("No desk can connect yet")
	d.enter() // "Add a desk" is the default with no desk
	d.atStep(stepDeskKey)
	key, fp := deskKey(t, "someone@laptop")
	d.typ("frontdesk-1")
	d.enter()
	d.paste(key)
	d.enter()
	d.want("Desk frontdesk-1 added: ssh-ed25519 " + fp)
	d.atStep(stepDesks)
	d.want("frontdesk-1", fp)
	d.enter() // "Go on" is the default once a desk exists
	d.atStep(stepSummary)
	d.want("Will write:", filepath.Join(dir, credentialsFile))
	d.enter() // "Write them"
	if !d.w.Finished() || !d.quit {
		t.Fatalf("not finished after the summary; screen:\n%s", d.screen())
	}

	fi, err := os.Stat(filepath.Join(dir, credentialsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, mode %v; want 0600", err, fi.Mode())
	}
	cr, err := readCredentials(dir)
	if err != nil || cr.ClientID != setupID || cr.ClientSecret != setupSecret || cr.AccessToken != setupToken || cr.WebhookSecret != regs[0].Secret {
		t.Fatalf("credentials written: %v (err %v)", cr == Credentials{}, err)
	}
	toml, _ := os.ReadFile(filepath.Join(dir, settingsFile))
	keys, _ := os.ReadFile(filepath.Join(dir, "authorized_keys"))
	if !strings.HasSuffix(strings.TrimSpace(string(keys)), " frontdesk-1") {
		t.Errorf("authorized_keys: %q", keys)
	}
	if !strings.Contains(d.w.st.unit, "serve --data-dir "+dir) {
		t.Errorf("service unit:\n%s", d.w.st.unit)
	}
	secrets := []string{setupID, setupSecret, setupToken, regs[0].Secret}
	for _, s := range secrets {
		for where, text := range map[string]string{"refdesk.toml": string(toml), "the service unit": d.w.st.unit, "a screen": strings.Join(d.views, "\n")} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds the secret %.8s…", where, s)
			}
		}
	}

	out, logs, stop := startServeFromFiles(t, dir)
	if code := stop(); code != ExitOK {
		t.Errorf("serve exited %d", code)
	}
	if s := out.String(); !strings.Contains(s, "on Cobalt account ci_SETUPT") || !strings.Contains(s, "documents from "+docs) {
		t.Errorf("serve did not start from the written settings:\n%s", s)
	}
	for _, s := range secrets {
		if strings.Contains(out.String(), s) {
			t.Errorf("serve's output shows the secret %.8s…", s)
		}
	}
	// serve logs to stderr (journald) unless --log-file is given.
	if !strings.Contains(logs.String(), "level=") {
		t.Errorf("serve logged nothing to stderr; is the log elsewhere now?\n%s", logs)
	}
	for _, s := range secrets[1:] {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds the secret %.8s…", s)
		}
	}

	// Running setup again shows the values and changes nothing unless asked.
	d2 := newSetupDriver(t, base, dir)
	d2.want("Set already: leave empty to keep it")
	typeCredentials(d2, "", "", "")
	d2.want("Cobalt accepted these credentials: 150 providers.")
	d2.enter()
	d2.enter()
	d2.enter()
	d2.atStep(stepWebhook)
	d2.enter()
	d2.enter()
	d2.want("is registered with Cobalt already (id " + regs[0].ID + "); its signing secret is kept.")
	d2.atStep(stepDesks)
	d2.enter()
	d2.enter()
	if !d2.w.Finished() {
		t.Fatalf("the second run did not finish; screen:\n%s", d2.screen())
	}
	if again := sb.Webhooks(); len(again) != 1 || again[0].ID != regs[0].ID {
		t.Errorf("re-running setup changed the registrations: %+v", again)
	}
	cr2, _ := readCredentials(dir)
	toml2, _ := os.ReadFile(filepath.Join(dir, settingsFile))
	keys2, _ := os.ReadFile(filepath.Join(dir, "authorized_keys"))
	if cr2 != cr || string(toml2) != string(toml) || string(keys2) != string(keys) {
		t.Errorf("re-running setup with Enter everywhere changed the settings:\n%s\n---\n%s", toml, toml2)
	}
}

func TestSetupSummaryGoBackKeepsTypedThenQuitWritesNothing(t *testing.T) {
	_, base := setupSandbox(t)
	dir := filepath.Join(t.TempDir(), "data")
	d := newSetupDriver(t, base, dir)
	typeCredentials(d, setupID, setupSecret, setupToken)
	d.enter()
	d.enter()
	d.enter()
	d.typ("https://refdesk.clinic.example")
	d.enter()
	d.enter()
	d.atStep(stepDesks)
	d.key(tea.KeyRight) // "Go on" without a desk
	d.enter()
	d.atStep(stepSummary)
	d.key(tea.KeyDown) // "Change something"
	d.enter()
	d.atStep(stepCredentials)
	d.want("Back to step 1: what you typed is kept")
	typeCredentials(d, "", "", "") // Enter keeps what was typed
	d.want("Cobalt accepted these credentials: 150 providers.")
	d.enter()
	d.enter()
	d.enter()
	d.enter()
	d.enter()
	d.want("is registered with Cobalt already")
	d.atStep(stepDesks)
	d.key(tea.KeyRight)
	d.enter()
	d.atStep(stepSummary)
	d.key(tea.KeyDown)
	d.key(tea.KeyDown) // "Quit without writing anything"
	d.enter()
	if !d.quit || d.w.Finished() || d.w.quit == nil {
		t.Fatalf("quit from the summary: quit %v, finished %v; screen:\n%s", d.quit, d.w.Finished(), d.screen())
	}
	for _, f := range []string{credentialsFile, settingsFile, "authorized_keys"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("quitting wrote %s (err %v)", f, err)
		}
	}
}

func TestSetupSystemdUnitWrittenWithQuotedPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data dir")
	unit := filepath.Join(t.TempDir(), "refdesk.service")
	st := &setupState{DataDir: dir, DocumentsDir: "/srv/scans", keysPath: filepath.Join(dir, "authorized_keys"),
		systemdPath: unit, user: "refdesk", Choice: choiceWrite, BaseURL: "https://api.usecobalt.com/v1",
		cur: Credentials{ClientID: "a", ClientSecret: "b", AccessToken: "c"}, webhookSecret: "whsec_unit"}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	msg, err := writeStep(context.Background(), st)
	if err != nil || !strings.Contains(msg, unit) {
		t.Fatalf("writeStep: %q %v", msg, err)
	}
	data, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"User=refdesk\n", `serve --data-dir "` + dir + `"` + "\n", `ReadWritePaths="` + dir + `" /srv/scans` + "\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("unit lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "whsec_unit") || strings.Contains(string(data), "EnvironmentFile") {
		t.Errorf("the unit carries secrets:\n%s", data)
	}
}

// The program may deliver messages after the last step ended and before
// it stops (a key the clerk pressed twice, a resize, a cursor's tick): they
// must neither crash the wizard nor run the summary's check again.
func TestSetupMessagesAfterTheLastStepAreIgnored(t *testing.T) {
	for _, c := range []struct {
		name     string
		downs    int
		finished bool
	}{{"write", 0, true}, {"quit", 2, false}} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			st := &setupState{DataDir: dir, DocumentsDir: t.TempDir(), keysPath: filepath.Join(dir, "authorized_keys"),
				BaseURL: "https://api.usecobalt.com/v1", SSHAddr: ":23234", WebhookAddr: "127.0.0.1:8080",
				cur: Credentials{ClientID: "a", ClientSecret: "b", AccessToken: "c"}, webhookSecret: "whsec_unit"}
			w := newWizard(context.Background(), st)
			w.step = stepSummary
			d := newDriver(t, w)
			d.atStep(stepSummary)
			for range c.downs {
				d.key(tea.KeyDown)
			}
			d.enter()
			if !d.quit || d.w.Finished() != c.finished {
				t.Fatalf("after the summary: quit %v, finished %v; screen:\n%s", d.quit, d.w.Finished(), d.screen())
			}
			done, views := len(d.w.done), len(d.views)
			for _, msg := range []tea.Msg{tea.KeyPressMsg{Code: tea.KeyEnter}, tea.WindowSizeMsg{Width: 80, Height: 24},
				tea.KeyPressMsg{Code: 'x', Text: "x"}, tea.KeyPressMsg{Code: tea.KeyEnter}} {
				d.feed(msg)
				d.settle()
			}
			if d.w.Finished() != c.finished || d.w.busy || len(d.w.done) != done {
				t.Fatalf("late messages changed the wizard: finished %v, busy %v, %d answers (want %d); screen:\n%s",
					d.w.Finished(), d.w.busy, len(d.w.done), done, d.screen())
			}
			for _, v := range d.views[views:] {
				if strings.Contains(v, "Checking") {
					t.Fatalf("a late message ran the summary's check again:\n%s", v)
				}
			}
			_, err := os.Stat(filepath.Join(dir, credentialsFile))
			if written := err == nil; written != c.finished {
				t.Errorf("credentials file written %v, want %v (err %v)", written, c.finished, err)
			}
		})
	}
}
