package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
)

// env is a sandbox behind a real HTTP server (the test rig's).
type env struct {
	t      *testing.T
	sb     *sandbox.Server
	url    string
	client *api.Client
}

func start(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	rig := sandboxtest.Start(t, sandboxtest.Options{Sandbox: opts})
	return &env{t: t, sb: rig.Sandbox, url: rig.API.URL, client: rig.Client}
}

// quick is a sandbox whose jobs end fast and always succeed.
func quick(t *testing.T, opts sandbox.Options) *env {
	opts.DelayMin, opts.DelayMax = 5*time.Millisecond, 20*time.Millisecond
	if opts.FailureRate == nil {
		opts.FailureRate = sandbox.Rate(0)
	}
	return start(t, opts)
}

// call sends a request with the sandbox's credentials; body may be nil, a
// string (sent verbatim) or a value to encode.
func (e *env) call(method, path string, body any) (int, []byte) {
	e.t.Helper()
	return e.callAs(method, path, body, map[string]string{
		"client_id": "sandbox", "client_secret": "sandbox", "access_token": "sandbox"})
}

func (e *env) callAs(method, path string, body any, hdr map[string]string) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// decode unmarshals b into a generic map, numbers kept as json.Number.
func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return m
}

// wantError checks a Cobalt error answer: status and exact message.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantMsg string) {
	t.Helper()
	m := decode(t, body)
	if status != wantStatus || m["success"] != false || m["message"] != wantMsg {
		t.Errorf("got %d %s\nwant %d message %q", status, body, wantStatus, wantMsg)
	}
}

// delivery is one webhook request as a receiver saw it.
type delivery struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a webhook endpoint answering with statuses in turn (200
// once they run out) and recording every request.
type receiver struct {
	url string
	mu  sync.Mutex
	got []delivery
	ch  chan delivery
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{ch: make(chan delivery, 100)}
	n := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		d := delivery{header: req.Header.Clone(), body: b, at: time.Now()}
		r.mu.Lock()
		r.got = append(r.got, d)
		status := http.StatusOK
		if n < len(statuses) {
			status = statuses[n]
		}
		n++
		r.mu.Unlock()
		w.WriteHeader(status)
		r.ch <- d
	}))
	t.Cleanup(ts.Close)
	r.url = ts.URL
	return r
}

// next waits for the next delivery.
func (r *receiver) next(t *testing.T, within time.Duration) delivery {
	t.Helper()
	select {
	case d := <-r.ch:
		return d
	case <-time.After(within):
		t.Fatalf("no webhook within %v", within)
	}
	return delivery{}
}

// none checks that no delivery comes within d.
func (r *receiver) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case got := <-r.ch:
		t.Fatalf("unexpected webhook: %s", got.body)
	case <-time.After(d):
	}
}

// exampleBody is the page's "Example Request" body, verbatim.
const exampleBody = `{
    "patient_mrn": "1234567",
    "referring_from_provider_ehr_id": "PROV-001",
    "referring_to_provider_ehr_id": "PROV-002",
    "direction": "outgoing",
    "priority": "urgent",
    "reason": "Cardiology consultation",
    "diagnosis_codes": ["I10", "Z87.39"]
}`

// body builds a valid outgoing referral, changed by edit.
func body(edit func(m map[string]any)) map[string]any {
	m := map[string]any{
		"patient_mrn": "1234567", "referring_from_provider_ehr_id": "PROV-001",
		"referring_to_provider_ehr_id": "PROV-002", "direction": "outgoing",
		"priority": "routine", "reason": "Dermatology referral",
	}
	if edit != nil {
		edit(m)
	}
	return m
}

// post creates a referral that must be accepted and returns its ids.
func (e *env) post(b any) (referralID, jobID string) {
	e.t.Helper()
	status, out := e.call("POST", "/v1/referrals", b)
	if status != 200 {
		e.t.Fatalf("POST /v1/referrals: %d %s", status, out)
	}
	m := decode(e.t, out)
	return m["referral_id"].(string), string(m["job_id"].(json.Number))
}
