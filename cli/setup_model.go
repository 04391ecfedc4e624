package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// wizard runs the steps as one Bubble Tea model: the current step's huh
// form takes the keys; when it completes, the step's check runs as a
// command (the screen says so), and its answer decides between the next
// step and the same form again with the reason shown.
type wizard struct {
	st      *setupState
	ctx     context.Context
	step    stepID
	form    *huh.Form
	busy    bool     // a check is running
	done    []string // answers of the checks passed, shown above the form
	failure string   // the last check's reason, until the step passes
	quit    error    // set when the wizard ends without finishing
	width   int
	height  int
}

type checkedMsg struct {
	step stepID
	ok   string
	err  error
}

func newWizard(ctx context.Context, st *setupState) *wizard {
	return &wizard{st: st, ctx: ctx, step: stepCredentials}
}

// Finished reports whether the settings were written.
func (w *wizard) Finished() bool { return w.step == stepDone }

func (w *wizard) Init() tea.Cmd { return w.start(w.step) }

// start shows step id's form.
func (w *wizard) start(id stepID) tea.Cmd {
	w.step = id
	if id == stepDone {
		w.form = nil // its completed state must not complete a step again
		return tea.Quit
	}
	w.form = id.def().form(w.st).WithShowHelp(true)
	cmd := w.form.Init()
	if w.width > 0 {
		w.resize()
	}
	return cmd
}

func (w *wizard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w.width, w.height = msg.Width, msg.Height
		if w.form != nil {
			w.resize()
		}
		return w, nil
	case tea.KeyPressMsg:
		if w.busy && msg.String() == "ctrl+c" {
			w.busy = false // the check's answer, when it comes, is ignored
			w.quit = errors.New("setup stopped: nothing was written")
			return w, tea.Quit
		}
	case checkedMsg:
		return w, w.checked(msg)
	}
	// Once the wizard has ended, the program may still deliver messages
	// before it stops (a key pressed twice, a resize, a cursor's tick):
	// the last form, completed, must not run its step again.
	if w.busy || w.form == nil || w.quit != nil || w.step == stepDone {
		return w, nil
	}
	fm, cmd := w.form.Update(msg)
	if f, ok := fm.(*huh.Form); ok {
		w.form = f
	}
	switch w.form.State {
	case huh.StateAborted:
		w.quit = errors.New("setup stopped: nothing was written")
		return w, tea.Quit
	case huh.StateCompleted:
		return w, w.completed()
	}
	return w, cmd
}

// completed runs the step's check, or moves on when it has none.
func (w *wizard) completed() tea.Cmd {
	def := w.step.def()
	if def.next == nil { // stepDone: nothing follows
		return tea.Quit
	}
	if def.check == nil {
		return w.start(def.next(w.st))
	}
	w.busy = true
	id, st, ctx := w.step, w.st, w.ctx
	return func() tea.Msg {
		ok, err := def.check(ctx, st)
		return checkedMsg{step: id, ok: ok, err: err}
	}
}

func (w *wizard) checked(msg checkedMsg) tea.Cmd {
	if msg.step != w.step || !w.busy || w.quit != nil {
		return nil // not the answer awaited: the step was left, or setup stopped
	}
	w.busy = false
	if errors.Is(msg.err, errQuit) {
		w.quit = msg.err
		return tea.Quit
	}
	if msg.err != nil {
		w.failure = msg.err.Error()
		return w.start(w.step) // the same form, with what was typed
	}
	w.failure = ""
	w.done = append(w.done, msg.ok)
	return w.start(w.step.def().next(w.st))
}

// resize gives the form the room the screen has below the wizard's lines.
func (w *wizard) resize() {
	fm, _ := w.form.Update(tea.WindowSizeMsg{Width: min(w.width, 100), Height: max(8, w.height-4-2*len(w.done))})
	if f, ok := fm.(*huh.Form); ok {
		w.form = f
	}
}

func (w *wizard) View() tea.View {
	okStyle := lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	failStyle := lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true)
	titleStyle := lipgloss.NewStyle().Bold(true)
	var b strings.Builder
	b.WriteString("refdesk setup\n\n")
	wrap := lipgloss.NewStyle().Width(max(40, min(w.width, 100)-2))
	for _, d := range w.done {
		b.WriteString(wrap.Render(okStyle.Render("✓ ")+d) + "\n")
	}
	if w.failure != "" {
		b.WriteString(wrap.Render(failStyle.Render("✗ "+w.failure)) + "\n")
	}
	if len(w.done) > 0 || w.failure != "" {
		b.WriteString("\n")
	}
	switch {
	case w.busy:
		b.WriteString("Checking… (Ctrl-C stops setup)\n")
	case w.step == stepDone || w.quit != nil:
	case w.form != nil:
		def := w.step.def()
		b.WriteString(titleStyle.Render(fmt.Sprintf("Step %d of 5: %s", def.num, def.title)) + "\n\n")
		b.WriteString(w.form.View())
	}
	return tea.NewView(b.String())
}
