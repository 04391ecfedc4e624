package pane

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"refdesk/state"
	"refdesk/ui/theme"
)

// Settler settles referrals flagged for a person: *state.Desk satisfies
// it. A store without it (a read-only list) offers no settling.
type Settler interface {
	SettleFound(ctx context.Context, user string, id int64, ehrID string) (state.Referral, error)
	SettleNotFound(ctx context.Context, user string, id int64) (state.Referral, error)
}

// settle is the question open about a flagged referral: the EHR id it was
// found under (found), or the confirmation that it is not in eCW.
type settle struct {
	id    int64
	found bool
	input textinput.Model
}

type settledMsg struct {
	r     state.Referral
	found bool
	err   error
}

// SetUser names who settles referrals, for the audit log.
func (m *Model) SetUser(user string) { m.user = user }

// Typing reports whether keys go into the pane's text field.
func (m Model) Typing() bool { return m.settle != nil && m.settle.found }

// Asking reports whether a question about a flagged referral is open:
// it takes its own answers, and q does not quit over it.
func (m Model) Asking() bool { return m.settle != nil }

// startSettle opens the question for the selected referral.
func (m Model) startSettle(found bool) (Model, tea.Cmd) {
	r, ok := m.selected()
	if !ok {
		return m, nil
	}
	if _, can := m.store.(Settler); !can {
		return m, nil
	}
	if r.Attention == "" {
		m.note = "Only a referral flagged for a person (⚠) is settled this way; this one is " + r.Status.Label() + "."
		return m, nil
	}
	m.note = ""
	s := &settle{id: r.ID, found: found}
	if found {
		s.input = textinput.New()
		s.input.SetStyles(m.styles.TextInput) // no blinking cursor: no frame twice a second per desk
		s.input.Prompt = "› "
		s.input.Placeholder = "the referral's id in eCW"
		s.input.CharLimit = 64
		s.input.SetWidth(max(10, m.width-30))
		cmd := s.input.Focus()
		m.settle = s
		return m, cmd
	}
	m.settle = s
	return m, nil
}

// settleKey handles a key while a question is open.
func (m Model) settleKey(kp tea.KeyPressMsg) (Model, tea.Cmd) {
	s := m.settle
	st, ok := m.store.(Settler)
	if !ok {
		m.settle = nil
		return m, nil
	}
	ctx, user, id := m.ctx, m.user, s.id
	switch {
	case s.found && key.Matches(kp, m.keys.Choose):
		ehr := strings.TrimSpace(s.input.Value())
		if ehr == "" {
			m.note = "Type the referral's id in eCW, then Enter (Esc to cancel)."
			return m, nil
		}
		return m, func() tea.Msg {
			r, err := st.SettleFound(ctx, user, id, ehr)
			return settledMsg{r, true, err}
		}
	case s.found:
		var cmd tea.Cmd
		s.input, cmd = s.input.Update(kp)
		return m, cmd
	case key.Matches(kp, m.keys.Yes, m.keys.Choose):
		return m, func() tea.Msg {
			r, err := st.SettleNotFound(ctx, user, id)
			return settledMsg{r, false, err}
		}
	}
	return m, nil
}

// settled shows the outcome; the hub brings the referral's new state.
func (m Model) settled(msg settledMsg) Model {
	if msg.err != nil {
		// Keep the question (and what was typed) open to try again.
		m.note = "Not recorded: " + theme.Clean(msg.err.Error())
		return m
	}
	m.settle = nil
	m.upsert(msg.r)
	if msg.found {
		m.note = "Referral #" + itoa64(msg.r.ID) + " recorded as found in eCW: Completed."
	} else {
		m.note = "Referral #" + itoa64(msg.r.ID) + " recorded as not in eCW: Not sent. r reopens it in the form to send it again."
	}
	return m
}

// settleView is the open question, one or two lines.
func (m Model) settleView() string {
	if m.settle == nil {
		return ""
	}
	st := m.styles
	wrap := lipgloss.NewStyle().Width(max(20, m.width))
	keys := wrap.Render(st.Muted.Render(theme.Hint(0, m.settleKeys()...)))
	if m.settle.found {
		return st.Label.Render("Found in eCW — its EHR id: ") + m.settle.input.View() + "\n" + keys
	}
	return wrap.Render(st.Warn.Render("Not in eCW? Referral #"+itoa64(m.settle.id)+" becomes Not sent, to be reopened and sent again.")) +
		"\n" + keys
}
