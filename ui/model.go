package ui

import (
	"context"
	"log/slog"
	"reflect"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/form"
	"refdesk/ui/pane"
	"refdesk/ui/picker"
	"refdesk/ui/theme"
)

// screen is what has the keyboard besides the form and the pane.
type screen int

const (
	screenMain   screen = iota
	screenReview        // the review step
	screenQuit          // "quit with a draft?"
	screenResume        // "resume your draft?"
)

// Model is the root model.
type Model struct {
	s      Session
	ctx    context.Context
	log    *slog.Logger
	now    func() time.Time
	styles *theme.Styles
	keys   *theme.Keys
	form   form.Model
	pane   pane.Model
	help   help.Model
	width  int
	height int
	dark   bool
	onPane bool // the pane (or its tab) has the keyboard
	screen screen
	review *review
	// resend is the Not sent referral the form holds a correction of (it
	// was reopened, or its send was not delivered): sending resends it
	// under its number instead of making a new one. 0: a new referral.
	resend   int64
	flash    string // the last message for the user
	flashErr bool

	styleGen  int  // bumped by restyle: cached drawings are stale
	paneShown bool // what the pane was last told by SetVisible
	cache     viewCache

	// The draft: saved draftDelay after typing pauses.
	lastInput state.ReferralInput
	lastFocus int
	draftGen  int
	savedGen  int
	resumeIn  state.ReferralInput
	resumeAt  time.Time
	// confirmDiscard: d was pressed on the quit or resume question; y
	// now discards the draft, anything else keeps it.
	confirmDiscard bool

	// Directory sync.
	syncedAt  time.Time
	syncKnown bool // syncedAt has been read (until then the header says nothing of it)
	// syncStatus is the automatic sync's last failure; syncBg that the
	// process syncs in the background now (both reread with the clock).
	syncStatus state.SyncStatus
	syncBg     bool
	syncing    bool
	syncProg   state.SyncProgress
	syncCh     chan tea.Msg
}

func newModel(s Session) *Model {
	if s.Context == nil {
		s.Context = context.Background()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.DraftDelay <= 0 {
		s.DraftDelay = 600 * time.Millisecond
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := theme.New(true, s.NoColor)
	keys := theme.DefaultKeys()
	m := &Model{s: s, ctx: s.Context, log: log, now: s.Now, styles: &st, keys: &keys, dark: true,
		width: 80, height: 24}
	m.form = form.New(form.Config{Sources: m.sources(), Remote: m.remote(), DocumentsDir: s.DocumentsDir,
		Confine: s.Confine, InboxDir: s.InboxDir, SentDocs: m.sentDocs(), Styles: m.styles, Keys: m.keys,
		Codes: s.Desk.Codes(), Now: s.Now})
	var store pane.Store
	if s.Desk != nil {
		store = s.Desk
	}
	m.pane = pane.New(s.Context, store, m.styles, m.keys, s.Now)
	m.pane.SetUser(s.User)
	m.pane.OnEventShown = s.OnEventShown
	m.help = help.New()
	m.help.Styles = st.Help
	m.lastInput = m.form.Input()
	m.lastFocus = m.form.Focus()
	m.paneShown = true // the pane starts visible (SetVisible is not called yet)
	m.cache.formDirty = true
	m.resize()
	return m
}

// sentDocs reads which files went with referrals already sent, for the
// file picker's marks (nil without a desk).
func (m *Model) sentDocs() func() map[string]bool {
	d, ctx := m.s.Desk, m.s.Context
	if d == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return func() map[string]bool {
		paths, err := d.SentDocumentPaths(ctx, 2000)
		if err != nil {
			return nil
		}
		return paths
	}
}

// sources are the desk's three indexes as this desk's pickers search them
// (its own recent choices first on an empty search), nil when there is no
// desk.
func (m *Model) sources() form.Sources {
	d, ctx := m.s.Desk, m.s.Context
	if d == nil {
		return form.Sources{}
	}
	src := func(dir state.Directory) picker.Source {
		if ix := d.IndexFor(ctx, m.s.User, dir); ix != nil {
			return ix
		}
		return nil
	}
	return form.Sources{Patients: src(state.Patients), Providers: src(state.Providers),
		Referring: src(state.ReferringProviders)}
}

// remote asks Cobalt for patients (GET /v1/patients), run by the picker in
// a tea.Cmd.
func (m *Model) remote() func(string) (int, error) {
	d, ctx := m.s.Desk, m.s.Context
	if d == nil {
		return nil
	}
	return func(q string) (int, error) {
		ps, err := d.FindPatientsRemote(ctx, picker.PatientQuery(q))
		return len(ps), err
	}
}

// Init asks for the background colour, focuses the form, loads the pane,
// the last sync time and any saved draft.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.form.Init(), m.pane.Init(), m.loadDraft(),
		m.loadSyncedAt(true), m.clock())
}

type clockMsg time.Time

// clock redraws the header's "synced … ago" now and then.
func (m *Model) clock() tea.Cmd {
	return tea.Tick(2*time.Second, func(t time.Time) tea.Msg { return clockMsg(t) })
}

// Update routes messages: root keys first, then the focused component;
// every other message goes to the components, which keep their own ids.
// The pane's own messages (its list, hub changes, spinner frames) go to the
// pane alone, so the form's drawing is kept; afterwards the pane is told
// whether it is on screen (its spinner ticks only then).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.pane.Owns(msg) {
		var cmd tea.Cmd
		m.pane, cmd = m.pane.Update(msg)
		return m, cmd
	}
	if _, ok := msg.(clockMsg); !ok {
		m.cache.formDirty = true
	}
	cmd := m.update(msg)
	if shown := m.paneVisible(); shown != m.paneShown {
		m.paneShown = shown
		cmd = tea.Batch(cmd, m.pane.SetVisible(shown))
	}
	return m, cmd
}

// paneVisible reports whether the pane is on screen now.
func (m *Model) paneVisible() bool {
	if m.tooSmall() || m.screen == screenQuit || m.screen == screenResume {
		return false
	}
	return m.wide() || m.onPane
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.restyle()
		return nil
	case clockMsg:
		return tea.Batch(m.clock(), m.loadSyncedAt(false))
	case tea.KeyPressMsg:
		cmd := m.keyPress(msg)
		return tea.Batch(cmd, m.draftChanged())
	case tea.PasteMsg:
		var cmd tea.Cmd
		if !m.onPane && m.screen == screenMain {
			m.form, cmd = m.form.Update(msg)
		} else if m.onPane {
			m.pane.Paste(msg.Content)
		}
		return tea.Batch(cmd, m.draftChanged())
	case pane.ReopenMsg:
		return m.reopen(msg.Referral)
	case SaveDraftMsg:
		if m.unsaved() {
			return m.saveDraft(m.draftGen)
		}
		return nil
	}
	if cmd, ok := m.rootMsg(msg); ok {
		return cmd
	}
	var c1, c2 tea.Cmd
	m.form, c1 = m.form.Update(msg)
	m.pane, c2 = m.pane.Update(msg)
	return tea.Batch(c1, c2, m.draftChanged())
}

// rootMsg handles the root's own async messages.
func (m *Model) rootMsg(msg tea.Msg) (tea.Cmd, bool) {
	if cmd, ok := m.draftMsg(msg); ok {
		return cmd, true
	}
	if cmd, ok := m.syncMsg(msg); ok {
		return cmd, true
	}
	return m.reviewMsg(msg)
}

func (m *Model) restyle() {
	m.styleGen++
	*m.styles = theme.New(m.dark, m.s.NoColor)
	m.help.Styles = m.styles.Help
	m.form.SetStyles(m.styles)
	m.pane.SetStyles(m.styles)
}

// keyPress handles a key: questions first, then global keys, then the
// screen that has the keyboard.
func (m *Model) keyPress(k tea.KeyPressMsg) tea.Cmd {
	keys := m.keys
	if m.tooSmall() {
		if key.Matches(k, keys.Quit) {
			return m.quit()
		}
		return nil
	}
	switch m.screen {
	case screenQuit:
		return m.quitKey(k)
	case screenResume:
		return m.resumeKey(k)
	}
	switch {
	case key.Matches(k, keys.Quit):
		return m.quit()
	case key.Matches(k, m.helpBinding()):
		m.help.ShowAll = !m.help.ShowAll
		m.resize()
		return nil
	case key.Matches(k, keys.Sync):
		return m.startSync()
	case key.Matches(k, keys.Switch):
		m.onPane = !m.onPane
		return nil
	}
	if m.screen == screenReview {
		return m.reviewKey(k)
	}
	if key.Matches(k, keys.Review) {
		return m.toReview()
	}
	if key.Matches(k, keys.Back) {
		return m.back()
	}
	var cmd tea.Cmd
	if m.onPane {
		if m.qQuits() && key.Matches(k, keys.QuitList) {
			return m.quit()
		}
		m.pane, cmd = m.pane.Update(k)
		return cmd
	}
	m.form, cmd = m.form.Update(k)
	return cmd
}

// helpBinding is the help key now: ? is a character while typing, so
// only F1 opens the help there.
func (m *Model) helpBinding() key.Binding {
	if m.typing() {
		return m.keys.HelpF1
	}
	return m.keys.Help
}

// typing reports whether printable keys go into a text field now.
func (m *Model) typing() bool {
	if m.onPane {
		return m.screen == screenMain && (m.pane.Searching() || m.pane.Typing())
	}
	return m.screen == screenMain && m.form.Typing()
}

// back is Esc: out of the innermost thing that is open.
func (m *Model) back() tea.Cmd {
	switch {
	case m.help.ShowAll:
		m.help.ShowAll = false
		m.resize()
	case m.onPane && m.pane.Back():
	case m.onPane:
		m.onPane = false
	case m.form.Busy():
		m.form.Back()
	case m.form.HasQuery():
		return m.form.ClearQuery()
	}
	return nil
}

// reopen puts a Failed or Not sent referral back into the form.
func (m *Model) reopen(r state.Referral) tea.Cmd {
	cmd := m.form.SetInput(r.ReferralInput)
	cmd = tea.Batch(cmd, m.draftChanged()) // the reopened referral is now the draft
	m.onPane = false
	m.screen = screenMain
	why := r.Status.Label()
	if r.FailureReason != "" {
		why += ": " + theme.Clean(state.Plain(r.FailureReason))
	}
	m.resend = 0
	then := "ctrl+s sends it as a new referral."
	if r.Status == state.NotSent {
		m.resend = r.ID // Cobalt never had it: the same referral goes again
		then = "ctrl+s sends it again as #" + itoa(int(r.ID)) + "."
	}
	m.setFlash("Reopened referral #"+itoa(int(r.ID))+" ("+why+"). Check it; "+then, false)
	return cmd
}

func (m *Model) setFlash(s string, isErr bool) { m.flash, m.flashErr = s, isErr }

// draftChanged schedules a draft save when the form's content changed, and
// saves at once when the focus left a field with unsaved typing (moving on
// is a natural checkpoint, and it bounds what a crash can lose to one field).
func (m *Model) draftChanged() tea.Cmd {
	in := m.form.Input()
	focus := m.form.Focus()
	moved := focus != m.lastFocus
	m.lastFocus = focus
	if !reflect.DeepEqual(in, m.lastInput) {
		m.lastInput = in
		m.flash = "" // the form moved on: field messages say what is still wrong
		m.draftGen++
		if !moved {
			gen := m.draftGen
			return tea.Tick(m.s.DraftDelay, func(time.Time) tea.Msg { return draftTickMsg{gen} })
		}
	}
	if moved && m.unsaved() {
		return m.saveDraft(m.draftGen)
	}
	return nil
}
