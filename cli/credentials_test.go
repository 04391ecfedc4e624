package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/api/sandbox/sandboxtest"
	"refdesk/internal/testkit"
)

func TestSettingsFilesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cr := Credentials{ClientID: "id \"quoted\"", ClientSecret: "cs", AccessToken: "at", WebhookSecret: "whsec_x"}
	st := Settings{BaseURL: "http://127.0.0.1:1/v1", DocumentsDir: "/srv/scans", SSHAddr: ":2222"}
	if err := writeCredentials(dir, cr); err != nil {
		t.Fatal(err)
	}
	if err := writeSettings(dir, st); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, credentialsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials mode %v, err %v; want 0600", fi.Mode(), err)
	}
	gotC, err := readCredentials(dir)
	if err != nil || gotC != cr {
		t.Fatalf("credentials read back %+v, %v; want %+v", gotC, err, cr)
	}
	gotS, err := readSettings(dir)
	if err != nil || gotS != st {
		t.Fatalf("settings read back %+v, %v; want %+v", gotS, err, st)
	}
	toml, _ := os.ReadFile(filepath.Join(dir, settingsFile))
	for _, secret := range []string{"cs", "whsec_x", "quoted"} {
		if strings.Contains(string(toml), "= \""+secret) || strings.Contains(string(toml), secret+"\\") {
			t.Errorf("refdesk.toml holds a secret:\n%s", toml)
		}
	}
}

func TestCredentialsReadableByOthersRefused(t *testing.T) {
	dir := t.TempDir()
	if err := writeCredentials(dir, Credentials{ClientID: "a", ClientSecret: "b", AccessToken: "c"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, credentialsFile)
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, nil, "sync", "--data-dir", dir)
	if code != ExitUsage || !strings.Contains(stderr, "can be read by other users (mode 0640)") || !strings.Contains(stderr, "chmod 600") {
		t.Fatalf("code %d, stderr %q: want a refusal that says chmod 600", code, stderr)
	}
}

func TestSettingsFileErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, settingsFile), []byte("# c\nbase_url = \"x\"\nbogus = \"y\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readSettings(dir); err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("err = %v, want line 3 and the unknown key", err)
	}
	if err := os.WriteFile(filepath.Join(dir, settingsFile), []byte("base_url = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readSettings(dir); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("unquoted value: err = %v, want line 1", err)
	}
}

func TestEnvironmentWinsOverCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	if err := writeCredentials(dir, Credentials{ClientID: "file-id", ClientSecret: "file-cs", AccessToken: "file-at", WebhookSecret: "file-wh"}); err != nil {
		t.Fatal(err)
	}
	if err := writeSettings(dir, Settings{BaseURL: "http://file.example/v1"}); err != nil {
		t.Fatal(err)
	}
	env := []string{"COBALT_CLIENT_ID=env-id", "COBALT_BASE_URL=http://env.example/v1"}
	cfg := loadConfig(env)
	cfg.DataDir = dir
	fs := newFlags(IO{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}, "x", "x")
	cfg.bindFlags(fs)
	if err := cfg.loadFiles(fs, env); err != nil {
		t.Fatal(err)
	}
	// Part of the account set in the environment: the file's account is not
	// mixed in, so the missing ones are reported, not silently filled.
	if cfg.ClientID != "env-id" || cfg.ClientSecret != "" || cfg.AccessToken != "" {
		t.Errorf("credentials mixed env and file: %+v", cfg)
	}
	if cfg.WebhookSecret != "file-wh" || cfg.BaseURL != "http://env.example/v1" {
		t.Errorf("webhook secret %q (want the file's), base URL %q (want the environment's)", cfg.WebhookSecret, cfg.BaseURL)
	}
}

// startServeFromFiles runs 'refdesk serve --data-dir dir' with no
// environment at all and waits until it serves; the returned function stops it.
func startServeFromFiles(t *testing.T, dir string) (stdout, stderr *testkit.Buffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &testkit.Buffer{}, &testkit.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- runServe(IO{Env: nil, Stdin: strings.NewReader(""), Stdout: out, Stderr: errb, ctx: ctx}, []string{"--data-dir", dir})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "SSH on") {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d before serving\nstdout: %s\nstderr: %s", code, out, errb)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start in 30 s\nstdout: %s\nstderr: %s", out, errb)
		}
	}
	return out, errb, func() int { cancel(); return <-done }
}

func TestServeStartsFromSettingsFilesWithNoEnvironment(t *testing.T) {
	rig := sandboxtest.Start(t, sandboxtest.Options{})
	sb := rig.Sandbox
	dir := t.TempDir()
	docs := filepath.Join(t.TempDir(), "scans")
	if err := os.MkdirAll(docs, 0o700); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "desks")
	if err := os.WriteFile(keys, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	id, cs, at := sb.Credentials()
	if err := writeCredentials(dir, Credentials{ClientID: id, ClientSecret: cs, AccessToken: at, WebhookSecret: "whsec_from_file"}); err != nil {
		t.Fatal(err)
	}
	if err := writeSettings(dir, Settings{BaseURL: rig.BaseURL, DocumentsDir: docs, AuthorizedKeys: keys,
		SSHAddr: "127.0.0.1:0", WebhookAddr: "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	out, _, stop := startServeFromFiles(t, dir)
	if code := stop(); code != ExitOK {
		t.Errorf("serve exited %d", code)
	}
	s := out.String()
	for _, want := range []string{"on Cobalt account", "desks allowed by " + keys, "documents from " + docs} {
		if !strings.Contains(s, want) {
			t.Errorf("serve's output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "SANDBOX") || strings.Contains(s, "whsec_from_file") {
		t.Errorf("serve ran on its own sandbox or showed the secret:\n%s", s)
	}
}
