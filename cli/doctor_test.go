package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"refdesk/api"
)

type doctorJSON struct {
	OK     bool
	Checks []check
}

func runDoctorJSON(t *testing.T, env []string, args ...string) (int, map[string]check, string) {
	t.Helper()
	code, out, errs := run(t, env, append([]string{"doctor", "--json"}, args...)...)
	var rep doctorJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, out, errs)
	}
	byName := map[string]check{}
	for _, c := range rep.Checks {
		byName[c.Name] = c
	}
	if rep.OK != (code == ExitOK) {
		t.Errorf("ok %v but exit %d", rep.OK, code)
	}
	return code, byName, out
}

func TestDoctorAllPassOnAWorkingSetUp(t *testing.T) {
	sb, base := setupSandbox(t)
	// refdesk's own receiver, standing in for serve at the public URL.
	recv := httptest.NewServer(receiverMuxForTest())
	t.Cleanup(recv.Close)
	hook := recv.URL + api.WebhookPath
	reg := sb.RegisterWebhook(hook, "")
	dir := t.TempDir()
	if err := writeCredentials(dir, Credentials{ClientID: setupID, ClientSecret: setupSecret, AccessToken: setupToken, WebhookSecret: reg.Secret}); err != nil {
		t.Fatal(err)
	}
	if err := writeSettings(dir, Settings{BaseURL: base, WebhookURL: hook, WebhookID: reg.ID}); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, nil, "sync", "--data-dir", dir); code != ExitOK {
		t.Fatalf("sync: %d %s", code, errs)
	}
	code, checks, out := runDoctorJSON(t, nil, "--data-dir", dir)
	for _, name := range []string{"settings", "data directory", "directories", "clock", "credentials", "cobalt", "webhook", "webhook reachable"} {
		if checks[name].Status != "ok" {
			t.Errorf("check %q: %+v", name, checks[name])
		}
	}
	if code != ExitOK && checks["disk space"].Status != "fail" {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(checks["cobalt"].Detail, "150 providers") || !strings.Contains(checks["webhook reachable"].Detail, "405") {
		t.Errorf("details: %+v / %+v", checks["cobalt"], checks["webhook reachable"])
	}
	for _, s := range []string{setupSecret, setupToken, reg.Secret} {
		if strings.Contains(out, s) {
			t.Errorf("doctor shows a secret %.8s…", s)
		}
	}
	// Read-only: nothing registered, nothing removed.
	if regs := sb.Webhooks(); len(regs) != 1 || regs[0].ID != reg.ID {
		t.Errorf("doctor changed the registrations: %+v", regs)
	}
}

func receiverMuxForTest() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+api.WebhookPath, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) })
	return mux
}

func TestDoctorFailuresSayWhatToDo(t *testing.T) {
	_, base := setupSandbox(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeCredentials(dir, Credentials{ClientID: setupID, ClientSecret: "cs_wrong", AccessToken: setupToken}); err != nil {
		t.Fatal(err)
	}
	if err := writeSettings(dir, Settings{BaseURL: base, WebhookURL: "https://127.0.0.1:1/webhooks/cobalt"}); err != nil {
		t.Fatal(err)
	}
	code, checks, _ := runDoctorJSON(t, nil, "--data-dir", dir)
	if code != ExitFailed {
		t.Errorf("exit %d, want %d", code, ExitFailed)
	}
	want := map[string]string{
		"data directory": "chmod -R go=",
		"directories":    "refdesk sync",
		"cobalt":         "Invalid client_id or client_secret.",
	}
	for name, sub := range want {
		if c := checks[name]; c.Status != "fail" || !strings.Contains(c.Detail, sub) {
			t.Errorf("check %q: %+v, want a failure saying %q", name, c, sub)
		}
	}
	if checks["webhook"].Status != "skip" {
		t.Errorf("webhook with refused credentials: %+v", checks["webhook"])
	}

	// Right credentials, but the URL is not registered and answers nothing.
	if err := writeCredentials(dir, Credentials{ClientID: setupID, ClientSecret: setupSecret, AccessToken: setupToken, WebhookSecret: "whsec_x"}); err != nil {
		t.Fatal(err)
	}
	if err := writeSettings(dir, Settings{BaseURL: base}); err != nil {
		t.Fatal(err)
	}
	_, checks, _ = runDoctorJSON(t, nil, "--data-dir", dir)
	if c := checks["webhook"]; c.Status != "fail" || !strings.Contains(c.Detail, "--webhook-url") {
		t.Errorf("no webhook URL anywhere: %+v", c)
	}
	_, checks, _ = runDoctorJSON(t, nil, "--data-dir", dir, "--webhook-url", "https://127.0.0.1:1/webhooks/cobalt")
	if c := checks["webhook"]; c.Status != "fail" || !strings.Contains(c.Detail, "not registered") {
		t.Errorf("webhook: %+v", c)
	}
	if c := checks["webhook reachable"]; c.Status != "fail" || !strings.Contains(c.Detail, "does not answer from here") {
		t.Errorf("webhook reachable: %+v", c)
	}
}

func TestDoctorClockSkew(t *testing.T) {
	skewed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", time.Now().Add(-10*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(401)
	}))
	t.Cleanup(skewed.Close)
	rep := &doctorReport{}
	checkClock(t.Context(), skewed.URL+"/v1", rep)
	if len(rep.Checks) != 1 || rep.Checks[0].Status != "fail" || !strings.Contains(rep.Checks[0].Detail, "clock is 10m") {
		t.Errorf("clock 10 minutes off: %+v", rep.Checks)
	}
}
