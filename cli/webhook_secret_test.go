package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/internal/testkit"
	"refdesk/state"
)

// smallSandbox is a Cobalt account (the sandbox over HTTP) small enough to
// sync at once.
func smallSandbox(t *testing.T) (*sandbox.Server, []string) {
	return externalSandbox(t, sandbox.Options{Providers: 5, ReferringProviders: 10, Patients: 10,
		FailureRate: sandbox.Rate(0), DelayMin: 20 * time.Millisecond, DelayMax: 50 * time.Millisecond})
}

// postEvent posts a referral event for a referral nobody has, signed with
// secret, and returns the status and body.
func postEvent(t *testing.T, url, secret string) (int, string) {
	t.Helper()
	body := []byte(`{"id":"evt_cli_` + secret + `","object":"event","type":"referral.failed","job_id":"job_nobody",` +
		`"data":{"referral_id":"ref_nobody","failure_reason":"x"}}`)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(api.HeaderVerification, api.Sign(body, secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Without COBALT_WEBHOOK_SECRET, serve starts (it used to refuse), its
// receiver answers 503 saying what to do, and GET /healthz still answers.
func TestServeStartsWithoutWebhookSecret(t *testing.T) {
	_, env := smallSandbox(t)
	keys := writeFile(t, "authorized_keys", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs testkit.Buffer
	done := make(chan int, 1)
	go func() {
		done <- runServe(IO{Env: env, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs, ctx: ctx},
			[]string{"--ssh-addr", "127.0.0.1:0", "--webhook-addr", "127.0.0.1:0", "--authorized-keys", keys,
				"--memory-limit-mb", "0", "--documents-dir", t.TempDir()})
	}()
	addr := regexp.MustCompile(`webhooks at (\S+)/webhooks/cobalt`)
	deadline := time.Now().Add(30 * time.Second)
	var m []string
	for m = addr.FindStringSubmatch(out.String()); m == nil; m = addr.FindStringSubmatch(out.String()) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d without a webhook secret:\n%s%s", code, out.String(), errs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s%s", out.String(), errs.String())
		}
	}
	if !strings.Contains(out.String(), "referrals complete by polling") {
		t.Errorf("serve does not say completion comes by polling:\n%s", out.String())
	}
	code, body := postEvent(t, "http://"+m[1]+api.WebhookPath, "whsec_anything")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "COBALT_WEBHOOK_SECRET") || !strings.Contains(body, "polling") {
		t.Errorf("a delivery without a configured secret: %d %q, want 503 naming COBALT_WEBHOOK_SECRET and polling", code, body)
	}
	resp, err := http.Get("http://" + m[1] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("serve exited %d on shutdown:\n%s", code, errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// openTestBackend opens the backend serve uses against env's account, with
// a webhook receiver on loopback.
func openTestBackend(t *testing.T, env []string) (*backend, error) {
	t.Helper()
	b, err := openBackend(t.Context(), loadConfig(env), backendOptions{WebhookAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		t.Cleanup(b.Close)
	}
	return b, err
}

// With a receiver but no secret, a referral still completes: by polling.
func TestNoWebhookSecretCompletesByPolling(t *testing.T) {
	sb, env := smallSandbox(t)
	b, err := openTestBackend(t, env)
	if err != nil {
		t.Fatalf("a receiver without a secret: %v", err)
	}
	if !strings.Contains(b.completions(), "polling") || !strings.Contains(b.completions(), "COBALT_WEBHOOK_SECRET") {
		t.Errorf("the header says %q", b.completions())
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go b.desk.Reconcile(ctx)
	if _, err := b.desk.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	dir := sb.Directory()
	r, err := b.desk.Submit(ctx, "front1", state.ReferralInput{PatientMRN: dir.Patient(1).MRN, Direction: api.DirectionOutgoing,
		FromEHRID: dir.Provider(0).EHRID, ToEHRID: dir.ReferringProvider(1).EHRID, Priority: api.PriorityRoutine,
		Reason: "Polling test", DiagnosisCodes: []string{"I10"}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _, err := b.desk.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == state.Completed {
			return
		}
		if got.Status.Terminal() || time.Now().After(deadline) {
			t.Fatalf("referral %s, want completed by polling", got.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// COBALT_WEBHOOK_SECRET may hold two secrets during a rotation (comma or
// space between them): deliveries signed with either are accepted, with a
// third refused; three secrets are a configuration error.
func TestWebhookSecretRotation(t *testing.T) {
	for _, v := range []string{"whsec_old,whsec_new", " whsec_old , whsec_new ", "whsec_old whsec_new"} {
		_, env := smallSandbox(t)
		b, err := openTestBackend(t, append(env, "COBALT_WEBHOOK_SECRET="+v))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		url := "http://" + b.webhookAddr + api.WebhookPath
		for secret, want := range map[string]int{"whsec_old": 200, "whsec_new": 200, "whsec_other": 401, "whsec_old,whsec_new": 401} {
			if code, body := postEvent(t, url, secret); code != want {
				t.Errorf("COBALT_WEBHOOK_SECRET=%q, signed with %q: %d %q, want %d", v, secret, code, body, want)
			}
		}
	}
	_, env := smallSandbox(t)
	env = append(env, "COBALT_WEBHOOK_SECRET=a,b,c")
	if _, err := openTestBackend(t, env); err == nil || !strings.Contains(err.Error(), "two") {
		t.Errorf("three secrets: %v, want an error saying at most two", err)
	}
	code, _, errs := run(t, append(env, "REFDESK_DATA_DIR="+t.TempDir()), "serve", "--memory-limit-mb", "0")
	if code != ExitUsage || !strings.Contains(errs, "COBALT_WEBHOOK_SECRET holds 3 secrets") {
		t.Errorf("serve with three secrets: exit %d %q", code, errs)
	}
}

// serve --sandbox (and every command on the embedded sandbox) keeps the
// sandbox's webhook secret and registrations in-process: a local process
// with the well-known sandbox credentials, or even with the process's own,
// cannot read, add or delete them over the sandbox's loopback port.
func TestEmbeddedSandboxKeepsWebhooksInProcess(t *testing.T) {
	env := []string{"REFDESK_DATA_DIR=" + t.TempDir(), "HOME=" + t.TempDir()}
	b, err := openTestBackend(t, env)
	if err != nil {
		t.Fatal(err)
	}
	hooks := b.sandbox.Webhooks()
	if len(hooks) != 1 || hooks[0].Secret == "" {
		t.Fatalf("the embedded sandbox has registrations %d", len(hooks))
	}
	id, sec, tok := b.sandbox.Credentials()
	for _, creds := range [][3]string{{"sandbox", "sandbox", "sandbox"}, {id, sec, tok}} {
		for _, c := range []struct{ method, path, body string }{
			{http.MethodGet, "/v1/webhook", ""},
			{http.MethodPost, "/v1/webhook", `{"webhook_url":"http://127.0.0.1:9/steal"}`},
			{http.MethodDelete, "/v1/webhook/" + hooks[0].ID, ""},
		} {
			req, err := http.NewRequest(c.method, b.sandboxURL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("client_id", creds[0])
			req.Header.Set("client_secret", creds[1])
			req.Header.Set("access_token", creds[2])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 400 || strings.Contains(string(body), hooks[0].Secret) || strings.Contains(string(body), hooks[0].URL) {
				t.Errorf("%s %s as %s: %d %s", c.method, c.path, creds[0], resp.StatusCode, body)
			}
		}
	}
	if after := b.sandbox.Webhooks(); len(after) != 1 || after[0] != hooks[0] {
		t.Errorf("the registrations changed over HTTP: %+v", after)
	}
	// The well-known credentials open nothing else either.
	req, err := http.NewRequest(http.MethodGet, b.sandboxURL+"/v1/referrals", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("client_id", "sandbox")
	req.Header.Set("client_secret", "sandbox")
	req.Header.Set("access_token", "sandbox")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /v1/referrals with the well-known credentials: %d, want 401", resp.StatusCode)
	}
}
