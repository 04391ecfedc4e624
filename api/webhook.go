package api

// CONTRACT STUB (issue 3): replace bodies, keep signatures.

import "net/http"

// Verify reports whether sig (hex HMAC-SHA256, any case) signs body with one
// of secrets, either over the raw body or over its JavaScript
// JSON.stringify form.
func Verify(body []byte, sig string, secrets ...string) bool { return false }

// WebhookHandler receives POST /webhooks/cobalt.
type WebhookHandler struct {
	// Secrets returns the secrets in force (two during a rotation).
	Secrets func() []string
	// OnEvent receives each verified referral event. It is called on its
	// own goroutine after the 2xx answer is written; it must not block for
	// long. webhookID is the webhook-id header (or the envelope id).
	OnEvent func(ev Event)
}

func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}
