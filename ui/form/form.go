// Package form is the referral form: Patient, Direction, From, To,
// Priority, Reason, Diagnosis codes, Documents, in that order.
//
// The fields are written with bubbles (textinput, textarea, filepicker)
// and small selects of our own rather than with huh: huh's fields move focus
// through async commands (a key typed right after Enter is lost), cannot
// host a fuzzy picker whose search runs in a tea.Cmd, and hide the state a
// test wants to read. Here every field is one keystroke away with Tab /
// Shift-Tab, single letters pick a direction (i/o) or priority (r/u/s),
// Enter in a picker chooses and moves on, and a test drives the model with
// Update and reads Input() and View().
package form

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/icd10"
	"refdesk/state"
	"refdesk/ui/files"
	"refdesk/ui/picker"
	"refdesk/ui/theme"
)

// Field numbers, in the form's order.
const (
	FieldPatient = iota
	FieldDirection
	FieldFrom
	FieldTo
	FieldPriority
	FieldReason
	FieldCodes
	FieldDocuments
	fieldCount
)

var fieldNames = [fieldCount]string{"Patient", "Direction", "From", "To", "Priority", "Reason",
	"Diagnosis codes", "Documents"}

// Picker ids, so each picker's async answers reach only itself.
const (
	idPatient = iota + 1
	idFrom
	idTo
)

// Sources are the directories the pickers search (*state.Index each).
type Sources struct {
	Patients, Providers, Referring picker.Source
}

// Config sets a form up.
type Config struct {
	Sources      Sources
	Remote       func(query string) (int, error) // ask Cobalt for patients
	DocumentsDir string
	Confine      bool
	// InboxDir is the desk's own upload inbox (serve), listed first in the
	// file picker; SentDocs gives the paths of files already sent.
	InboxDir string
	SentDocs func() map[string]bool
	Styles   *theme.Styles
	Keys     *theme.Keys
	Codes    *icd10.Set       // the diagnosis code set (nil: icd10.Embedded)
	Now      func() time.Time // the desk's clock (nil: time.Now)
}

// Model is the form.
type Model struct {
	cfg       Config
	focus     int
	patient   picker.Model
	from, to  picker.Model
	direction string
	priority  string
	reason    textarea.Model
	codes     codesField
	docs      files.Model
	errs      [fieldCount]string
	notice    string // e.g. what a direction change cleared
	recheck   int    // generation of the last direction re-check
	width     int
	height    int
}

// New builds an empty form, focused on Patient.
func New(cfg Config) Model {
	st, keys := cfg.Styles, cfg.Keys
	m := Model{cfg: cfg, priority: api.PriorityRoutine}
	m.patient = picker.New(picker.Config{ID: idPatient, Label: "Patient", Patients: true, Remote: cfg.Remote},
		cfg.Sources.Patients, st, keys)
	m.patient.SetSource(cfg.Sources.Patients, "synced patients · name, MRN or date of birth")
	m.from = picker.New(picker.Config{ID: idFrom, Label: "From", AllowNone: true}, nil, st, keys)
	m.to = picker.New(picker.Config{ID: idTo, Label: "To", AllowNone: true}, nil, st, keys)
	m.setDirectories()
	m.reason = textarea.New()
	m.reason.Placeholder = "Why is the patient referred? (required)" // the keys are on the line below
	m.reason.ShowLineNumbers = false
	m.reason.SetStyles(st.TextArea)
	m.reason.SetHeight(3)
	m.reason.CharLimit = 4000
	m.codes = newCodes(cfg.Codes, cfg.Now, st, keys)
	m.docs = files.New(cfg.DocumentsDir, cfg.Confine, st, keys)
	m.docs.SetInbox(cfg.InboxDir)
	m.docs.SetSent(cfg.SentDocs)
	m.width, m.height = 80, 20
	return m
}

// Init focuses the first field.
func (m *Model) Init() tea.Cmd { return m.focusField(FieldPatient) }

// SetStyles applies new styles to every field.
func (m *Model) SetStyles(st *theme.Styles) {
	m.cfg.Styles = st
	m.patient.SetStyles(st)
	m.from.SetStyles(st)
	m.to.SetStyles(st)
	m.reason.SetStyles(st.TextArea)
	m.codes.SetStyles(st)
	m.docs.SetStyles(st)
}

// SetSize gives the form its area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.reason.SetWidth(max(20, w-4))
	m.codes.SetWidth(max(20, w-6))
	// The other fields and the label, at one line each (View gives the
	// field what is really left, for the other fields' messages).
	m.docs.SetHeight(h - fieldCount)
}

// Focus is the focused field.
func (m Model) Focus() int { return m.focus }

// Busy reports whether a sub-screen inside a field (the file picker) is
// open, so Esc belongs to the field.
func (m Model) Busy() bool { return m.focus == FieldDocuments && m.docs.Picking() }

// Typing reports whether the focused field takes printable keys.
func (m Model) Typing() bool {
	switch m.focus {
	case FieldPatient, FieldFrom, FieldTo, FieldReason, FieldCodes:
		return true
	case FieldDocuments:
		return m.docs.Picking() // typing searches the file names
	}
	return false
}

// Errors are the current messages per field ("" when fine).
func (m Model) Errors() [fieldCount]string { return m.errs }

// Notice is the last form-wide message (e.g. a direction change).
func (m Model) Notice() string { return m.notice }

// Input is what the user has entered, as state keeps it.
func (m Model) Input() state.ReferralInput {
	p, f, t := m.patient.Chosen(), m.from.Chosen(), m.to.Chosen()
	in := state.ReferralInput{
		PatientMRN: p.Key, PatientName: p.Name, PatientDOB: p.DOB,
		Direction: m.direction,
		FromEHRID: f.Key, FromName: f.Name, From: f.Info, ToEHRID: t.Key, ToName: t.Name, To: t.Info,
		Priority: m.priority, Reason: m.reason.Value(),
		DiagnosisCodes: m.codes.Codes(),
		Documents:      m.docs.Docs(),
	}
	return in
}

// Empty reports whether nothing worth keeping has been entered.
func (m Model) Empty() bool { return m.Input().Empty() }

// SetInput fills the form (a draft or a reopened referral) and focuses the
// first field that still needs something.
func (m *Model) SetInput(in state.ReferralInput) tea.Cmd {
	m.patient.SetChosen(picker.Choice{Key: in.PatientMRN, Name: in.PatientName, Patient: true, DOB: in.PatientDOB})
	m.direction = in.Direction
	m.setDirectories()
	m.from.SetChosen(picker.Choice{Key: in.FromEHRID, Name: nameOrNone(in.FromEHRID, in.FromName), Info: in.From})
	m.to.SetChosen(picker.Choice{Key: in.ToEHRID, Name: nameOrNone(in.ToEHRID, in.ToName), Info: in.To})
	m.priority = in.Priority
	if m.priority == "" {
		m.priority = api.PriorityRoutine
	}
	m.reason.SetValue(in.Reason)
	m.codes.SetCodes(in.DiagnosisCodes)
	m.docs.SetDocs(in.Documents)
	m.errs = [fieldCount]string{}
	m.notice = ""
	m.patient.SetQuery("")
	m.from.SetQuery("")
	m.to.SetQuery("")
	return m.focusField(m.firstEmpty())
}

// firstEmpty is the first field that holds nothing yet (priority always
// holds one), or Patient when every field holds something.
func (m Model) firstEmpty() int {
	empty := [fieldCount]bool{
		FieldPatient:   m.patient.Chosen().Empty(),
		FieldDirection: m.direction == "",
		FieldFrom:      m.from.Chosen().Empty(),
		FieldTo:        m.to.Chosen().Empty(),
		FieldReason:    strings.TrimSpace(m.reason.Value()) == "",
		FieldCodes:     len(m.codes.Codes()) == 0,
		FieldDocuments: len(m.docs.Docs()) == 0,
	}
	for f, e := range empty {
		if e {
			return f
		}
	}
	return FieldPatient
}

// Reset empties the form (after a submit).
func (m *Model) Reset() tea.Cmd {
	cfg := m.cfg
	w, h := m.width, m.height
	*m = New(cfg)
	m.SetSize(w, h)
	return m.focusField(FieldPatient)
}

func nameOrNone(key, name string) string {
	if key == api.NoProvider {
		return "No provider on this side"
	}
	return name
}

// Update routes a message to the focused field and handles Tab / Shift-Tab.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case picker.ChosenMsg:
		return m.chosen(msg)
	case recheckMsg:
		return m.applyRecheck(msg), nil
	case tea.KeyPressMsg:
		switch {
		case m.Offering() && key.Matches(msg, m.cfg.Keys.Next, m.cfg.Keys.Prev):
			// Leaving would drop the scan unseen: the question stays.
			m.docs.Unanswered()
			return m, nil
		case key.Matches(msg, m.cfg.Keys.Next):
			return m, m.move(1)
		case key.Matches(msg, m.cfg.Keys.Prev):
			return m, m.move(-1)
		}
		return m.key(msg)
	case tea.PasteMsg:
		return m.key(msg)
	}
	// Async answers: every component checks its own ids.
	var c1, c2, c3, c4 tea.Cmd
	m.patient, c1 = m.patient.Update(msg)
	m.from, c2 = m.from.Update(msg)
	m.to, c3 = m.to.Update(msg)
	m.docs, c4 = m.docs.Update(msg)
	return m, tea.Batch(c1, c2, c3, c4)
}

// key gives a key (or paste) to the focused field.
func (m Model) key(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	kp, _ := msg.(tea.KeyPressMsg)
	switch m.focus {
	case FieldPatient:
		m.patient, cmd = m.patient.Update(msg)
	case FieldFrom:
		m.from, cmd = m.from.Update(msg)
	case FieldTo:
		m.to, cmd = m.to.Update(msg)
	case FieldDirection:
		return m.directionKey(kp)
	case FieldPriority:
		return m.priorityKey(kp)
	case FieldReason:
		m.reason, cmd = m.reason.Update(msg)
		if strings.TrimSpace(m.reason.Value()) != "" {
			m.errs[FieldReason] = ""
		}
	case FieldCodes:
		return m.codesKey(msg)
	case FieldDocuments:
		m.docs.SetBase(baseSize(m.Input()))
		m.docs, cmd = m.docs.Update(msg)
		m.errs[FieldDocuments] = ""
	}
	return m, cmd
}

// chosen moves on after a pick, as a person expects after Enter.
func (m Model) chosen(msg picker.ChosenMsg) (Model, tea.Cmd) {
	switch msg.ID {
	case idPatient:
		m.errs[FieldPatient] = ""
	case idFrom:
		m.errs[FieldFrom] = ""
	case idTo:
		m.errs[FieldTo] = ""
	}
	return m, m.move(1)
}
