package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Webhook delivery headers and limits.
const (
	WebhookPath            = "/webhooks/cobalt"
	HeaderVerification     = "Cobalt-Verification"
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookAttempt   = "webhook-attempt"
	MaxWebhookBytes        = 1 << 20
)

// Sign is the hex HMAC-SHA256 of body keyed with secret, as Cobalt writes
// it in Cobalt-Verification.
func Sign(body []byte, secret string) string {
	return hex.EncodeToString(mac(body, secret))
}

func mac(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// Verify reports whether sig (hex HMAC-SHA256, any case) signs body with one
// of secrets, either over the raw body or over its JavaScript
// JSON.stringify form (see JSStringify). The raw body is checked against
// every secret first, so a body Cobalt sent in canonical form is never
// parsed; a body that is not is parsed once, if it is within
// MaxCanonicalBytes, and only up to MaxJSONValues.
// Comparisons are constant-time; empty secrets are skipped.
func Verify(body []byte, sig string, secrets ...string) bool {
	want, ok := parseSignature(sig)
	if !ok || !hasSecret(secrets) {
		return false
	}
	return matchRaw(body, want, secrets) || matchCanonical(body, want, secrets)
}

// parseSignature decodes a Cobalt-Verification value: 64 hex digits.
func parseSignature(sig string) ([]byte, bool) {
	want, err := hex.DecodeString(strings.TrimSpace(sig))
	return want, err == nil && len(want) == sha256.Size
}

// matchRaw reports whether want is the HMAC of body itself with a secret.
func matchRaw(body, want []byte, secrets []string) bool {
	for _, s := range secrets {
		if s != "" && hmac.Equal(mac(body, s), want) {
			return true
		}
	}
	return false
}

// MaxCanonicalBytes is the largest body whose JSON.stringify form is
// checked when the raw body does not verify. Cobalt's events are under
// 1 KB and sent in canonical form; a larger body must verify as sent, so
// a forged megabyte costs one HMAC, like any other bytes.
const MaxCanonicalBytes = 64 << 10

// matchCanonical reports whether want is the HMAC of body's
// JSON.stringify form with a secret. A body already in that form was
// checked by matchRaw: it is not hashed again.
func matchCanonical(body, want []byte, secrets []string) bool {
	if len(body) > MaxCanonicalBytes {
		return false
	}
	js, err := JSStringify(body)
	if err != nil || bytes.Equal(js, body) {
		return false
	}
	return matchRaw(js, want, secrets)
}

// WebhookHandler receives POST /webhooks/cobalt: it answers 405 to other
// methods, 413 past MaxWebhookBytes, 401 on a missing or bad signature,
// 400 on malformed JSON, 503 when no secret is configured, and 200 for
// every verified event: at once, before OnEvent runs.
type WebhookHandler struct {
	// Secrets returns the secrets in force (two during a rotation).
	Secrets func() []string
	// OnEvent receives each verified referral event. It is called on its
	// own goroutine after the 2xx answer is written; it must not block for
	// long. The event's ID is the envelope's id, signed with the rest; it
	// is left empty when the envelope has none (state.ApplyEvent then keys
	// the event by a hash of its signed content). The unsigned webhook-id
	// header is never used: anyone can change it, so it cannot tell a
	// replay from a new event.
	OnEvent func(ev Event)
	// Logger (may be nil) gets one line per delivery, accepted (event id,
	// type) or refused (status, reason), with the sender's address: never
	// the body, the signature or a secret.
	Logger *slog.Logger

	// At most MaxConcurrentCanonical deliveries whose raw body did not
	// verify are canonicalised at once; the others wait their turn.
	slotsOnce sync.Once
	slots     chan struct{}
}

// MaxConcurrentCanonical bounds how many deliveries one WebhookHandler
// re-serialises (JSStringify) at the same time. Cobalt sends bodies in
// canonical form, which verify without it; only pretty-printed or forged
// bodies queue here, so the queue costs a genuine delivery nothing.
const MaxConcurrentCanonical = 2

// canonicalSlot waits for a canonicalisation slot and returns its release,
// or false when ctx ends first.
func (h *WebhookHandler) canonicalSlot(ctx context.Context) (func(), bool) {
	h.slotsOnce.Do(func() { h.slots = make(chan struct{}, MaxConcurrentCanonical) })
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, true
	case <-ctx.Done():
		return nil, false
	}
}

// verified reports whether sig signs body with one of secrets, raw body
// first and then, within the handler's concurrency bound, its canonical
// form.
func (h *WebhookHandler) verified(ctx context.Context, body []byte, sig string, secrets []string) bool {
	want, ok := parseSignature(sig)
	if !ok {
		return false
	}
	if matchRaw(body, want, secrets) {
		return true
	}
	release, ok := h.canonicalSlot(ctx)
	if !ok {
		return false
	}
	defer release()
	return matchCanonical(body, want, secrets)
}

func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.refuse(w, r, http.StatusRequestEntityTooLarge, "Payload too large.")
			return
		}
		h.refuse(w, r, http.StatusBadRequest, "Could not read the body.")
		return
	}
	var secrets []string
	if h.Secrets != nil {
		secrets = h.Secrets()
	}
	if !hasSecret(secrets) {
		h.refuse(w, r, http.StatusServiceUnavailable, "No webhook secret configured.")
		return
	}
	sig := r.Header.Get(HeaderVerification)
	if sig == "" || !h.verified(r.Context(), body, sig, secrets) {
		h.refuse(w, r, http.StatusUnauthorized, "Invalid signature.")
		return
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Type == "" {
		h.refuse(w, r, http.StatusBadRequest, "Malformed event.")
		return
	}
	if h.Logger != nil {
		h.Logger.Info("webhook accepted", append([]any{"event_id", ev.ID, "type", ev.Type}, sender(r)...)...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"received":true}`)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if ev.IsReferral() && h.OnEvent != nil {
		go h.OnEvent(ev)
	}
}

func (h *WebhookHandler) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if h.Logger != nil {
		h.Logger.Warn("webhook refused", append([]any{"status", code, "reason", msg}, sender(r)...)...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]any{"success": false, "message": msg})
	_, _ = w.Write(b)
}

// sender is who sent a delivery, for the log: the connection's address,
// and X-Forwarded-For as a reverse proxy set it (as claimed, not proven).
func sender(r *http.Request) []any {
	attrs := []any{"remote", r.RemoteAddr}
	if f := r.Header.Get("X-Forwarded-For"); f != "" {
		if len(f) > 200 {
			f = f[:200]
		}
		attrs = append(attrs, "forwarded_for", f)
	}
	return attrs
}

func hasSecret(s []string) bool {
	for _, v := range s {
		if v != "" {
			return true
		}
	}
	return false
}

// Timeouts of the server NewWebhookServer builds. Cobalt wants an answer
// within 5 seconds; a 1 MB body must arrive well within ReadTimeout.
const (
	WebhookReadHeaderTimeout = 5 * time.Second
	WebhookReadTimeout       = 15 * time.Second
	WebhookWriteTimeout      = 15 * time.Second
	WebhookIdleTimeout       = 60 * time.Second
)

// NewWebhookServer returns an http.Server for addr serving h with read,
// write and idle timeouts set (h is typically a mux with WebhookPath).
func NewWebhookServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: WebhookReadHeaderTimeout,
		ReadTimeout:       WebhookReadTimeout,
		WriteTimeout:      WebhookWriteTimeout,
		IdleTimeout:       WebhookIdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}
