package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"refdesk/api"
	"refdesk/metrics"
	"refdesk/state"
)

// health is what GET /healthz says: JSON for a monitor, never PHI.
type health struct {
	Status   string               `json:"status"` // "serving", or "error" (503) when the store cannot be read
	Version  string               `json:"version"`
	Cobalt   cobaltHealth         `json:"cobalt"`
	Dirs     map[string]dirHealth `json:"directories"`
	Backlog  int                  `json:"outbox_backlog"`
	Sessions *int                 `json:"sessions,omitempty"`
	Error    string               `json:"error,omitempty"`
}

type cobaltHealth struct {
	// Reachable is whether this process's last contact with Cobalt
	// succeeded; null before any (or in a process that does not hold the
	// store's Cobalt lease and has not asked).
	Reachable *bool  `json:"reachable"`
	SyncError string `json:"last_sync_error,omitempty"`
	NextTry   string `json:"next_sync_try,omitempty"`
}

type dirHealth struct {
	SyncedAt   string   `json:"synced_at,omitempty"` // RFC 3339; absent: never
	AgeSeconds *float64 `json:"age_seconds"`
}

// healthHandler answers GET /healthz: 200 while it serves, 503 only when
// it cannot (the store does not answer).
func healthHandler(desk *state.Desk, sessions func() int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		h := health{Status: "serving", Version: Version, Dirs: map[string]dirHealth{}}
		code := http.StatusOK
		if n, err := desk.OutboxBacklog(ctx); err != nil {
			h.Status, h.Error, code = "error", "the referral store does not answer", http.StatusServiceUnavailable
		} else {
			h.Backlog = n
		}
		if ok, known := desk.CobaltReachable(); known {
			h.Cobalt.Reachable = &ok
		}
		if st := desk.SyncStatus(); st.Error != "" {
			h.Cobalt.SyncError = st.Error
			h.Cobalt.NextTry = st.NextTry.UTC().Format(time.RFC3339)
		}
		for _, dir := range []state.Directory{state.Providers, state.ReferringProviders, state.Patients} {
			var dh dirHealth
			if at := desk.SyncedAt(dir); !at.IsZero() {
				age := time.Since(at).Seconds()
				dh = dirHealth{SyncedAt: at.UTC().Format(time.RFC3339), AgeSeconds: &age}
			}
			h.Dirs[string(dir)] = dh
		}
		if sessions != nil {
			n := sessions()
			h.Sessions = &n
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(h)
	}
}

// countWebhooks counts the deliveries the receiver refused, by result; the
// accepted ones are counted when applied (verified or duplicate).
func countWebhooks(m *metrics.Metrics, next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		switch {
		case sw.code == http.StatusUnauthorized || sw.code == http.StatusForbidden:
			m.Webhook(metrics.WebhookBadSignature)
		case sw.code == http.StatusRequestEntityTooLarge:
			m.Webhook(metrics.WebhookTooLarge)
		case sw.code >= 400:
			m.Webhook(metrics.WebhookBadRequest)
		}
	})
}

// applyWebhook applies a verified event and counts it.
func applyWebhook(ctx context.Context, desk *state.Desk, m *metrics.Metrics, ev api.Event) error {
	dup, err := desk.ApplyWebhook(ctx, ev)
	if err == nil {
		if dup {
			m.Webhook(metrics.WebhookDuplicate)
		} else {
			m.Webhook(metrics.WebhookVerified)
		}
	}
	return err
}
