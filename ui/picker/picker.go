// Package picker is the fuzzy picker the form uses for the patient and the
// two providers: type to filter (the search runs in a tea.Cmd on the
// picker's own state.Searcher, which narrows from the previous keystroke; a
// new key cancels the previous key's search, and answers older than the
// last keystroke are dropped, so typing never waits), matched
// characters highlighted, the count of matches, the desk's recent choices
// and the clinic's most used first when the query is empty (the Source's
// Searcher decides), an explicit "No provider on this side" row for
// providers and, for patients, "Ask Cobalt" when nothing matches locally.
package picker

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/theme"
)

// Source is what a picker searches: *state.DeskIndex (a desk's view, its
// own recent choices first) and *state.Index satisfy it. The picker
// searches only through its own Searcher (NewSearcher, made when the picker
// gets the source), which narrows from the previous keystroke and notices
// when a sync replaces the index's contents.
type Source interface {
	NewSearcher() *state.Searcher
	Touch(key string)
	Lookup(key string) (state.Entry, bool)
	Len() int
}

// Choice is what was picked. Key is the EHR id or MRN, or api.NoProvider;
// DOB (patients) and Info (providers) tell it from a namesake.
type Choice struct {
	Key     string
	Name    string
	Patient bool
	DOB     string // YYYY-MM-DD
	Info    state.ProviderInfo
}

// ChoiceOf is an entry chosen in a patient (patients) or provider picker.
func ChoiceOf(e state.Entry, patients bool) Choice {
	c := Choice{Key: e.Key, Name: e.Name, Patient: patients}
	if patients {
		c.DOB = e.DOB
	} else {
		c.Info = e.Info()
	}
	return c
}

// None reports whether the choice is "No provider on this side".
func (c Choice) None() bool { return c.Key == api.NoProvider }

// Empty reports whether nothing is chosen.
func (c Choice) Empty() bool { return c.Key == "" }

// Config sets a picker up.
type Config struct {
	ID        int    // tags async answers; unique among a form's pickers
	Label     string // "Patient", "From", "To"
	AllowNone bool   // offer "No provider on this side"
	Patients  bool   // normalise dates of birth; offer to ask Cobalt
	Limit     int    // rows kept per search (default 50)
	// Remote asks Cobalt for patients matching the query and returns how
	// many it found (state adds them to the index). Run inside a tea.Cmd.
	Remote func(query string) (int, error)
}

// ChosenMsg says the user picked something in picker ID.
type ChosenMsg struct {
	ID     int
	Choice Choice
}

type resultMsg struct {
	id, seq int
	res     state.Result
}

type remoteMsg struct {
	id, seq int
	query   string
	n       int
	err     error
}

type rowKind int

const (
	rowEntry rowKind = iota
	rowNone
	rowAsk
)

type row struct {
	kind  rowKind
	match state.Match
}

// Model is one picker. It is a value; the form keeps it in a field.
type Model struct {
	cfg     Config
	src     Source
	finder  *state.Searcher    // src's, this picker's own; nil without src
	cancel  context.CancelFunc // of the search in flight, if any
	title   string             // which directory it searches
	styles  *theme.Styles
	keys    *theme.Keys
	input   textinput.Model
	seq     int // of the last search asked for
	ansSeq  int // of the search res answers
	res     state.Result
	loaded  bool // res answers seq
	cursor  int
	chosen  Choice
	focused bool
	note    string // remote search status, said plainly
	asking  bool
	// listing: the list is shown. A picker holding a choice shows the
	// choice when it gets focus; typing or ↑/↓ brings the list back.
	listing bool
	// pending: Enter came before the answer to the current search; the
	// answer decides (the best match, or "no match").
	pending bool
}

// New builds a picker over src.
func New(cfg Config, src Source, st *theme.Styles, keys *theme.Keys) Model {
	if cfg.Limit <= 0 {
		cfg.Limit = 50
	}
	in := textinput.New()
	in.Prompt = "› "
	in.Placeholder = "type to search"
	in.SetStyles(st.TextInput)
	in.CharLimit = 120
	m := Model{cfg: cfg, styles: st, keys: keys, input: in}
	m.setSource(src)
	return m
}

// SetSource points the picker at another directory (direction changed) and
// says which one in its title.
func (m *Model) SetSource(src Source, title string) {
	m.setSource(src)
	m.title = title
	m.loaded = false
}

// setSource takes src and a Searcher of its own over it, and cancels a
// search still running on the previous one.
func (m *Model) setSource(src Source) {
	m.stop()
	m.src, m.finder = src, nil
	if src != nil {
		m.finder = src.NewSearcher()
	}
}

// stop cancels the search in flight, if any: its answer is no longer wanted.
func (m *Model) stop() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// SetStyles applies new styles (the background colour arrived).
func (m *Model) SetStyles(st *theme.Styles) {
	m.styles = st
	m.input.SetStyles(st.TextInput)
}

// Title says which directory the picker searches.
func (m Model) Title() string { return m.title }

// Chosen is the current choice (Empty when none).
func (m Model) Chosen() Choice { return m.chosen }

// SetChosen restores a choice (a draft, a reopened referral).
func (m *Model) SetChosen(c Choice) { m.chosen = c }

// Clear forgets the choice.
func (m *Model) Clear() { m.chosen = Choice{} }

// Query is what the user typed.
func (m Model) Query() string { return m.input.Value() }

// SetQuery sets the typed text without searching.
func (m *Model) SetQuery(q string) {
	m.input.SetValue(q)
	m.loaded, m.pending, m.note = false, false, ""
}

// Listing reports whether the list is shown (not only the choice).
func (m Model) Listing() bool { return m.listing }

// typed is the search without surrounding spaces.
func (m Model) typed() string { return strings.TrimSpace(m.input.Value()) }

// Focused reports whether the picker has the keyboard.
func (m Model) Focused() bool { return m.focused }

// Focus gives the picker the keyboard and searches for the current query.
func (m *Model) Focus() tea.Cmd {
	m.focused = true
	m.listing = m.chosen.Empty() || m.typed() != ""
	return tea.Batch(m.input.Focus(), m.search())
}

// Blur takes the keyboard away.
func (m *Model) Blur() { m.focused = false; m.pending = false; m.input.Blur() }

// Refresh searches again (after a sync replaced the index's contents).
func (m *Model) Refresh() tea.Cmd { return m.search() }

// Result is the last search's answer and whether it is current.
func (m Model) Result() (state.Result, bool) { return m.res, m.loaded }

// search starts a search for the current query in a tea.Cmd (never in
// Update), cancelling the previous one. A cancelled search answers nothing;
// an answer that still arrives after a newer search started is dropped by
// its sequence number.
func (m *Model) search() tea.Cmd {
	m.seq++
	m.stop()
	seq, id, finder, limit := m.seq, m.cfg.ID, m.finder, m.cfg.Limit
	q := m.input.Value()
	if m.cfg.Patients {
		q = NormalizeQuery(q)
	}
	if finder == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	return func() tea.Msg {
		defer cancel()
		res, err := finder.SearchContext(ctx, q, limit)
		if err != nil {
			return nil // cancelled by a newer key
		}
		return resultMsg{id: id, seq: seq, res: res}
	}
}

// Update handles keys when focused and the answers of its own searches.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case resultMsg:
		if msg.id == m.cfg.ID && msg.seq == m.seq {
			m.res, m.loaded, m.ansSeq = msg.res, true, msg.seq
			m.cursor = m.firstCursor()
			if m.pending && m.focused {
				m.pending = false
				return m.choose(m.rows())
			}
		}
		return m, nil
	case remoteMsg:
		if msg.id != m.cfg.ID {
			return m, nil
		}
		m.asking = false
		switch {
		case msg.err != nil:
			m.note = "Could not ask Cobalt: " + theme.Clean(msg.err.Error()) + ". Try again with Enter."
		case msg.n == 0:
			m.note = "Cobalt has no synced patient matching “" + theme.Clean(msg.query) +
				"”. A referral needs a patient already synced to Cobalt: add or sync the patient in the EHR first."
		default:
			m.note = "Cobalt found " + plural(msg.n, "patient") + "; now in the list."
			return m, m.search()
		}
		return m, nil
	case tea.KeyPressMsg:
		if !m.focused {
			return m, nil
		}
		rows := m.rows()
		switch {
		case m.cfg.AllowNone && key.Matches(msg, m.keys.None):
			return m.pick(Choice{Key: api.NoProvider, Name: "No provider on this side"})
		case !m.listing && (key.Matches(msg, m.keys.Up) || key.Matches(msg, m.keys.Down)):
			m.listing = true
			return m, nil
		case key.Matches(msg, m.keys.Up):
			if m.cursor > 0 {
				m.cursor--
			}
			return m, nil
		case key.Matches(msg, m.keys.Down):
			if m.cursor < len(rows)-1 {
				m.cursor++
			}
			return m, nil
		case key.Matches(msg, m.keys.Choose) && !m.listing:
			return m.pick(m.chosen) // the choice shown is kept
		case key.Matches(msg, m.keys.Choose) && m.ansSeq != m.seq && m.finder != nil:
			// The rows on screen answer an older search (a key typed
			// since): choosing one could pick what was not asked for.
			m.pending = true // the answer to what was typed decides
			return m, nil
		case key.Matches(msg, m.keys.Choose):
			return m.choose(rows)
		}
		before := m.input.Value()
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		if m.input.Value() != before {
			m.note, m.pending, m.listing = "", false, true
			return m, tea.Batch(cmd, m.search())
		}
		return m, cmd
	case tea.PasteMsg:
		if !m.focused {
			return m, nil
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		m.note, m.pending, m.listing = "", false, true
		return m, tea.Batch(cmd, m.search())
	}
	return m, nil
}

// choose takes the highlighted row. Typed text that matches nothing
// chooses nothing: it says so, and the choice held before stays.
func (m Model) choose(rows []row) (Model, tea.Cmd) {
	if m.cursor < 0 || m.cursor >= len(rows) {
		if q := m.typed(); q != "" && m.ansSeq == m.seq {
			m.note = "No match for “" + theme.Clean(q) + "”: nothing was chosen. Change the search, or esc to clear it."
			if m.cfg.AllowNone {
				m.note += " No provider on this side: ctrl+o."
			}
		}
		return m, nil
	}
	r := rows[m.cursor]
	switch r.kind {
	case rowNone:
		return m.pick(Choice{Key: api.NoProvider, Name: "No provider on this side"})
	case rowAsk:
		return m, m.askRemote()
	}
	return m.pick(ChoiceOf(r.match.Entry, m.cfg.Patients))
}

// pick makes c the choice, and tells the form (which moves on). The
// search served its purpose: it is cleared, so coming back shows the
// choice and new typing starts a new search.
func (m Model) pick(c Choice) (Model, tea.Cmd) {
	m.chosen, m.note, m.pending = c, "", false
	m.listing = false
	var again tea.Cmd
	if m.input.Value() != "" {
		m.input.SetValue("")
		again = m.search()
	}
	id, src := m.cfg.ID, m.src
	return m, tea.Batch(again, func() tea.Msg {
		if src != nil && !c.None() {
			src.Touch(c.Key)
		}
		return ChosenMsg{ID: id, Choice: c}
	})
}

func (m *Model) askRemote() tea.Cmd {
	if m.cfg.Remote == nil || m.asking {
		return nil
	}
	m.asking = true
	m.note = "Asking Cobalt…"
	id, seq, q, remote := m.cfg.ID, m.seq, m.input.Value(), m.cfg.Remote
	return func() tea.Msg {
		n, err := remote(q)
		return remoteMsg{id: id, seq: seq, query: q, n: n, err: err}
	}
}
