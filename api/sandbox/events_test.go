package sandbox_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"refdesk/api/sandbox"
)

func TestWebhookEventsAPI(t *testing.T) {
	e, r := withHook(t, sandbox.Options{})
	refID, job := e.post(exampleBody)
	r.next(t, 5*time.Second)
	e.post(exampleBody)
	r.next(t, 5*time.Second)
	status, out := e.call("GET", "/v1/webhook-events?job_id="+job, nil)
	if status != 200 {
		t.Fatalf("%d %s", status, out)
	}
	var got struct {
		Events     []map[string]any `json:"events"`
		Pagination map[string]int   `json:"pagination"`
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got.Events) != 1 {
		t.Fatalf("%v %s", err, out)
	}
	keys := make([]string, 0)
	for k := range got.Events[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	wantKeys := []string{"access_token_reference_id", "created_at", "data", "delivery_status", "event_id", "event_type", "job_id", "webhook_url"}
	it := got.Events[0]
	if !slices.Equal(keys, wantKeys) || it["job_id"] != job || it["event_type"] != "referral.created" ||
		it["webhook_url"] != r.url || it["delivery_status"] != "success" ||
		it["data"].(map[string]any)["referral_id"] != refID || got.Pagination["total_count"] != 1 || got.Pagination["page_size"] != 50 {
		t.Fatalf("item %v pagination %v", it, got.Pagination)
	}
	_, out = e.call("GET", "/v1/webhook-events?sort=created_at&page_size=1&page=2", nil)
	if !strings.Contains(string(out), `"pagination":{"current_page":2,"total_pages":2,"total_count":2,"page_size":1}`) {
		t.Fatalf("paging: %s", out)
	}
	_, out = e.call("GET", "/v1/webhook-events?job_id=1", nil)
	if !strings.HasPrefix(string(out), `{"success":true,"events":[]`) {
		t.Fatalf("unknown job: %s", out)
	}
	status, out = e.call("GET", "/v1/webhook-events?page_size=101", nil)
	wantError(t, status, out, 400, "Invalid page_size. Must be between 1 and 100.")
	status, out = e.call("GET", "/v1/webhook-events?sort=name", nil)
	wantError(t, status, out, 400, "Invalid sort. Must be one of: created_at, -created_at.")
}

func TestWebhookRegistration(t *testing.T) {
	e := quick(t, sandbox.Options{})
	r := newReceiver(t)
	status, out := e.call("POST", "/v1/webhook", map[string]string{"webhook_url": "http://example.com/hook"})
	wantError(t, status, out, 400, "Invalid webhook_url. It must be an HTTPS URL.")
	status, out = e.call("POST", "/v1/webhook", map[string]string{"webhook_url": r.url})
	var reg struct{ ID, Secret string }
	m := decode(t, out)
	reg.ID, _ = m["id"].(string)
	reg.Secret, _ = m["webhook_secret_key"].(string)
	if status != 200 || reg.ID == "" || !strings.HasPrefix(reg.Secret, "whsec_") || m["webhook_url"] != r.url {
		t.Fatalf("register: %d %s", status, out)
	}
	_, out = e.call("GET", "/v1/webhook", nil)
	if !strings.Contains(string(out), `"id":"`+reg.ID+`"`) {
		t.Fatalf("GET /v1/webhook: %s", out)
	}
	e.post(exampleBody)
	d := r.next(t, 5*time.Second)
	if d.header.Get("Cobalt-Verification") != sign(d.body, reg.Secret) {
		t.Fatal("not signed with the registered secret")
	}
	if status, out := e.call("DELETE", "/v1/webhook/"+reg.ID, nil); status != 200 {
		t.Fatalf("delete: %d %s", status, out)
	}
	status, out = e.call("DELETE", "/v1/webhook/"+reg.ID, nil)
	wantError(t, status, out, 404, "Webhook not found.")
	e.post(exampleBody)
	r.none(t, 300*time.Millisecond)
}
