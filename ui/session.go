// Package ui is the referral desk's screen: a root model that owns the
// window size, the global keys, the header, the layout (form and live pane
// side by side from 120 columns, as two tabs below), the review step, the
// draft that is saved as it is typed, and the directory sync. The parts live
// in sub-packages: ui/form (with ui/picker and ui/files), ui/pane, and
// ui/theme (styles, keymap, Clean). Side effects happen only inside
// tea.Cmds that call state; no package-level mutable state, so many SSH
// sessions can share one process.
package ui

import (
	"context"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/state"
)

// Session is everything one screen needs; the cli fills it per terminal or
// per SSH session.
type Session struct {
	Desk         *state.Desk
	User         string // OS user locally; over serve the desk's name from its key (not the SSH user typed)
	UserLabel    string // the header's word before User: "desk" over serve; "user" when empty
	Account      string // e.g. "SANDBOX" or the Cobalt client id's first chars
	Sandbox      bool   // show the SANDBOX badge + "synthetic data" banner
	Completions  string // "webhooks" or "polling Cobalt (no webhook receiver)"
	DocumentsDir string // root of the file picker
	Confine      bool   // serve mode: never leave DocumentsDir
	InboxDir     string // the desk's upload inbox (serve), listed first in the file picker
	Logger       *slog.Logger
	Context      context.Context // ends with the session
	// NoColor drops every colour (NO_COLOR set in the user's environment,
	// or, under serve, a desk terminal without colours: serve.Session.NoColor);
	// bold, underline and words still carry every distinction.
	NoColor bool
	// LastWebhook, when set, is when the last verified webhook arrived
	// (zero: none yet); the header shows its age beside Completions, so a
	// wrong webhook secret shows as "no verified webhook yet".
	LastWebhook func() time.Time
	// OnEventShown (may be nil) is told, for each event from Cobalt, how
	// long it took from being applied to the store to this screen's model
	// (serve's refdesk_webhook_to_screen_seconds).
	OnEventShown func(time.Duration)
	// Now is the clock (nil: time.Now); tests fix it for golden views.
	Now func() time.Time
	// DraftDelay is how long typing must pause before the draft is saved
	// (0: 600ms).
	DraftDelay time.Duration
}

// New returns the root model for one session.
func New(s Session) tea.Model {
	m := newModel(s)
	return m
}
