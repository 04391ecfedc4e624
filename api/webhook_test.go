package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type vectorFile struct {
	Secret string `json:"secret"`
	Cases  []struct {
		Name               string `json:"name"`
		RawBody            string `json:"raw_body"`
		CobaltVerification string `json:"cobalt_verification"`
		Valid              bool   `json:"valid"`
	} `json:"cases"`
}

func loadVectors(t *testing.T) (vectorFile, []byte) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "webhook-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 || v.Secret == "" {
		t.Fatal("no vectors")
	}
	return v, raw
}

// Every vector Node.js produced agrees with Verify.
func TestWebhookVectors(t *testing.T) {
	v, _ := loadVectors(t)
	for _, c := range v.Cases {
		if got := Verify([]byte(c.RawBody), c.CobaltVerification, v.Secret); got != c.Valid {
			t.Errorf("%s: Verify = %v, want %v", c.Name, got, c.Valid)
		}
		// Rotation: the right secret second still verifies.
		if got := Verify([]byte(c.RawBody), c.CobaltVerification, "whsec_old", v.Secret); got != c.Valid {
			t.Errorf("%s with two secrets: Verify = %v, want %v", c.Name, got, c.Valid)
		}
	}
}

// The repository's copy is the one in ../shared (the repo root's sibling).
func TestWebhookVectorsMatchShared(t *testing.T) {
	_, local := loadVectors(t)
	shared, err := os.ReadFile(filepath.Join("..", "..", "shared", "cobalt", "webhook-vectors.json"))
	if os.IsNotExist(err) {
		t.Skip("../shared/cobalt/webhook-vectors.json is absent: only the testdata copy was checked")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(local, shared) {
		t.Fatal("testdata/webhook-vectors.json differs from ../shared/cobalt/webhook-vectors.json")
	}
}

func TestVerifyEdges(t *testing.T) {
	body := []byte(`{"a":1}`)
	sig := Sign(body, "s1")
	for name, tc := range map[string]struct {
		sig     string
		secrets []string
		want    bool
	}{
		"right":            {sig, []string{"s1"}, true},
		"upper and spaces": {" " + strings.ToUpper(sig) + "\n", []string{"s1"}, true},
		"rotation":         {sig, []string{"s0", "s1"}, true},
		"wrong secret":     {sig, []string{"s2"}, false},
		"no secret":        {sig, nil, false},
		"empty secret":     {Sign(body, ""), []string{""}, false},
		"not hex":          {"zz" + sig[2:], []string{"s1"}, false},
		"too long":         {sig + "00", []string{"s1"}, false},
		"empty":            {"", []string{"s1"}, false},
	} {
		if got := Verify(body, tc.sig, tc.secrets...); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	// Signed over the JS form, sent pretty: verifies; tampered: does not.
	pretty := []byte("{\n  \"a\": 1.0,\n  \"b\": \"\\u00e9\"\n}")
	js := Sign([]byte(`{"a":1,"b":"é"}`), "s1")
	if !Verify(pretty, js, "s1") || Verify(bytes.Replace(pretty, []byte("1.0"), []byte("2.0"), 1), js, "s1") {
		t.Error("JSON.stringify form not checked correctly")
	}
}

func signedEvent(t *testing.T, typ, id string) []byte {
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "job_id": "12345",
		"created": "2026-03-10T10:30:00.000Z", "data": map[string]any{"referral_id": "r1", "patient_mrn": "1234567"}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookHandlerAnswers(t *testing.T) {
	events := make(chan Event, 4)
	h := &WebhookHandler{Secrets: func() []string { return []string{"old", "new"} }, OnEvent: func(ev Event) { events <- ev }}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(method string, body []byte, sig string, hdr map[string]string) int {
		req, _ := http.NewRequest(method, srv.URL+WebhookPath, bytes.NewReader(body))
		if sig != "" {
			req.Header.Set(HeaderVerification, sig)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	created := signedEvent(t, EventReferralCreated, "ev-1")
	big := append(bytes.Repeat([]byte(" "), MaxWebhookBytes), created...)
	malformed := []byte(`{"id":"x","type":"referral.created",`)
	cases := []struct {
		name   string
		method string
		body   []byte
		sig    string
		want   int
	}{
		{"GET", http.MethodGet, nil, "", 405},
		{"too large", http.MethodPost, big, Sign(big, "new"), 413},
		{"no signature", http.MethodPost, created, "", 401},
		{"bad signature", http.MethodPost, created, Sign(created, "other"), 401},
		{"malformed but signed", http.MethodPost, malformed, Sign(malformed, "new"), 400},
		{"other type", http.MethodPost, signedEvent(t, "patient.updated", "ev-2"), Sign(signedEvent(t, "patient.updated", "ev-2"), "new"), 200},
		{"referral, old secret", http.MethodPost, created, Sign(created, "old"), 200},
	}
	for _, c := range cases {
		if got := post(c.method, c.body, c.sig, nil); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	select {
	case ev := <-events:
		if ev.ID != "ev-1" || ev.Type != EventReferralCreated || ev.JobID != "12345" {
			t.Errorf("OnEvent got %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnEvent not called")
	}
	// No envelope id: the unsigned webhook-id header does not name the
	// event (the desk keys it by its signed content).
	noID := signedEvent(t, EventReferralFailed, "")
	if got := post(http.MethodPost, noID, Sign(noID, "new"), map[string]string{HeaderWebhookID: "hdr-7"}); got != 200 {
		t.Fatalf("no id: %d", got)
	}
	if ev := <-events; ev.ID != "" || ev.Type != EventReferralFailed {
		t.Errorf("an event without an id got %+v: the webhook-id header is not signed", ev)
	}
	select {
	case ev := <-events:
		t.Errorf("unexpected event %+v (ignored types must not reach OnEvent)", ev)
	default:
	}
}

// The answer does not wait for OnEvent.
func TestWebhookHandlerAnswersBeforeOnEvent(t *testing.T) {
	release, called := make(chan struct{}), make(chan struct{})
	h := &WebhookHandler{Secrets: func() []string { return []string{"s"} },
		OnEvent: func(Event) { close(called); <-release }}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := signedEvent(t, EventReferralCreated, "ev-9")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+WebhookPath, bytes.NewReader(body))
	req.Header.Set(HeaderVerification, Sign(body, "s"))
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err) // a blocked answer times out here
	}
	resp.Body.Close()
	close(release)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	select {
	case <-called:
	case <-time.After(5 * time.Second):
		t.Fatal("OnEvent not called")
	}
}

func TestWebhookHandlerNoSecret(t *testing.T) {
	rec := httptest.NewRecorder()
	body := signedEvent(t, EventReferralCreated, "e")
	req := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
	req.Header.Set(HeaderVerification, Sign(body, ""))
	(&WebhookHandler{Secrets: func() []string { return []string{""} }}).ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestNewWebhookServerTimeouts(t *testing.T) {
	s := NewWebhookServer("127.0.0.1:0", http.NewServeMux())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.ReadTimeout > 30*time.Second {
		t.Fatalf("timeouts %+v", s)
	}
}

// Finding 1 of issue 19: what a forged body may cost. A body past
// MaxCanonicalBytes verifies only as sent; one past MaxJSONValues values is
// not canonicalised; a canonical body never waits for a canonicalisation
// slot, and the others do.
func TestVerifyBounds(t *testing.T) {
	pretty := func(n int) []byte { // n values, not in canonical form
		return []byte("[ " + strings.Repeat("0, ", n-2) + "0 ]")
	}
	for _, c := range []struct {
		name string
		body []byte
		want bool
	}{
		{"values at the bound", pretty(MaxJSONValues), true},
		{"one value past the bound", pretty(MaxJSONValues + 1), false},
		{"bytes at the bound", []byte(`"` + strings.Repeat(`\u0061`, (MaxCanonicalBytes-2)/6) + `"` + strings.Repeat(" ", (MaxCanonicalBytes-2)%6)), true},
		{"one byte past the bound", []byte(`"` + strings.Repeat(`\u0061`, (MaxCanonicalBytes-2)/6) + `"` + strings.Repeat(" ", (MaxCanonicalBytes-2)%6+1)), false},
	} {
		js, err := JSStringify(c.body)
		if err != nil && c.want {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err == nil && bytes.Equal(js, c.body) {
			t.Fatalf("%s: the body is canonical, so it proves nothing", c.name)
		}
		if got := Verify(c.body, Sign(js, "s"), "s"); got != c.want {
			t.Errorf("%s (%d bytes): canonical signature verifies = %v, want %v", c.name, len(c.body), got, c.want)
		}
		if !Verify(c.body, Sign(c.body, "s"), "s") {
			t.Errorf("%s: the raw signature did not verify", c.name)
		}
	}
	if _, err := JSStringify(pretty(MaxJSONValues + 1)); err == nil || !strings.Contains(err.Error(), "too many values") {
		t.Errorf("JSStringify past MaxJSONValues: %v", err)
	}
}

func TestWebhookHandlerCanonicalSlots(t *testing.T) {
	h := &WebhookHandler{Secrets: func() []string { return []string{"s"} }}
	var releases []func()
	for range MaxConcurrentCanonical {
		release, ok := h.canonicalSlot(t.Context())
		if !ok {
			t.Fatal("a free slot was refused")
		}
		releases = append(releases, release)
	}
	compact := signedEvent(t, EventReferralCreated, "ev-c")
	pretty := append([]byte(" "), compact...)
	post := func(body []byte, sig string, timeout time.Duration) int {
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		rec := httptest.NewRecorder()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, WebhookPath, bytes.NewReader(body))
		req.Header.Set(HeaderVerification, sig)
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// Every slot taken: a canonical body still verifies at once, a
	// non-canonical one waits and gives up with its request.
	if code := post(compact, Sign(compact, "s"), time.Minute); code != http.StatusOK {
		t.Fatalf("canonical body with every slot taken: %d", code)
	}
	if code := post(pretty, Sign(compact, "s"), 50*time.Millisecond); code != http.StatusUnauthorized {
		t.Fatalf("non-canonical body with every slot taken: %d, want 401 once the request ends", code)
	}
	for _, r := range releases {
		r()
	}
	if code := post(pretty, Sign(compact, "s"), time.Minute); code != http.StatusOK {
		t.Fatalf("non-canonical body with a free slot: %d", code)
	}
}
