package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"refdesk/api"
	"refdesk/state"
	"refdesk/textsafe"
	"refdesk/ui/form"
	"refdesk/ui/pane"
	"refdesk/ui/picker"
	"refdesk/ui/theme"
)

// review is the review step: what will be sent, state's checks, the
// duplicate warning, and the answer of the submit.
type review struct {
	seq               int
	in                state.ReferralInput
	patient, from, to picker.Choice
	checking          bool
	checkErr          string // in the form's words (state.Plain)
	cobalt            string // Cobalt's exact words, when they differ
	dup               *state.Referral
	confirmed         bool
	sending           bool
	// sendWhenChecked: Enter came while the checks ran (a clerk who knows
	// the keys types ctrl+s, enter at once); it sends when they pass with
	// nothing to look at, and is dropped when they found anything.
	sendWhenChecked bool
	result          string
	// namesakes counts the entries sharing the chosen patient's, From's
	// and To's name in their directory (2 or more: say so).
	namesakes [3]int
}

// hasNamesakes reports whether the patient, From or To shares its name
// with another entry of its directory (the review warns: check which one).
func (r *review) hasNamesakes() bool {
	for _, n := range r.namesakes {
		if n >= 2 {
			return true
		}
	}
	return false
}

type reviewCheckedMsg struct {
	seq       int
	err       error
	dup       *state.Referral
	namesakes [3]int
}

type submittedMsg struct {
	seq int
	ref state.Referral
	err error
}

// toReview validates the whole form (Ctrl-S) and opens the review, with
// state's checks running in the background.
func (m *Model) toReview() tea.Cmd {
	msg, cmd := m.form.ValidateAll()
	if msg != "" {
		m.onPane = false
		m.setFlash(msg, true)
		return cmd
	}
	seq := 1
	if m.review != nil {
		seq = m.review.seq + 1
	}
	p, f, t := m.form.Chosen()
	r := &review{seq: seq, in: m.form.Input(), patient: p, from: f, to: t, checking: true}
	m.review, m.screen, m.onPane = r, screenReview, false
	m.setFlash("", false)
	d, ctx, in := m.s.Desk, m.ctx, r.in
	if d == nil {
		r.checking = false
		return nil
	}
	return func() tea.Msg {
		twins := namesakes(ctx, d, in)
		if err := d.Check(in); err != nil {
			return reviewCheckedMsg{seq: seq, err: err, namesakes: twins}
		}
		dup, err := d.FindDuplicate(ctx, in)
		return reviewCheckedMsg{seq: seq, dup: dup, err: err, namesakes: twins}
	}
}

// namesakes counts, for the patient, From and To, the entries of their
// directory with the same name (0 when nothing or "0" is chosen).
func namesakes(ctx context.Context, d *state.Desk, in state.ReferralInput) [3]int {
	var out [3]int
	count := func(dir state.Directory, id, name string) int {
		if id == "" || id == api.NoProvider || name == "" {
			return 0
		}
		n, err := d.Namesakes(ctx, dir, name)
		if err != nil {
			return 0
		}
		return n
	}
	out[0] = count(state.Patients, in.PatientMRN, in.PatientName)
	if from, to, ok := api.DirectoryFor(in.Direction); ok {
		out[1] = count(dirOf(from), in.FromEHRID, in.FromName)
		out[2] = count(dirOf(to), in.ToEHRID, in.ToName)
	}
	return out
}

func dirOf(name string) state.Directory {
	if name == api.DirReferringProviders {
		return state.ReferringProviders
	}
	return state.Providers
}

func (m *Model) reviewKey(k tea.KeyPressMsg) tea.Cmd {
	r := m.review
	switch {
	case key.Matches(k, m.keys.Edit):
		if r.sending {
			return nil
		}
		m.screen = screenMain
		return m.form.FocusField(m.form.Focus())
	case key.Matches(k, m.keys.Confirm) && r.dup != nil && !r.sending:
		r.confirmed = true
		return m.send()
	case key.Matches(k, m.keys.Submit):
		switch {
		case r.sending:
		case r.checking:
			r.sendWhenChecked = true
			r.result = "Sending as soon as the checks pass…"
		case r.checkErr != "":
			r.result = "This cannot be sent as it is: esc to edit."
		case r.dup != nil && !r.confirmed:
			r.result = "This looks like a duplicate: press y to send it anyway, or esc to edit."
		case strings.HasPrefix(r.result, "Cobalt refused"):
			// Sent and refused: the same again would be refused again.
		default:
			return m.send()
		}
	}
	return nil
}

func (m *Model) send() tea.Cmd {
	r := m.review
	d, ctx, user, in, seq, id := m.s.Desk, m.ctx, m.s.User, r.in, r.seq, m.resend
	if d == nil {
		return nil
	}
	r.sending, r.result = true, "Sending…"
	return func() tea.Msg {
		var msg submittedMsg
		if id != 0 { // the form corrects a Not sent referral: it goes again
			msg.ref, msg.err = d.ResendWith(ctx, user, id, in)
		} else {
			msg.ref, msg.err = d.Submit(ctx, user, in)
		}
		msg.seq = seq
		return msg
	}
}

// reviewMsg handles the review's async answers; ok is false otherwise.
func (m *Model) reviewMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case reviewCheckedMsg:
		if m.review == nil || msg.seq != m.review.seq {
			return nil, true
		}
		m.review.checking = false
		m.review.dup = msg.dup
		m.review.namesakes = msg.namesakes
		if msg.err != nil {
			m.review.checkErr, m.review.cobalt = plainAndCobalt(msg.err.Error())
		}
		if r := m.review; r.sendWhenChecked {
			r.sendWhenChecked = false
			if msg.err == nil && msg.dup == nil && !r.hasNamesakes() {
				return m.send(), true
			}
			switch {
			case msg.err != nil:
				r.result = "Held: it cannot be sent as it is."
			case msg.dup != nil:
				r.result = "Held: it looks like a duplicate."
			default:
				r.result = "Held: a name marked ⚠ above is shared; check it, then enter sends."
			}
		}
		return nil, true
	case submittedMsg:
		if m.review == nil || msg.seq != m.review.seq {
			return nil, true
		}
		return m.submitted(msg), true
	}
	return nil, false
}

// submitted reports the answer of Desk.Submit: sent (the form is emptied
// and the draft forgotten), or why not (the form is kept).
func (m *Model) submitted(msg submittedMsg) tea.Cmd {
	r := m.review
	r.sending = false
	ref := msg.ref
	m.log.Info("submit", "local_id", ref.ID, "status", string(ref.Status), "err", msg.err != nil)
	errText := theme.Clean(ref.FailureReason)
	if msg.err != nil {
		errText, r.cobalt = plainAndCobalt(msg.err.Error())
	}
	switch {
	case m.resend != 0 && errors.Is(msg.err, state.ErrIllegalTransition):
		r.result = fmt.Sprintf("Referral #%d is no longer Not sent (another desk may have sent it): see the Referrals pane. Esc to edit; sending then makes a new referral.", m.resend)
		m.resend = 0
		return nil
	case msg.err == nil && (ref.Status == state.Processing || ref.Status == state.Submitting || ref.Status == state.Completed):
		// An event, not a status: the status moves on (the pane shows it),
		// this line stays until the next thing happens.
		m.setFlash(fmt.Sprintf("Sent: referral #%d went to Cobalt at %s. Follow it in the Referrals pane.", ref.ID, m.now().Format("15:04")), false)
	case ref.Status == state.Unknown:
		m.setFlash(fmt.Sprintf("Cobalt's answer for referral #%d was lost. It is being checked (Unknown in the pane): do not send it again.", ref.ID), true)
	case ref.Status == state.Failed:
		plain, cobalt := plainAndCobalt(ref.FailureReason)
		r.result, r.cobalt = "Cobalt refused it: "+plain+" — esc to edit.", cobalt
		return nil
	case ref.Status == state.NotSent:
		m.resend = ref.ID
		r.result = "Not sent: " + errText + ". Nothing reached Cobalt; enter to try again, esc to edit."
		return nil
	default:
		r.result = "Not sent: " + errText + " — esc to edit."
		return nil
	}
	m.screen = screenMain
	m.review, m.resend = nil, 0
	cmd := m.form.Reset()
	m.lastInput = m.form.Input()
	m.savedGen = m.draftGen
	return tea.Batch(cmd, m.clearDraft())
}

// reviewView shows exactly what will be sent, in h lines at most: the
// verdict, the answer and the keys at the bottom always show (a duplicate
// or a refusal must not fall off a small window); when the whole does not
// fit, the codes' descriptions take one line each, then the rows give up
// their last lines, saying so.
func (m *Model) reviewView(w, h int) string {
	foot := m.reviewFooter(w, false)
	room := h - lipgloss.Height(foot)
	body := m.reviewBody(w, false)
	if h > 0 && lipgloss.Height(body) > room {
		foot = m.reviewFooter(w, true)
		room = h - lipgloss.Height(foot)
		body = m.reviewBody(w, true)
	}
	if lines := strings.Split(body, "\n"); h > 0 && len(lines) > room && room >= 2 {
		cut := len(lines) - (room - 1)
		body = strings.Join(lines[:room-1], "\n") + "\n" +
			m.styles.Warn.Render(textsafe.Fit(fmt.Sprintf("… %d more lines: enlarge the window, or esc to see the form", cut), w))
	}
	return body + "\n" + foot
}

// reviewBody is the review's rows: what will be sent. compact keeps each
// code's description on one line and leaves out the providers' directory
// names (the direction says them).
func (m *Model) reviewBody(w int, compact bool) string {
	st, r := m.styles, m.review
	var b strings.Builder
	b.WriteString(st.Title.Render("Review — exactly what will be sent to Cobalt") + "\n")
	if !compact {
		b.WriteString("\n")
	}
	row := func(label, v string) {
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, st.Label.Render(fmt.Sprintf("%-16s", label)),
			lipgloss.NewStyle().Width(max(10, w-16)).Render(v)) + "\n")
	}
	fromDir, toDir, _ := api.DirectoryFor(r.in.Direction)
	twin := func(i int, name, dir, check string) string {
		if r.namesakes[i] < 2 {
			return ""
		}
		return "\n" + st.Warn.Render(fmt.Sprintf("⚠ %d × %s in %s: check the %s", r.namesakes[i], theme.Clean(name), dir, check))
	}
	row("Patient", r.patient.Summary()+twin(0, r.in.PatientName, "patients", "date of birth and MRN"))
	row("Direction", r.in.Direction)
	dir := func(c picker.Choice, d string) string {
		if c.None() || compact {
			return ""
		}
		return st.Muted.Render(" (" + d + ")")
	}
	row("From", r.from.Summary()+dir(r.from, fromDir)+twin(1, r.in.FromName, fromDir, "city, speciality and NPI"))
	row("To", r.to.Summary()+dir(r.to, toDir)+twin(2, r.in.ToName, toDir, "city, speciality and NPI"))
	prio := r.in.Priority
	switch prio {
	case api.PriorityUrgent:
		prio = st.Urgent.Render("URGENT !")
	case api.PriorityStat:
		prio = st.Stat.Render("STAT !!")
	}
	row("Priority", prio)
	row("Reason", theme.CleanLines(r.in.Reason))
	codes := "none"
	if len(r.in.DiagnosisCodes) > 0 {
		codes = m.form.CodesText(r.in.DiagnosisCodes)
		if compact {
			lines := strings.Split(codes, "\n")
			for i, l := range lines {
				lines[i] = ansi.Truncate(l, max(10, w-16), "…")
			}
			codes = strings.Join(lines, "\n")
		}
	}
	row("Diagnosis codes", codes)
	if len(r.in.Documents) == 0 {
		row("Documents", "none")
	}
	for i, d := range r.in.Documents {
		label := ""
		if i == 0 {
			label = "Documents"
		}
		row(label, d.Filename()+"  "+api.HumanBytes(d.Size))
	}
	size := form.BodySize(r.in)
	row("Request size", api.HumanBytes(size)+" of "+api.HumanBytes(api.MaxRequestBytes))
	if m.resend != 0 {
		row("Sent as", fmt.Sprintf("referral #%d again (it was Not sent: Cobalt never had it)", m.resend))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// reviewFooter is the review's verdict (checking, refused, a duplicate,
// ready), the answer to the last key, and the keys.
func (m *Model) reviewFooter(w int, compact bool) string {
	st, r := m.styles, m.review
	wrap := lipgloss.NewStyle().Width(w)
	var b strings.Builder
	gap := "\n"
	if compact {
		gap = ""
	}
	b.WriteString(gap)
	switch {
	case r.checking:
		b.WriteString(st.Muted.Render("Checking against the directories…") + "\n")
	case r.checkErr != "":
		b.WriteString(wrap.Render(st.Error.Render("✗ "+r.checkErr)) + "\n")
		if r.cobalt != "" {
			b.WriteString(wrap.Render(st.Muted.Render("Cobalt's message: "+r.cobalt)) + "\n")
		}
	case r.dup != nil:
		d := r.dup
		b.WriteString(wrap.Render(st.Warn.Render(fmt.Sprintf(
			"⚠ Possible duplicate: referral #%d for this patient to the same provider with the same reason was sent %s ago (%s). Press y to send anyway, esc to edit.",
			d.ID, pane.Duration(m.now().Sub(d.CreatedAt)), d.Status.Label()))) + "\n")
	default:
		b.WriteString(st.OK.Render("✓ Ready to send.") + "\n")
	}
	if r.result != "" {
		style := st.Muted
		if strings.HasPrefix(r.result, "Not sent") || strings.HasPrefix(r.result, "Cobalt refused") {
			style = st.Error
		}
		b.WriteString(wrap.Render(style.Render(r.result)) + "\n")
		if r.cobalt != "" && r.checkErr == "" {
			b.WriteString(wrap.Render(st.Muted.Render("Cobalt's message: "+r.cobalt)) + "\n")
		}
	}
	b.WriteString(gap + st.Muted.Render(theme.Hint(0, m.reviewKeys()...)))
	return b.String()
}

// reviewKeys are the keys that do something on the review now, for its
// footer and the help line: a duplicate warning takes y, not Enter; a
// refusal or a Failed answer only esc.
func (m *Model) reviewKeys() []key.Binding {
	r, k := m.review, *m.keys
	if m.screen != screenReview || r == nil {
		return nil
	}
	switch {
	case r.sending:
		return nil
	case r.checking && !r.sendWhenChecked:
		k.Submit.SetHelp("enter", "send once checked")
		return []key.Binding{k.Submit, k.Edit}
	case r.checking:
		return []key.Binding{k.Edit}
	case r.checkErr != "" || strings.HasPrefix(r.result, "Cobalt refused"):
		return []key.Binding{k.Edit}
	case r.dup != nil && !r.confirmed:
		k.Edit.SetHelp("esc", "back")
		return []key.Binding{k.Confirm, k.Edit}
	case strings.HasPrefix(r.result, "Not sent"):
		k.Submit.SetHelp("enter", "try again")
	}
	return []key.Binding{k.Submit, k.Edit}
}

// plainAndCobalt is a refusal in the form's words, cleaned for the screen,
// and Cobalt's exact message when it says something else ("" when not).
func plainAndCobalt(msg string) (plain, cobalt string) {
	p := state.Plain(msg)
	if p == strings.TrimSpace(msg) {
		return theme.Clean(p), ""
	}
	return theme.Clean(p), theme.Clean(msg)
}
