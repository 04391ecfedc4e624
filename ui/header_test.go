package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/lipgloss/v2"

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

// At every width from 80 the header fits without cutting a word: it
// shortens its wording and drops the least important parts first (the
// sync key's reminder, then the completions' details, then the
// completions), never the flagged referrals or the sync state.
func TestHeaderFitsWithoutCuttingAWord(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, completions string
		last              time.Time
		needs, sandbox    bool
		synced            time.Time
		wantAt80          []string
	}{
		{"webhooks", "webhooks", now.Add(-2 * time.Minute), false, true, now, []string{"synced just now", "webhooks"}},
		{"no webhook yet", "webhooks", time.Time{}, true, true, now, []string{"⚠ 1 needs a person", "synced just now"}},
		{"polling", "polling Cobalt (no COBALT_WEBHOOK_SECRET: webhooks refused)", time.Time{}, false, false, now, []string{"account ci_1234", "synced just now", "polling"}},
		{"never synced", "polling Cobalt (no webhook receiver)", time.Time{}, true, false, time.Time{}, []string{"⚠ 1 needs a person", "never synced"}},
	} {
		last := c.last
		s := Session{User: "front1", Account: "ci_1234", Sandbox: c.sandbox, Context: context.Background(), NoColor: true,
			Now: func() time.Time { return now }, Completions: c.completions}
		if c.completions == "webhooks" {
			s.LastWebhook = func() time.Time { return last }
		}
		m := newModel(s)
		m.syncKnown, m.syncedAt = true, c.synced
		needs := 0
		if c.needs {
			needs = 1
		}
		for w := 80; w <= 200; w++ {
			m.width = w
			h := uitest.Plain(m.header(needs))
			if lw := lipgloss.Width(h); lw > w || strings.Contains(h, "…") {
				t.Fatalf("%s at %d: %q (%d wide)", c.name, w, h, lw)
			}
			if w == 80 {
				for _, want := range c.wantAt80 {
					if !strings.Contains(h, want) {
						t.Errorf("%s at 80: %q lacks %q", c.name, h, want)
					}
				}
			}
			if w == 200 && !strings.Contains(h, "completions: ") {
				t.Errorf("%s at 200: %q", c.name, h)
			}
		}
	}
}
