package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newTestClient returns a client for srv with fast retries.
func newTestClient(srv *httptest.Server, mod ...func(*Config)) *Client {
	cfg := Config{
		BaseURL: srv.URL + "/v1", ClientID: "ci_test", ClientSecret: "cs_test", AccessToken: "at_test",
		UserAgent: "refdesk/1.2.3", RetryBaseDelay: time.Millisecond,
	}
	for _, m := range mod {
		m(&cfg)
	}
	return New(cfg)
}

// answer returns a handler that writes status and body as JSON.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestAuthHeadersAndUserAgent(t *testing.T) {
	var got http.Header
	var path, query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, path, query = r.Header.Clone(), r.URL.Path, r.URL.RawQuery
		answer(200, `{"success":true,"referring_providers":[]}`)(w, r)
	}))
	defer srv.Close()
	_, err := newTestClient(srv).ReferringProviders(context.Background(), ReferringProviderQuery{LastName: "Alv", NPI: "1234567890"})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"client_id": "ci_test", "client_secret": "cs_test",
		"access_token": "at_test", "User-Agent": "refdesk/1.2.3"} {
		if g := got.Get(k); g != want {
			t.Errorf("header %s = %q, want %q", k, g, want)
		}
	}
	if path != "/v1/referring-providers" || query != "last_name=Alv&npi=1234567890" {
		t.Errorf("request %s?%s", path, query)
	}
	if ua := New(Config{}).cfg.UserAgent; !strings.HasPrefix(ua, "refdesk/") {
		t.Errorf("default User-Agent %q", ua)
	}
}

// The page's error examples, each decoded with Cobalt's message verbatim.
func TestErrorExamplesVerbatim(t *testing.T) {
	cases := []struct {
		status int
		msg    string
	}{
		{400, "Missing required fields: patient_mrn, reason."},
		{400, "Invalid priority. Must be one of: routine, urgent, stat."},
		{400, "Invalid direction. Must be one of: incoming, outgoing."},
		{400, `documents[0].filename must include a file extension (e.g. \"report.pdf\").`},
		{404, "Patient with MRN '1234567' not found. Ensure the patient has been synced."},
		{400, "Unknown provider(s): referring_to_provider_ehr_id 'PROV-002' was not found in referring providers. Ensure the provider has been synced."},
		{401, "User not found."},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(answer(tc.status, "{\n    \"success\": false,\n    \"message\": \""+tc.msg+"\"\n}"))
		_, err := newTestClient(srv).CreateReferral(context.Background(), validRequest())
		srv.Close()
		var ae *Error
		if !errors.As(err, &ae) {
			t.Fatalf("%q: err %v is not *Error", tc.msg, err)
		}
		want := strings.ReplaceAll(tc.msg, `\"`, `"`)
		if ae.Status != tc.status || ae.Message != want || err.Error() != want {
			t.Errorf("got %d %q, want %d %q", ae.Status, ae.Message, tc.status, want)
		}
		if IsNotSent(err) || IsUnknownOutcome(err) {
			t.Errorf("%q: a 4xx answer is neither not-sent nor unknown", tc.msg)
		}
	}
}

func validRequest() ReferralRequest {
	return ReferralRequest{PatientMRN: "1234567", FromProviderEHRID: "PROV-001", ToProviderEHRID: "PROV-002",
		Direction: "outgoing", Priority: "urgent", Reason: "Cardiology consultation",
		DiagnosisCodes: []string{"I10", "Z87.39"}}
}

func TestCreateReferralJobIDForms(t *testing.T) {
	for body, want := range map[string]JobID{
		`{"success":true,"message":"Referral queued for creation. A webhook event will be sent upon completion.","referral_id":"123e4567e89b12d3a456426614174000","job_id":12345}`: "12345",
		`{"success":true,"referral_id":"123e4567e89b12d3a456426614174000","job_id":"12345","extra":{"x":1}}`:                                                                       "12345",
	} {
		srv := httptest.NewServer(answer(200, body))
		res, err := newTestClient(srv).CreateReferral(context.Background(), validRequest())
		srv.Close()
		if err != nil || res.JobID != want || res.ReferralID != "123e4567e89b12d3a456426614174000" {
			t.Errorf("%s: %+v %v", body, res, err)
		}
	}
}

func TestCreateReferralValidatesFirst(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	r := validRequest()
	r.PatientMRN, r.Reason = "", " "
	_, err := newTestClient(srv).CreateReferral(context.Background(), r)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Message != "Missing required fields: patient_mrn, reason." {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 0 {
		t.Fatal("an invalid request was sent")
	}
}

func TestDirectoriesTolerantDecoding(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/v1/providers", answer(200, `{"success":true,"providers":[{"id":"p1","ehr_id":"0","name":"Doe, John","npi":null,"status":"inactive","hours":null,"new_field":[1,2]},
		{"id":"p2","ehr_id":99999,"npi":425345345,"hide_in_availability":true}]}`))
	mux.Handle("/v1/referring-providers", answer(200, `{"success":true,"referring_providers":[
		{"ehr_id":5521,"name":"Alvarez, Maria","speciality":"Cardiology","phone":null,"address_city":null,"address_zip":62701},
		{"ehr_id":"77","specialty":"Dermatology","middle_initial":null}]}`))
	mux.Handle("/v1/patients", answer(200, `{"success":true,"patients":[{"first_name":"John","last_name":"Doe","dob":"1980-05-15","sex":null,"phone":null,"mrn":"414421"}],"pagination":{"current_page":2,"total_pages":5,"total_count":150,"page_size":30}}`))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, ctx := newTestClient(srv), context.Background()
	ps, err := c.Providers(ctx)
	if err != nil || len(ps) != 2 || ps[0].EHRID != "0" || ps[0].NPI != "" || !ps[0].Inactive() ||
		ps[1].EHRID != "99999" || ps[1].NPI != "425345345" || !ps[1].HideInAvailability {
		t.Errorf("providers %+v %v", ps, err)
	}
	rps, err := c.ReferringProviders(ctx, ReferringProviderQuery{})
	if err != nil || len(rps) != 2 || rps[0].Speciality != "Cardiology" || rps[0].Phone != "" ||
		rps[0].EHRID != "5521" || rps[0].AddressZip != "62701" || rps[1].Speciality != "Dermatology" {
		t.Errorf("referring providers %+v %v", rps, err)
	}
	pts, pg, err := c.Patients(ctx, PatientQuery{Page: 2})
	if err != nil || len(pts) != 1 || pts[0].MRN != "414421" || pts[0].Sex != "" || pg.TotalCount != 150 || pg.TotalPages != 5 {
		t.Errorf("patients %+v %+v %v", pts, pg, err)
	}
}

func TestWebhookEventsBothShapes(t *testing.T) {
	srv := httptest.NewServer(answer(200, `{"success":true,"events":[
		{"event_id":"e1","event_type":"referral.created","webhook_url":"https://x","delivery_status":"success","data":{"referral_id":"r1","documents_attached":1},"created_at":"2026-03-10T10:30:00.000Z","job_id":"12345","access_token_reference_id":"a"},
		{"id":"e2","type":"referral.failed","created":"2026-03-10T10:35:00.000Z","object":"event","job_id":12345,"status":"failed","delivered":false,"delivery_attempts":2,"last_delivery_attempt":null,"response_status_code":500,"data":{"referral_id":"r2","failure_reason":"Nope"}},
		{"id":"e3","type":"patient.updated","job_id":null,"delivered":true,"data":null}],
		"pagination":{"current_page":1,"total_pages":1,"total_count":3,"page_size":50}}`))
	defer srv.Close()
	evs, pg, err := newTestClient(srv).WebhookEvents(context.Background(), EventQuery{JobID: "12345"})
	if err != nil || len(evs) != 3 || pg.TotalCount != 3 {
		t.Fatalf("%+v %v", evs, err)
	}
	a, b, c := evs[0], evs[1], evs[2]
	if a.ID != "e1" || a.Type != EventReferralCreated || a.Created != "2026-03-10T10:30:00.000Z" || a.JobID != "12345" || a.DeliveryStatus != "success" {
		t.Errorf("older shape: %+v", a)
	}
	if b.ID != "e2" || b.Type != EventReferralFailed || b.Created != "2026-03-10T10:35:00.000Z" || b.JobID != "12345" || b.DeliveryStatus != "failed" {
		t.Errorf("newer shape: %+v", b)
	}
	if c.DeliveryStatus != "success" || c.Data != nil || c.JobID != "" || c.IsReferral() {
		t.Errorf("nulls: %+v", c)
	}
	da, _ := a.ReferralData()
	db, _ := b.ReferralData()
	if da.ReferralID != "r1" || da.DocumentsAttached == nil || *da.DocumentsAttached != 1 || db.FailureReason != "Nope" {
		t.Errorf("data %+v %+v", da, db)
	}
}

func TestRegisterWebhookSecretForms(t *testing.T) {
	for body, want := range map[string]WebhookConfig{
		`{"success":true,"id":"w1","webhook_url":"https://a/h","webhook_secret_key":"k1"}`:                   {ID: "w1", URL: "https://a/h", Secret: "k1"},
		`{"success":true,"webhook_secret":"whsec_2","webhook":{"id":"w2","webhook_url":"https://a/h"}}`:      {ID: "w2", URL: "https://a/h", Secret: "whsec_2"},
		`{"success":true,"webhook":{"id":"w3","url":"https://a/h","secret":"whsec_3","created_at":null}}`:    {ID: "w3", URL: "https://a/h", Secret: "whsec_3"},
		`{"success":true,"data":{"webhook_id":"w4","webhook_url":"https://a/h","webhook_secret":"whsec_4"}}`: {ID: "w4", URL: "https://a/h", Secret: "whsec_4"},
	} {
		var sent string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			sent = r.Method + " " + r.URL.Path + " " + string(b)
			answer(200, body)(w, r)
		}))
		got, err := newTestClient(srv).RegisterWebhook(context.Background(), "https://a/h")
		srv.Close()
		if err != nil || got != want {
			t.Errorf("%s: got %+v %v", body, got, err)
		}
		if sent != `POST /v1/webhook {"webhook_url":"https://a/h"}` {
			t.Errorf("sent %s", sent)
		}
	}
}

func TestNotSentOnClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := New(Config{BaseURL: "http://" + addr + "/v1", Retries: 2, RetryBaseDelay: time.Millisecond})
	_, err = c.CreateReferral(context.Background(), validRequest())
	if !IsNotSent(err) || IsUnknownOutcome(err) {
		t.Fatalf("closed port: err %v: not-sent %v unknown %v", err, IsNotSent(err), IsUnknownOutcome(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Providers(ctx)
	if !IsNotSent(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before sending: %v", err)
	}
}

// A server that reads the whole body then never answers: the POST's
// outcome is unknown, and it is sent once only.
func TestUnknownOutcomeAfterBodyWritten(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(srv, func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond} })
	_, err := c.CreateReferral(context.Background(), validRequest())
	if !IsUnknownOutcome(err) || IsNotSent(err) {
		t.Fatalf("err %v: unknown %v not-sent %v", err, IsUnknownOutcome(err), IsNotSent(err))
	}
	if strings.Contains(err.Error(), "1234567") {
		t.Errorf("error text leaks request data: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("POST sent %d times, want 1", n)
	}
}

func TestGetRetriedOn503ThenSucceeds(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			answer(503, `{"success":false,"message":"Service unavailable."}`)(w, r)
			return
		}
		answer(200, `{"success":true,"providers":[{"ehr_id":"99999"}]}`)(w, r)
	}))
	defer srv.Close()
	ps, err := newTestClient(srv).Providers(context.Background())
	if err != nil || len(ps) != 1 || hits.Load() != 3 {
		t.Fatalf("providers %v err %v after %d hits", ps, err, hits.Load())
	}
	hits.Store(-100) // always 503 now: retries run out and the error is Cobalt's
	_, err = newTestClient(srv, func(c *Config) { c.Retries = 2 }).Providers(context.Background())
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Message != "Service unavailable." || hits.Load() != -97 {
		t.Fatalf("err %v after %d hits", err, hits.Load()+100)
	}
}

func TestPostNeverRetriedAfterWritten(t *testing.T) {
	for _, status := range []int{429, 500, 502, 503} {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			io.Copy(io.Discard, r.Body)
			answer(status, `{"success":false,"message":"busy"}`)(w, r)
		}))
		_, err := newTestClient(srv).CreateReferral(context.Background(), validRequest())
		srv.Close()
		var ae *Error
		if !errors.As(err, &ae) || ae.Status != status || hits.Load() != 1 {
			t.Errorf("%d: err %v, %d requests", status, err, hits.Load())
		}
		if got, want := IsUnknownOutcome(err), status == 502; got != want {
			t.Errorf("%d: unknown outcome %v, want %v", status, got, want)
		}
	}
}

func TestSuccessFalseOn200IsError(t *testing.T) {
	srv := httptest.NewServer(answer(200, `{"success":false,"message":"User not found."}`))
	defer srv.Close()
	_, err := newTestClient(srv).Providers(context.Background())
	var ae *Error
	if !errors.As(err, &ae) || ae.Message != "User not found." {
		t.Fatalf("err %v", err)
	}
}
