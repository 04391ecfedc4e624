package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"refdesk/api"
)

// webhook is a registered endpoint.
type webhook struct {
	ID, URL, Secret string
	Created         time.Time
}

// addWebhook registers u (idempotent: the same URL keeps its id and
// secret). An empty secret gets a random whsec_ one.
func (s *Server) addWebhook(u, secret string) *webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.webhooks {
		if h.URL == u {
			return h
		}
	}
	if secret == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		secret = "whsec_" + hex.EncodeToString(b[:])
	}
	s.nextHook++
	h := &webhook{ID: "wh_" + strconv.Itoa(s.nextHook), URL: u, Secret: secret, Created: s.now()}
	s.webhooks = append(s.webhooks, h)
	return h
}

// Webhooks returns the registered endpoints with their secrets.
func (s *Server) Webhooks() []api.WebhookConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]api.WebhookConfig, len(s.webhooks))
	for i, h := range s.webhooks {
		out[i] = api.WebhookConfig{ID: h.ID, URL: h.URL, Secret: h.Secret}
	}
	return out
}

// RegisterWebhook registers u as POST /v1/webhook would (no URL checks) and
// returns its configuration, secret included.
func (s *Server) RegisterWebhook(u, secret string) api.WebhookConfig {
	h := s.addWebhook(u, secret)
	return api.WebhookConfig{ID: h.ID, URL: h.URL, Secret: h.Secret}
}

// allowedURL accepts HTTPS, and plain HTTP to this machine only (a
// sandbox convenience; Cobalt itself takes HTTPS only).
func allowedURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		return h == "localhost" || h == "127.0.0.1" || h == "::1"
	}
	return false
}

type wireWebhook struct {
	ID        string `json:"id"`
	URL       string `json:"webhook_url"`
	SecretKey string `json:"webhook_secret_key"`
	CreatedAt string `json:"created_at"`
}

// POST /v1/webhook {"webhook_url": "..."} → {"success": true, "message",
// "id", "webhook_url", "webhook_secret_key", "created_at"}.
func (s *Server) registerWebhook(w http.ResponseWriter, r *http.Request) {
	var body struct {
		URL string `json:"webhook_url"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, msgInvalidJSON)
		return
	}
	if !allowedURL(body.URL) {
		writeError(w, http.StatusBadRequest, msgWebhookURL)
		return
	}
	h := s.addWebhook(body.URL, "")
	writeJSON(w, http.StatusOK, struct {
		Success bool   `json:"success"`
		Message string `json:"message"`
		wireWebhook
	}{true, "Webhook registered.", wireWebhook{h.ID, h.URL, h.Secret, isoMillis(h.Created)}})
}

// GET /v1/webhook → {"success": true, "webhooks": [{id, webhook_url,
// webhook_secret_key, created_at}]}.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]wireWebhook, len(s.webhooks))
	for i, h := range s.webhooks {
		list[i] = wireWebhook{h.ID, h.URL, h.Secret, isoMillis(h.Created)}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "webhooks": list})
}

// DELETE /v1/webhook/{id}.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	found := false
	for i, h := range s.webhooks {
		if h.ID == id {
			s.webhooks = append(s.webhooks[:i:i], s.webhooks[i+1:]...)
			found = true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, msgWebhookMissing)
		return
	}
	writeJSON(w, http.StatusOK, errorBody{Success: true, Message: "Webhook deleted."})
}
