package form

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/picker"
	"refdesk/ui/theme"
)

// recheckMsg answers the re-check of chosen providers after a direction
// change; gen drops answers to an older change.
type recheckMsg struct {
	gen            int
	direction      string
	fromOK, toOK   bool
	fromDir, toDir string
}

func (m Model) directionKey(kp tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.cfg.Keys
	next := m.direction
	switch {
	case key.Matches(kp, k.Incoming):
		next = api.DirectionIncoming
	case key.Matches(kp, k.Outgoing):
		next = api.DirectionOutgoing
	case key.Matches(kp, k.Left), key.Matches(kp, k.Right):
		if next == api.DirectionIncoming {
			next = api.DirectionOutgoing
		} else {
			next = api.DirectionIncoming
		}
	case key.Matches(kp, k.Choose):
		if m.direction == "" {
			m.errs[FieldDirection] = missing("direction")
			return m, nil
		}
		return m, m.move(1)
	}
	letter := key.Matches(kp, k.Incoming, k.Outgoing)
	if kp.Text != "" && !letter && !key.Matches(kp, k.Left, k.Right) {
		// Another letter (typing ahead into the next field) chooses
		// nothing and stays: with no direction yet, it says which do.
		if m.direction == "" {
			m.errs[FieldDirection] = missing("direction")
		}
		return m, nil
	}
	var cmd tea.Cmd
	if next != m.direction {
		cmd = m.SetDirection(next)
	}
	if letter && m.direction != "" {
		// i or o says it all: move on, as Enter would (one key saved on
		// every referral).
		return m, tea.Batch(cmd, m.move(1))
	}
	return m, cmd
}

// SetDirection changes the direction, points both provider pickers at the
// directories it requires, and re-checks the providers already chosen.
func (m *Model) SetDirection(d string) tea.Cmd {
	m.direction = d
	m.errs[FieldDirection] = ""
	m.notice = ""
	// A search belongs to its directory: typed for the other one, it would
	// find someone else here.
	m.from.SetQuery("")
	m.to.SetQuery("")
	m.setDirectories()
	m.recheck++
	gen, from, to := m.recheck, m.from.Chosen(), m.to.Chosen()
	fromName, toName, _ := api.DirectoryFor(d)
	fromSrc, toSrc := m.source(fromName), m.source(toName)
	check := func() tea.Msg {
		return recheckMsg{gen: gen, direction: d, fromDir: fromName, toDir: toName,
			fromOK: fits(fromSrc, from), toOK: fits(toSrc, to)}
	}
	return tea.Batch(check, m.from.Refresh(), m.to.Refresh())
}

// fits reports whether a chosen provider exists in src (none always fits).
func fits(src picker.Source, c picker.Choice) bool {
	if c.Empty() || c.None() {
		return true
	}
	if src == nil {
		return false
	}
	_, ok := src.Lookup(c.Key)
	return ok
}

func (m Model) applyRecheck(r recheckMsg) Model {
	if r.gen != m.recheck {
		return m
	}
	var cleared []string
	if !r.fromOK {
		cleared = append(cleared, "From ("+theme.Clean(m.from.Chosen().Name)+") is not in the "+r.fromDir+" directory")
		m.from.Clear()
	}
	if !r.toOK {
		cleared = append(cleared, "To ("+theme.Clean(m.to.Chosen().Name)+") is not in the "+r.toDir+" directory")
		m.to.Clear()
	}
	if len(cleared) > 0 {
		m.notice = "Direction is now " + r.direction + ": " + strings.Join(cleared, "; ") +
			", so it was cleared. Choose again."
	} else if !m.from.Chosen().Empty() || !m.to.Chosen().Empty() {
		m.notice = "Direction is now " + r.direction + ": the chosen providers still fit."
	}
	return m
}

// source maps a directory's name (api.DirectoryFor) to its index.
func (m Model) source(dir string) picker.Source {
	switch dir {
	case api.DirProviders:
		return m.cfg.Sources.Providers
	case api.DirReferringProviders:
		return m.cfg.Sources.Referring
	}
	return nil
}

// setDirectories points the provider pickers at the direction's
// directories and titles them accordingly.
func (m *Model) setDirectories() {
	fromDir, toDir, ok := api.DirectoryFor(m.direction)
	if !ok {
		m.from.SetSource(nil, "choose the direction first")
		m.to.SetSource(nil, "choose the direction first")
		return
	}
	m.from.SetSource(m.source(fromDir), "searches "+describe(fromDir))
	m.to.SetSource(m.source(toDir), "searches "+describe(toDir))
}

func describe(dir string) string {
	if dir == api.DirProviders {
		return "providers (this clinic's own)"
	}
	return "referring providers (outside)"
}

func (m Model) priorityKey(kp tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.cfg.Keys
	order := []string{api.PriorityRoutine, api.PriorityUrgent, api.PriorityStat}
	i := 0
	for j, p := range order {
		if p == m.priority {
			i = j
		}
	}
	switch {
	case key.Matches(kp, k.Routine):
		m.priority = api.PriorityRoutine
		return m, m.move(1) // the letter says it all: move on
	case key.Matches(kp, k.Urgent):
		m.priority = api.PriorityUrgent
		return m, m.move(1)
	case key.Matches(kp, k.Stat):
		m.priority = api.PriorityStat
		return m, m.move(1)
	case key.Matches(kp, k.Left):
		m.priority = order[(i+2)%3]
	case key.Matches(kp, k.Right):
		m.priority = order[(i+1)%3]
	case key.Matches(kp, k.Choose):
		return m, m.move(1)
	}
	return m, nil
}

// missing is the message for an empty required field: Cobalt's rule, in
// the form's words (state.Plain).
func missing(wire string) string { return state.Plain("Missing required fields: " + wire + ".") }

// validate checks field f as the user leaves it, with Cobalt's rules.
func (m *Model) validate(f int) {
	m.errs[f] = ""
	switch f {
	case FieldPatient:
		if m.patient.Chosen().Empty() {
			m.errs[f] = missing("patient_mrn")
			if m.patient.Query() != "" {
				m.errs[f] += " Typing a name does not choose a patient: pick one from the list with Enter."
			}
		}
	case FieldDirection:
		if m.direction == "" {
			m.errs[f] = missing("direction")
		}
	case FieldFrom:
		if m.from.Chosen().Empty() {
			m.errs[f] = missing("referring_from_provider_ehr_id")
		}
	case FieldTo:
		if m.to.Chosen().Empty() {
			m.errs[f] = missing("referring_to_provider_ehr_id")
		}
	case FieldReason:
		if strings.TrimSpace(m.reason.Value()) == "" {
			m.errs[f] = missing("reason")
		}
	case FieldCodes:
		m.errs[f] = m.codes.leave()
	case FieldDocuments:
		m.errs[f] = m.docs.Check()
	}
}

// ValidateAll checks every field and the request as Cobalt would. It
// returns the request-wide message (Cobalt's, "" when all is well) and
// focuses the first field with a problem.
func (m *Model) ValidateAll() (string, tea.Cmd) {
	if m.Offering() {
		// The review would show the referral without the scan asked
		// about: the question is answered first, and stays open.
		return m.docs.Unanswered(), nil
	}
	first := -1
	for f := 0; f < fieldCount; f++ {
		m.validate(f)
		if m.errs[f] != "" && first < 0 {
			first = f
		}
	}
	in := m.Input()
	req := in.Request()
	m.docs.SetBase(baseSize(in))
	msg := ""
	if err := req.Validate(); err != nil {
		msg = state.Plain(err.Error())
	}
	if first < 0 && msg == "" {
		return "", nil
	}
	if first >= 0 {
		// Each marked field says what to do; the flash names them.
		var bad []string
		for f := 0; f < fieldCount; f++ {
			if m.errs[f] != "" {
				bad = append(bad, fieldNames[f])
			}
		}
		msg = "To fix: " + andList(bad) + ". Each field says what to do; the cursor is on " + fieldNames[first] + "."
	}
	if first < 0 {
		first = m.focus
	}
	return msg, m.focusField(first)
}

// Chosen providers, for the review.
func (m Model) Chosen() (patient, from, to picker.Choice) {
	return m.patient.Chosen(), m.from.Chosen(), m.to.Chosen()
}

// andList writes "A, B and C".
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
