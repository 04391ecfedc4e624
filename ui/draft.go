package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/theme"
)

// SaveDraftMsg asks the desk to save the form now, without waiting for a
// pause in typing: the server is shutting down or the session went idle
// (Reason says which). serve's ShutdownMsg is turned into it by the cli.
type SaveDraftMsg struct{ Reason string }

type draftTickMsg struct{ gen int }

type draftSavedMsg struct {
	gen int
	err error
}

type draftLoadedMsg struct {
	in  state.ReferralInput
	at  time.Time
	ok  bool
	err error
}

type draftDiscardedMsg struct{ err error }

func (m *Model) loadDraft() tea.Cmd {
	d, ctx, user := m.s.Desk, m.ctx, m.s.User
	if d == nil {
		return nil
	}
	return func() tea.Msg {
		in, at, ok, err := d.LoadDraft(ctx, user)
		// A draft saved before the details were kept gets them here.
		return draftLoadedMsg{d.Describe(in), at, ok, err}
	}
}

// draftWriteTimeout bounds one draft write.
const draftWriteTimeout = 5 * time.Second

// writeCtx is the context of a draft write: the session's values without
// its cancellation, since the session ending (a dropped connection, a
// server shutdown) is exactly when the last keys must still be saved.
func writeCtx(session context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(session), draftWriteTimeout)
}

// saveDraft writes the form as it is now.
func (m *Model) saveDraft(gen int) tea.Cmd {
	d, session, user, in := m.s.Desk, m.ctx, m.s.User, m.form.Input()
	if d == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := writeCtx(session)
		defer cancel()
		return draftSavedMsg{gen, d.SaveDraft(ctx, user, in)}
	}
}

// draftOp runs one of the Desk's draft operations (discard, hold, clear)
// for this user in the background.
func (m *Model) draftOp(op func(*state.Desk, context.Context, string) error) tea.Cmd {
	d, session, user := m.s.Desk, m.ctx, m.s.User
	if d == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := writeCtx(session)
		defer cancel()
		return draftDiscardedMsg{op(d, ctx, user)}
	}
}

// discardDraft throws the draft away (a person confirmed it; audited).
func (m *Model) discardDraft() tea.Cmd { return m.draftOp((*state.Desk).DiscardDraft) }

// clearDraft forgets the draft that was just sent as a referral.
func (m *Model) clearDraft() tea.Cmd { return m.draftOp((*state.Desk).ClearDraft) }

// holdDraft puts the offered draft aside until the next start.
func (m *Model) holdDraft() tea.Cmd { return m.draftOp((*state.Desk).HoldDraft) }

// unsaved reports whether the form holds typing not yet in the store.
func (m *Model) unsaved() bool { return m.draftGen != m.savedGen }

// quit leaves at once when the form is empty and no scan waits for its
// question's answer, otherwise asks first.
func (m *Model) quit() tea.Cmd {
	if m.form.Empty() && m.form.PendingScan() == "" {
		return tea.Quit
	}
	m.screen = screenQuit
	return nil
}

// questionKeys are the keys of the quit or resume question, for the help
// and the question's own line.
func (m *Model) questionKeys() []key.Binding {
	k := m.keys
	switch {
	case m.confirmDiscard && m.screen == screenQuit:
		return []key.Binding{theme.With(k.Yes, "y", "discard it and quit"), theme.With(k.Other, "any other key", "keeps it")}
	case m.confirmDiscard:
		return []key.Binding{theme.With(k.Yes, "y", "discard it"), theme.With(k.Other, "any other key", "keeps it")}
	case m.screen == screenQuit && m.form.Empty(): // only a scan waits: nothing to keep
		return []key.Binding{theme.With(k.Yes, "y", "quit"), theme.With(k.No, "n/esc", "stay")}
	case m.screen == screenQuit && m.form.PendingScan() != "":
		return []key.Binding{theme.With(k.Yes, "y", "quit (keep the draft without it)"),
			theme.With(k.No, "n/esc", "stay and answer"), theme.With(k.Discard, "d", "discard the draft…")}
	case m.screen == screenQuit:
		return []key.Binding{theme.With(k.Yes, "y", "quit (keep the draft)"), theme.With(k.No, "n/esc", "stay"),
			theme.With(k.Discard, "d", "discard the draft…")}
	}
	return []key.Binding{k.Resume, theme.With(k.No, "n/esc", "not now (offered again next start)"),
		theme.With(k.Discard, "d", "discard…")}
}

// quitKey answers "Quit refdesk?". Discarding asks once more.
func (m *Model) quitKey(k tea.KeyPressMsg) tea.Cmd {
	if m.confirmDiscard {
		m.confirmDiscard = false
		if key.Matches(k, m.keys.Yes) {
			return tea.Sequence(m.discardDraft(), tea.Quit)
		}
		return nil // anything else keeps the draft; the question stays
	}
	switch {
	case key.Matches(k, m.keys.Yes), key.Matches(k, m.keys.Quit):
		if m.unsaved() {
			return tea.Sequence(m.saveDraft(m.draftGen), tea.Quit)
		}
		return tea.Quit
	case key.Matches(k, m.keys.Discard):
		m.confirmDiscard = true
	case key.Matches(k, m.keys.No):
		m.screen = screenMain
	}
	return nil
}

// resumeKey answers "Resume your draft?": y or Enter resumes it; n or Esc
// is "not now" (the draft is put aside and offered at the next start);
// d discards it, after asking once more.
func (m *Model) resumeKey(k tea.KeyPressMsg) tea.Cmd {
	if m.confirmDiscard {
		m.confirmDiscard = false
		if key.Matches(k, m.keys.Yes) {
			m.screen = screenMain
			m.setFlash("Draft discarded.", false)
			return m.discardDraft()
		}
		return nil
	}
	switch {
	case key.Matches(k, m.keys.Resume):
		m.screen = screenMain
		cmd := m.form.SetInput(m.resumeIn)
		m.lastInput = m.form.Input()
		m.setFlash("Draft resumed.", false)
		return cmd
	case key.Matches(k, m.keys.No):
		m.screen = screenMain
		m.setFlash("Draft kept for later: it is offered again at the next start.", false)
		return m.holdDraft()
	case key.Matches(k, m.keys.Discard):
		m.confirmDiscard = true
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	}
	return nil
}

// draftMsg handles the draft's messages; ok is false for other messages.
func (m *Model) draftMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case draftTickMsg:
		if msg.gen != m.draftGen || !m.unsaved() {
			return nil, true // typing went on (a later tick saves), or already saved
		}
		return m.saveDraft(msg.gen), true
	case draftSavedMsg:
		if msg.err != nil {
			m.log.Warn("draft not saved", "err", msg.err)
			m.setFlash("The draft could not be saved: "+theme.Clean(msg.err.Error())+". Your typing is still here.", true)
			return nil, true
		}
		if msg.gen > m.savedGen {
			m.savedGen = msg.gen
		}
		return nil, true
	case draftLoadedMsg:
		if msg.err != nil {
			m.log.Warn("draft not loaded", "err", msg.err)
			return nil, true
		}
		if msg.ok && !msg.in.Empty() && m.form.Empty() {
			m.resumeIn, m.resumeAt = msg.in, msg.at
			m.screen = screenResume
		}
		return nil, true
	case draftDiscardedMsg:
		if msg.err != nil {
			m.log.Warn("draft not discarded", "err", msg.err)
		}
		return nil, true
	}
	return nil, false
}
