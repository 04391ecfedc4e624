package serve

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// A client whose TERM is "dumb" or empty (a PTY requested with no TERM, as
// ssh -tt does when the local TERM is unset) gets colorprofile.NoTTY, and
// colorprofile.Writer then strips EVERY escape sequence, not just colours:
// no cursor positioning, no alternate screen, no erase. The frame arrives as
// its lines glued together. The renderer keeps the sequences and drops the
// colours only, as Bubble Tea's renderer did.
func TestLineRendererDumbTerminal(t *testing.T) {
	for _, env := range [][]string{{"TERM=dumb"}, {"TERM="}} {
		out := &sink{}
		r := newLineRenderer(out, env, 20, 3)
		draw(r, "one\ntwo\nthree")
		got := out.all()
		if !strings.Contains(got, ansi.CursorPosition(1, 2)+"two") {
			t.Errorf("env %v: the second line is not positioned; the client sees %q", env, got)
		}
	}
}

// chattyModel is a model that keeps asking for the background colour (a
// query Bubble Tea writes to the session from its own ticker goroutine) and
// keeps changing a large view (which the line renderer writes from its own
// goroutine).
type chattyModel struct{ n, w, h int }

type chattyTick struct{}

func chattyTickCmd() tea.Msg { time.Sleep(time.Millisecond); return chattyTick{} }

func (m *chattyModel) Init() tea.Cmd { return chattyTickCmd }

func (m *chattyModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case chattyTick:
		m.n++
		return m, tea.Batch(tea.RequestBackgroundColor, chattyTickCmd)
	}
	return m, nil
}

func (m *chattyModel) View() tea.View {
	cell := fmt.Sprintf("\x1b[38;2;%d;0;0m%06d\x1b[m ", m.n%256, m.n)
	line := strings.Repeat(cell, max(1, m.w/8))
	return tea.NewView(strings.TrimSuffix(strings.Repeat(line+"\n", max(1, m.h)), "\n"))
}

// Two goroutines write to a session: even with tea.WithoutRenderer, Bubble
// Tea's ticker goroutine flushes queued terminal queries (the background-
// colour query the ui sends in Init), while the line renderer's loop writes
// frames. They must take turns.
// An SSH channel is not safe for concurrent writes (x/crypto/ssh's
// channel.WriteExtended shares one packet buffer per stream: "WriteExtended
// calls from different goroutines will be flagged as errors by the race
// detector"), and a frame longer than one packet (32 KB: any full repaint
// of a large window) can get the query spliced into an escape sequence.
// This wires a program and a renderer as newProgram does (the program
// writes to the renderer's Output), on a writer that notices two Write
// calls in flight at once.
func TestLineRendererSerialisesQueriesAndFrames(t *testing.T) {
	w := &overlapWriter{}
	r := newLineRenderer(w, []string{"TERM=xterm-256color"}, 80, 24)
	d := &desk{screen: r}
	pr, pw := io.Pipe()
	defer func() { _ = pw.Close() }()
	p := tea.NewProgram(&guard{inner: &chattyModel{}, desk: d},
		tea.WithInput(pr), tea.WithOutput(r.Output()), tea.WithEnvironment([]string{"TERM=xterm-256color"}),
		tea.WithoutSignalHandler(), tea.WithWindowSize(80, 24), tea.WithoutRenderer())
	r.start()
	done := make(chan struct{})
	go func() { defer close(done); _, _ = p.Run() }()
	time.Sleep(time.Second)
	p.Kill()
	<-done
	r.close()
	if n := w.overlaps.Load(); n > 0 {
		t.Errorf("%d writes to the session started while another was in flight (of %d)", n, w.calls.Load())
	}
}

// overlapWriter counts Write calls that start while another is in flight;
// each takes a moment, as a write to a network connection does.
type overlapWriter struct{ in, calls, overlaps atomic.Int32 }

func (w *overlapWriter) Write(p []byte) (int, error) {
	w.calls.Add(1)
	if w.in.Add(1) > 1 {
		w.overlaps.Add(1)
	}
	defer w.in.Add(-1)
	time.Sleep(2 * time.Millisecond)
	return len(p), nil
}

// A desk whose terminal shows no colours is drawn without them.
func TestSessionNoColor(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want bool
	}{
		{[]string{"TERM=xterm-256color"}, false},
		{[]string{"TERM=xterm-256color", "COLORTERM=truecolor"}, false},
		{[]string{"TERM=xterm-256color", "NO_COLOR=1"}, true},
		{[]string{"TERM=dumb"}, true},
		{[]string{"TERM="}, true},
	} {
		if got := (Session{Environ: tc.env}).NoColor(); got != tc.want {
			t.Errorf("%v: NoColor %v, want %v", tc.env, got, tc.want)
		}
	}
}
