package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"refdesk/ui/internal/uitest"
)

// The header's completions claim follows the last verified webhook: none
// yet, then its age; without a receiver it says polling and nothing more.
func TestHeaderShowsLastWebhookAge(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	var last atomic.Int64
	m := newModel(Session{User: "front1", Account: "ci_1234", Context: context.Background(), NoColor: true,
		Now: func() time.Time { return now }, Completions: "webhooks",
		LastWebhook: func() time.Time {
			if n := last.Load(); n != 0 {
				return time.Unix(0, n)
			}
			return time.Time{}
		}})
	m.width = 200
	header := func() string { return uitest.Plain(m.headerView()) }
	if h := header(); !strings.Contains(h, "completions: webhooks (no verified webhook yet)") {
		t.Errorf("before any webhook the header says %q", h)
	}
	last.Store(now.Add(-2*time.Minute - 10*time.Second).UnixNano())
	if h := header(); !strings.Contains(h, "completions: webhooks (last webhook 2 min ago)") {
		t.Errorf("two minutes after a webhook the header says %q", h)
	}
	m.s.LastWebhook, m.s.Completions = nil, "polling Cobalt (no webhook receiver)"
	if h := header(); !strings.Contains(h, "completions: polling Cobalt (no webhook receiver)") || strings.Contains(h, "webhook yet") {
		t.Errorf("without a receiver the header says %q", h)
	}
}

// Over serve the name in the header is the desk's, from its key (the SSH
// user typed is ignored): "desk NAME"; locally it is the OS user's.
func TestHeaderNamesTheDeskOverServe(t *testing.T) {
	for label, want := range map[string]string{"desk": "refdesk · desk front1 ·", "": "refdesk · user front1 ·"} {
		m := newModel(Session{User: "front1", UserLabel: label, Account: "ci_1234", Context: context.Background(), NoColor: true})
		m.width = 200
		if h := uitest.Plain(m.headerView()); !strings.HasPrefix(h, want) {
			t.Errorf("label %q: header %q, want it to start %q", label, h, want)
		}
	}
}
