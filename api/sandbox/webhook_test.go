package sandbox_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"refdesk/api/sandbox"
)

const secret = "whsec_test_secret"

func sign(body []byte, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// withHook is a quick sandbox delivering to a receiver.
func withHook(t *testing.T, opts sandbox.Options, statuses ...int) (*env, *receiver) {
	r := newReceiver(t, statuses...)
	opts.WebhookURL, opts.WebhookSecret = r.url, secret
	return quick(t, opts), r
}

var (
	dashedUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	isoMs      = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

// A referral.created webhook arrives signed, with the documented headers
// and envelope, and no document counts when no documents were sent.
func TestWebhookSignedCreated(t *testing.T) {
	e, r := withHook(t, sandbox.Options{})
	refID, jobID := e.post(exampleBody)
	d := r.next(t, 5*time.Second)
	if got := d.header.Get("Cobalt-Verification"); got != sign(d.body, secret) {
		t.Fatalf("signature %q does not sign the body", got)
	}
	if d.header.Get("Content-Type") != "application/json" || d.header.Get("webhook-attempt") != "1" ||
		!isoMs.MatchString(d.header.Get("webhook-timestamp")) {
		t.Fatalf("headers: %v", d.header)
	}
	// Field order, types and values as the page's sample.
	want := fmt.Sprintf(`^\{"id":"%s","access_token_reference_id":"atr_[0-9a-f]{16}","object":"event","created":"[^"]+","type":"referral.created","job_id":"%s","data":\{"referral_id":"%s","ehr_id":"REF-\d{7}","patient_mrn":"1234567","from_provider_ehr_id":"PROV-001","to_provider_ehr_id":"PROV-002","direction":"outgoing"\}\}$`,
		d.header.Get("webhook-id"), jobID, refID)
	if !regexp.MustCompile(want).Match(d.body) {
		t.Fatalf("body %s\ndoes not match %s", d.body, want)
	}
	var env struct{ ID, Created string }
	_ = json.Unmarshal(d.body, &env)
	if !dashedUUID.MatchString(env.ID) || !isoMs.MatchString(env.Created) {
		t.Fatalf("id %q / created %q", env.ID, env.Created)
	}
	r.none(t, 100*time.Millisecond)
}

// The envelope is written as JSON.stringify writes it: the sandbox's
// encoding of the vector's event signs to Node's signature.
func TestEnvelopeMatchesNodeVector(t *testing.T) {
	raw, err := os.ReadFile("../../../shared/cobalt/webhook-vectors.json")
	if err != nil {
		t.Skip("../shared/cobalt/webhook-vectors.json absent:", err)
	}
	var v struct {
		Secret string
		Cases  []struct {
			Name               string
			RawBody            string `json:"raw_body"`
			CobaltVerification string `json:"cobalt_verification"`
		}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range v.Cases {
		if c.Name != "created-compact" && c.Name != "failed-compact" && c.Name != "unicode-literal" {
			continue
		}
		n++
		body := sandbox.EncodeEventForTest([]byte(c.RawBody))
		if string(body) != c.RawBody || sign(body, v.Secret) != c.CobaltVerification {
			t.Errorf("%s: re-encoded %s\nwant %s", c.Name, body, c.RawBody)
		}
	}
	if n != 3 {
		t.Fatalf("found %d of the 3 compact vectors", n)
	}
}

func TestWebhookFailedAndDocuments(t *testing.T) {
	e, r := withHook(t, sandbox.Options{FailureRate: sandbox.Rate(1)})
	e.post(exampleBody)
	var data struct {
		FailureReason string  `json:"failure_reason"`
		EHRID         *string `json:"ehr_id"`
	}
	var ev struct {
		Type string
		Data json.RawMessage
	}
	_ = json.Unmarshal(r.next(t, 5*time.Second).body, &ev)
	_ = json.Unmarshal(ev.Data, &data)
	if ev.Type != "referral.failed" || !strings.Contains(data.FailureReason, "eCW") || data.EHRID != nil {
		t.Fatalf("failed event: %s", ev.Data)
	}

	e.sb.SetFailureRate(0)
	good := "JVBERi0xLjQK"
	e.post(body(func(m map[string]any) {
		m["documents"] = []map[string]string{{"filename": "a.pdf", "content_base64": good},
			{"filename": "will-fail.pdf", "content_base64": good}, {"filename": "c.png", "content_base64": good}}
	}))
	_ = json.Unmarshal(r.next(t, 5*time.Second).body, &ev)
	if !strings.HasSuffix(string(ev.Data), `"direction":"outgoing","documents_attached":2,"documents_failed":1}`) {
		t.Fatalf("document counts: %s", ev.Data)
	}
	if st := e.sb.Stats(); st.Created != 1 || st.Failed != 1 || st.Events != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// Retries: once, a second later, on 5xx and 429; never on other 4xx.
func TestWebhookRetry(t *testing.T) {
	cases := []struct {
		statuses []int
		attempts int
		status   string
	}{
		{[]int{503}, 2, "success"},
		{[]int{500, 500, 500}, 2, "failed"},
		{[]int{429}, 2, "success"},
		{[]int{400}, 1, "failed"},
		{[]int{404}, 1, "failed"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.statuses), func(t *testing.T) {
			e, r := withHook(t, sandbox.Options{}, c.statuses...)
			_, job := e.post(exampleBody)
			first := r.next(t, 5*time.Second)
			if c.attempts == 2 {
				second := r.next(t, 3*time.Second)
				if gap := second.at.Sub(first.at); gap < 900*time.Millisecond || gap > 2*time.Second {
					t.Errorf("retry after %v, want about 1s", gap)
				}
				if second.header.Get("webhook-attempt") != "2" || second.header.Get("webhook-id") != first.header.Get("webhook-id") ||
					string(second.body) != string(first.body) {
					t.Errorf("retry differs: %v", second.header)
				}
			}
			r.none(t, 1300*time.Millisecond)
			if got := eventStatus(t, e, job); got != c.status {
				t.Errorf("delivery_status %q, want %q", got, c.status)
			}
		})
	}
}

// A network error is retried once too.
func TestWebhookRetryNetworkError(t *testing.T) {
	e := quick(t, sandbox.Options{WebhookURL: "http://127.0.0.1:1/hook", WebhookSecret: secret})
	_, job := e.post(exampleBody)
	deadline := time.Now().Add(5 * time.Second)
	for len(e.sb.Events()) == 0 || eventStatus(t, e, job) != "failed" {
		if time.Now().After(deadline) {
			t.Fatal("no failed delivery recorded")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := e.sb.Stats().DeliveryAttempts; n != 2 {
		t.Fatalf("attempts = %d, want 2", n)
	}
}

// eventStatus polls GET /v1/webhook-events?job_id= for the delivery status.
func eventStatus(t *testing.T, e *env, job string) string {
	t.Helper()
	status, out := e.call("GET", "/v1/webhook-events?job_id="+job, nil)
	var got struct {
		Events []struct {
			DeliveryStatus string `json:"delivery_status"`
		}
	}
	if err := json.Unmarshal(out, &got); status != 200 || err != nil || len(got.Events) != 1 {
		t.Fatalf("events for job %s: %d %s", job, status, out)
	}
	return got.Events[0].DeliveryStatus
}

func TestDropAndDuplicate(t *testing.T) {
	e, r := withHook(t, sandbox.Options{Faults: sandbox.Faults{DropWebhooks: 1}})
	_, job := e.post(exampleBody)
	r.none(t, 300*time.Millisecond)
	if got := eventStatus(t, e, job); got != "failed" {
		t.Fatalf("dropped event status %q", got)
	}
	e.sb.SetFaults(sandbox.Faults{DuplicateWebhooks: 1})
	e.post(exampleBody)
	a, b := r.next(t, 5*time.Second), r.next(t, 5*time.Second)
	if a.header.Get("webhook-id") != b.header.Get("webhook-id") || string(a.body) != string(b.body) {
		t.Fatal("duplicate differs")
	}
	r.none(t, 200*time.Millisecond)
}

// With EarlyWebhooks the webhook has arrived before the POST's answer.
func TestEarlyWebhook(t *testing.T) {
	e, r := withHook(t, sandbox.Options{Faults: sandbox.Faults{EarlyWebhooks: 1}})
	e.sb.SetDelay(time.Hour, time.Hour) // only an early delivery can arrive
	refID, _ := e.post(exampleBody)
	select {
	case d := <-r.ch:
		if !strings.Contains(string(d.body), refID) {
			t.Fatalf("early webhook for another referral: %s", d.body)
		}
	default:
		t.Fatal("the POST answered before the webhook was delivered")
	}
}

// With ReorderWebhooks a job's event comes after the next job's.
func TestReorder(t *testing.T) {
	e, r := withHook(t, sandbox.Options{Faults: sandbox.Faults{ReorderWebhooks: 1}})
	_, jobA := e.post(exampleBody)
	for len(e.sb.Events()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	r.none(t, 100*time.Millisecond) // A is held
	_, jobB := e.post(exampleBody)
	first, second := r.next(t, 5*time.Second), r.next(t, 5*time.Second)
	if !strings.Contains(string(first.body), `"job_id":"`+jobB+`"`) || !strings.Contains(string(second.body), `"job_id":"`+jobA+`"`) {
		t.Fatalf("order: %s then %s", first.body, second.body)
	}
}

// Close stops pending jobs promptly.
func TestCloseStopsJobs(t *testing.T) {
	e := start(t, sandbox.Options{DelayMin: time.Hour, DelayMax: time.Hour})
	e.post(exampleBody)
	done := make(chan struct{})
	go func() { e.sb.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return")
	}
}

// A receiver slower than Cobalt's 5 s timeout gets no retry.
func TestWebhookNoRetryOnTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 5 s delivery timeout")
	}
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(7 * time.Second):
		}
	}))
	defer slow.Close()
	defer close(release)
	e := quick(t, sandbox.Options{WebhookURL: slow.URL, WebhookSecret: secret})
	_, job := e.post(exampleBody)
	time.Sleep(5*time.Second + 1500*time.Millisecond) // timeout, then a retry would have come
	if got := eventStatus(t, e, job); got != "failed" {
		t.Fatalf("status %q", got)
	}
	if n := e.sb.Stats().DeliveryAttempts; n != 1 {
		t.Fatalf("attempts = %d, want 1", n)
	}
}

// Concurrent POSTs: every one gets its own job and exactly one event.
func TestConcurrentReferrals(t *testing.T) {
	e, r := withHook(t, sandbox.Options{})
	const n = 40
	jobs := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, job := e.post(exampleBody)
			jobs <- job
		})
	}
	wg.Wait()
	close(jobs)
	seen := map[string]bool{}
	for j := range jobs {
		seen[j] = true
	}
	for range n {
		r.next(t, 10*time.Second)
	}
	r.none(t, 100*time.Millisecond)
	if st := e.sb.Stats(); len(seen) != n || st.Referrals != n || st.Events != n || st.Created != n {
		t.Fatalf("%d distinct jobs, stats %+v", len(seen), st)
	}
}
