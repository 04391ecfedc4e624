package sandbox_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"refdesk/api/sandbox"
)

// PrivateWebhooks: the webhook endpoints answer 403 to the right
// credentials, list nothing, register nothing and delete nothing; the
// registration made in-process still delivers.
func TestPrivateWebhooks(t *testing.T) {
	e, r := withHook(t, sandbox.Options{PrivateWebhooks: true})
	before := e.sb.Webhooks()
	if len(before) != 1 || before[0].Secret != secret {
		t.Fatalf("registrations %+v", before)
	}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/v1/webhook", nil},
		{http.MethodPost, "/v1/webhook", map[string]string{"webhook_url": "https://attacker.example/hook"}},
		{http.MethodDelete, "/v1/webhook/" + before[0].ID, nil},
	} {
		code, body := e.call(c.method, c.path, c.body)
		wantError(t, code, body, http.StatusForbidden, "This sandbox's webhooks are managed by the refdesk process that runs it.")
		if strings.Contains(string(body), secret) || strings.Contains(string(body), r.url) {
			t.Errorf("%s %s shows a registration: %s", c.method, c.path, body)
		}
	}
	if after := e.sb.Webhooks(); len(after) != 1 || after[0] != before[0] {
		t.Fatalf("registrations changed over HTTP: %+v", after)
	}
	e.post(exampleBody)
	r.next(t, 5*time.Second)
}
