// Package pane is the live list of referrals: newest first, each with its
// status in words (a spinner while Submitting or Processing), elapsed time,
// EHR id, documents attached/failed, Cobalt's failure reason and what needs
// a person's attention. It loads from state and then follows state's hub;
// Enter opens a referral's details with its transitions; a key reopens a
// Failed or Not sent referral in the form; another filters by status.
package pane

import (
	"context"
	"sort"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/theme"
)

// Store is what the pane reads: *state.Desk satisfies it.
type Store interface {
	Referrals(ctx context.Context, f state.Filter) ([]state.Referral, error)
	Get(ctx context.Context, id int64) (state.Referral, []state.Transition, error)
	Subscribe(ctx context.Context) <-chan state.Change
}

// ReopenMsg asks the root to put a referral back into the form.
type ReopenMsg struct{ Referral state.Referral }

type loadedMsg struct {
	list []state.Referral
	err  error
}

type subscribedMsg struct{ ch <-chan state.Change }

type changeMsg struct {
	change state.Change
	ok     bool
}

type detailMsg struct {
	id    int64
	ref   state.Referral
	trans []state.Transition
	err   error
}

// inProgress: sent or being sent, and not yet Completed or Failed (an
// Unknown referral is being checked).
func inProgress(r state.Referral) bool {
	return r.Status == state.Submitting || r.Status == state.Processing || r.Status == state.Unknown
}

// Filters, in the order the filter key cycles through them.
var filters = []struct {
	name string
	keep func(state.Referral) bool
}{
	{"all", func(state.Referral) bool { return true }},
	{"in progress", inProgress},
	{"completed", func(r state.Referral) bool { return r.Status == state.Completed }},
	{"failed", func(r state.Referral) bool { return r.Status == state.Failed }},
	{"not sent", func(r state.Referral) bool { return r.Status == state.NotSent }},
	{"needs attention", func(r state.Referral) bool { return r.Attention != "" }},
}

// spin is the in-flight spinner: the dot spinner at 5 frames a second
// rather than 10. Every frame redraws every screen that shows a referral in
// flight (50 desks over one server), and 5 is plenty to show life.
var spin = spinner.Spinner{Frames: spinner.Dot.Frames, FPS: time.Second / 5}

// Limit is how many referrals the pane loads.
const Limit = 500

// Model is the pane.
type Model struct {
	ctx     context.Context
	store   Store
	styles  *theme.Styles
	keys    *theme.Keys
	now     func() time.Time
	list    []state.Referral
	err     string
	loaded  bool
	filter  int
	find    finder // `/`: patient name, MRN or referral number
	cursor  int
	detail  *detailMsg
	spin    spinner.Model
	ticking bool
	hidden  bool // not on screen: the spinner does not tick
	rows    rowCache
	width   int
	height  int
	note    string
	ch      <-chan state.Change // the hub's, from Subscribe
	user    string              // who settles flagged referrals
	settle  *settle             // the question open about a flagged referral

	// OnEventShown (may be nil) is told how long each new event from
	// Cobalt took from the store to this pane.
	OnEventShown func(time.Duration)
}

// New builds a pane over store; now may be nil (time.Now).
func New(ctx context.Context, store Store, st *theme.Styles, keys *theme.Keys, now func() time.Time) Model {
	if now == nil {
		now = time.Now
	}
	return Model{ctx: ctx, store: store, styles: st, keys: keys, now: now,
		spin: spinner.New(spinner.WithSpinner(spin)), width: 60, height: 20, rows: newRowCache()}
}

// Init loads the list and subscribes to changes.
func (m Model) Init() tea.Cmd {
	if m.store == nil {
		return nil
	}
	ctx, store := m.ctx, m.store
	return tea.Batch(m.load(), func() tea.Msg { return subscribedMsg{store.Subscribe(ctx)} })
}

func (m Model) load() tea.Cmd {
	ctx, store := m.ctx, m.store
	return func() tea.Msg {
		l, err := store.Referrals(ctx, state.Filter{Limit: Limit})
		return loadedMsg{l, err}
	}
}

func wait(ch <-chan state.Change) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		c, ok := <-ch
		return changeMsg{c, ok}
	}
}

// SetStyles applies new styles.
func (m *Model) SetStyles(st *theme.Styles) { m.styles = st; m.rows.reset() }

// SetSize gives the pane its area.
func (m *Model) SetSize(w, h int) {
	if w != m.width {
		m.rows.reset()
	}
	m.width, m.height = w, h
}

// SetVisible tells the pane whether it is on screen. Hidden, its spinner
// stops ticking (nothing would show the frames); shown again, it restarts
// if a referral is in flight.
func (m *Model) SetVisible(v bool) tea.Cmd {
	m.hidden = !v
	if v {
		return m.startSpin()
	}
	return nil
}

// Ticking reports whether the spinner's next frame is scheduled.
func (m Model) Ticking() bool { return m.ticking }

// Owns reports whether msg is one of the pane's own asynchronous messages
// (its list, hub changes, details, spinner frames): the root gives those
// to the pane alone.
func (m Model) Owns(msg tea.Msg) bool {
	switch msg.(type) {
	case loadedMsg, subscribedMsg, changeMsg, detailMsg, settledMsg, spinner.TickMsg:
		return true
	}
	return false
}

// InDetail reports whether a referral's details are open.
func (m Model) InDetail() bool { return m.detail != nil }

// Back closes the details; false when there was nothing to close.
func (m *Model) Back() bool {
	if m.settle != nil {
		m.settle = nil
		m.note = ""
		return true
	}
	if m.detail == nil && m.clearFind() {
		return true
	}
	if m.detail == nil {
		return false
	}
	m.detail = nil
	return true
}

// InProgress is how many loaded referrals are in progress (what the "in
// progress" filter shows).
func (m Model) InProgress() int {
	n := 0
	for _, r := range m.list {
		if inProgress(r) {
			n++
		}
	}
	return n
}

// Referrals is the list as loaded (all filters), newest first.
func (m Model) Referrals() []state.Referral { return m.list }

// Visible is the list under the current filter.
func (m Model) Visible() []state.Referral {
	var out []state.Referral
	for _, r := range m.list {
		if filters[m.filter].keep(r) && m.find.matches(r) {
			out = append(out, r)
		}
	}
	return out
}

// FilterName is the current filter's name.
func (m Model) FilterName() string { return filters[m.filter].name }

// Update handles the pane's keys (when it has focus) and its messages.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		m.loaded = true
		if msg.err != nil {
			m.err = "Could not load referrals: " + theme.Clean(msg.err.Error())
			return m, nil
		}
		m.err = ""
		m.list = msg.list
		m.rows.reset()
		m.sort()
		return m, m.startSpin()
	case subscribedMsg:
		m.ch = msg.ch
		return m, wait(m.ch)
	case changeMsg:
		if !msg.ok {
			return m, nil // the session ended
		}
		next := wait(m.ch)
		if msg.change.Refresh {
			return m, tea.Batch(m.load(), next)
		}
		m.observe(msg.change.Referral)
		m.upsert(msg.change.Referral)
		return m, tea.Batch(next, m.startSpin())
	case settledMsg:
		return m.settled(msg), nil
	case detailMsg:
		if msg.err != nil {
			m.note = "Could not open the referral: " + theme.Clean(msg.err.Error())
			return m, nil
		}
		d := msg
		m.detail = &d
		return m, nil
	case spinner.TickMsg:
		if !m.active() || m.hidden {
			m.ticking = false
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(kp tea.KeyPressMsg) (Model, tea.Cmd) {
	if m.settle != nil {
		return m.settleKey(kp)
	}
	if m.find.typing && m.detail == nil {
		return m.findKey(kp)
	}
	vis := m.Visible()
	k := m.keys
	switch {
	case key.Matches(kp, k.Find) && m.detail == nil:
		m.find.typing = true
		m.note = ""
	case key.Matches(kp, k.Found):
		return m.startSettle(true)
	case key.Matches(kp, k.NotFound):
		return m.startSettle(false)
	case key.Matches(kp, k.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(kp, k.Down):
		m.cursor = min(max(0, len(vis)-1), m.cursor+1)
	case key.Matches(kp, k.Filter):
		m.filter = (m.filter + 1) % len(filters)
		m.cursor = 0
	case key.Matches(kp, k.Details):
		if m.cursor < len(vis) {
			id, ctx, store := vis[m.cursor].ID, m.ctx, m.store
			return m, func() tea.Msg {
				r, t, err := store.Get(ctx, id)
				return detailMsg{id: id, ref: r, trans: t, err: err}
			}
		}
	case key.Matches(kp, k.Reopen):
		r, ok := m.selected()
		if !ok {
			return m, nil
		}
		if r.Status != state.Failed && r.Status != state.NotSent {
			m.note = "Only a Failed or Not sent referral can be reopened; this one is " + r.Status.Label() + "."
			return m, nil
		}
		m.note = ""
		return m, func() tea.Msg { return ReopenMsg{Referral: r} }
	}
	return m, nil
}

// selected is the referral under the cursor (or the open details').
func (m Model) selected() (state.Referral, bool) {
	if m.detail != nil {
		return m.detail.ref, true
	}
	vis := m.Visible()
	if m.cursor < len(vis) {
		return vis[m.cursor], true
	}
	return state.Referral{}, false
}

// observe reports a referral change that carries a new event from Cobalt.
func (m *Model) observe(r state.Referral) {
	if m.OnEventShown == nil || r.LastEventAt.IsZero() {
		return
	}
	for _, old := range m.list {
		if old.ID == r.ID {
			if !r.LastEventAt.After(old.LastEventAt) {
				return // not a new event
			}
			break
		}
	}
	m.OnEventShown(m.now().Sub(r.LastEventAt))
}

func (m *Model) upsert(r state.Referral) {
	m.rows.reset()
	for i := range m.list {
		if m.list[i].ID == r.ID {
			m.list[i] = r
			if m.detail != nil && m.detail.id == r.ID {
				m.detail.ref = r
			}
			return
		}
	}
	m.list = append(m.list, r)
	m.sort()
	if m.cursor > 0 {
		m.cursor++ // keep the same referral under the cursor
	}
}

func (m *Model) sort() {
	sort.SliceStable(m.list, func(i, j int) bool {
		if !m.list[i].CreatedAt.Equal(m.list[j].CreatedAt) {
			return m.list[i].CreatedAt.After(m.list[j].CreatedAt)
		}
		return m.list[i].ID > m.list[j].ID
	})
}

func (m Model) active() bool {
	for _, r := range m.list {
		if r.Status == state.Submitting || r.Status == state.Processing {
			return true
		}
	}
	return false
}

func (m *Model) startSpin() tea.Cmd {
	if m.ticking || m.hidden || !m.active() {
		return nil
	}
	m.ticking = true
	return m.spin.Tick
}
