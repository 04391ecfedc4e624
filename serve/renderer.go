package serve

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// lineRenderer puts a session's frames on its client's terminal, rewriting only
// the lines that changed since the last frame.
//
// It replaces Bubble Tea's renderer for SSH sessions (the program runs with
// tea.WithoutRenderer and the guard hands every view to set). That renderer
// parses each frame into a grid of cells and diffs the grid: about 1.3 ms and
// a 1.4 MB grid per 140x45 desk. With 50 desks, one webhook (one changed
// row on every screen) cost 50 full parses, which put the last screens
// 150-300 ms behind the first. The desk's screens are whole lines laid out by
// lipgloss, so comparing lines is enough: a frame costs microseconds, and
// only the changed lines cross the network.
//
// Frames are coalesced: the first change after a quiet spell is written at
// once, later ones at most every minGap, always the newest.
type lineRenderer struct {
	out     io.Writer     // frames: through colour downsampling to session
	session *lockedWriter // the client's session, one write at a time
	minGap  time.Duration

	mu      sync.Mutex
	content string // the newest frame
	title   string
	w, h    int
	repaint bool // the next frame redraws every line (a resize)
	dirty   bool // content, title or size changed since the last paint
	asked   bool // set has been called: the first view is drawn even if empty
	closed  bool
	started bool

	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}

	// Owned by the writing goroutine.
	prev      []string // what each row shows now
	shown     string   // the window title set
	entered   bool     // the alternate screen is on
	failed    bool     // a write failed: the client is gone
	buf       bytes.Buffer
	lastPaint time.Time
}

// frameGap is the shortest time between two frames of one session (60 a
// second, Bubble Tea's default).
const frameGap = time.Second / 60

// newLineRenderer draws on out for a terminal of w x h whose colours are
// described by environ (TERM, COLORTERM, NO_COLOR): colours the terminal
// cannot show are brought down to ones it can.
func newLineRenderer(out io.Writer, environ []string, w, h int) *lineRenderer {
	session := &lockedWriter{w: out}
	out = session
	switch p := colorprofile.Env(environ); {
	case p < colorprofile.ASCII:
		// TERM dumb or empty (ssh -tt with no local TERM): colorprofile's
		// NoTTY would strip every sequence, cursor moves included. The
		// screen still needs those; only the colours go.
		out = &colorprofile.Writer{Forward: out, Profile: colorprofile.ASCII}
	case p != colorprofile.TrueColor:
		out = &colorprofile.Writer{Forward: out, Profile: p}
	}
	return &lineRenderer{out: out, session: session, minGap: frameGap, w: w, h: h,
		wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
}

// Output is the session as the program must write to it (Bubble Tea still
// writes its terminal queries, such as the background colour request, from
// its own goroutine): an SSH channel takes one Write at a time, and a query
// must not land inside a frame's escape sequence.
func (s *lineRenderer) Output() io.Writer { return s.session }

// lockedWriter lets one Write at a time through to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// start runs the writing goroutine until close.
func (s *lineRenderer) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started && !s.closed {
		s.started = true
		go s.loop()
	}
}

// set records the program's newest view; it is drawn soon.
func (s *lineRenderer) set(v tea.View) {
	s.mu.Lock()
	if s.closed || (s.asked && v.Content == s.content && v.WindowTitle == s.title) {
		s.mu.Unlock()
		return
	}
	s.content, s.title, s.dirty, s.asked = v.Content, v.WindowTitle, true, true
	s.mu.Unlock()
	s.poke()
}

// resize records the client's new window size; the next frame redraws all.
func (s *lineRenderer) resize(w, h int) {
	s.mu.Lock()
	if s.closed || (w == s.w && h == s.h) {
		s.mu.Unlock()
		return
	}
	s.w, s.h, s.repaint, s.dirty = w, h, true, true
	s.mu.Unlock()
	s.poke()
}

func (s *lineRenderer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// close stops drawing and gives the client its terminal back: the normal
// screen, the cursor, no bracketed paste. Nothing is drawn after it returns.
func (s *lineRenderer) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	started := s.started
	s.mu.Unlock()
	close(s.done)
	if started {
		<-s.stopped
	}
	if s.entered && !s.failed {
		_, _ = io.WriteString(s.out, ansi.ResetStyle+ansi.ResetModeBracketedPaste+ansi.ShowCursor+ansi.ResetModeAltScreenSaveCursor)
	}
}

func (s *lineRenderer) loop() {
	defer close(s.stopped)
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
		}
		if wait := s.minGap - time.Since(s.lastPaint); wait > 0 {
			t.Reset(wait)
			select {
			case <-s.done:
				t.Stop()
				return
			case <-t.C:
			}
		}
		s.paint()
	}
}

// paint writes the newest frame: on the first, the alternate screen; on a
// resize, every line; otherwise the lines that differ from what is shown.
func (s *lineRenderer) paint() {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return
	}
	content, title, w, h, repaint := s.content, s.title, s.w, s.h, s.repaint
	s.dirty, s.repaint = false, false
	s.mu.Unlock()
	s.lastPaint = time.Now()
	if s.failed {
		return
	}
	b := &s.buf
	b.Reset()
	if !s.entered {
		b.WriteString(ansi.SetModeAltScreenSaveCursor + ansi.HideCursor + ansi.SetModeBracketedPaste)
		s.entered, repaint = true, true
	}
	if title != s.shown {
		b.WriteString(ansi.SetWindowTitle(ansi.Strip(title)))
		s.shown = title
	}
	if repaint || len(s.prev) != h {
		b.WriteString(ansi.ResetStyle + ansi.EraseEntireScreen)
		s.prev = make([]string, h)
		repaint = true
	}
	rest := content
	for y := range h {
		var line string
		if rest != "" {
			line, rest, _ = strings.Cut(rest, "\n")
			line = strings.TrimSuffix(line, "\r")
		}
		if line == s.prev[y] && !(repaint && line != "") {
			continue
		}
		s.prev[y] = strings.Clone(line) // not a slice of content: that would keep whole frames alive
		b.WriteString(ansi.CursorPosition(1, y+1))
		width := ansi.StringWidth(line)
		if width > w {
			// A wide character across the edge is dropped whole, so the
			// cut line can be a column short of the window.
			line = ansi.Truncate(line, w, "")
			width = ansi.StringWidth(line)
		}
		b.WriteString(line)
		b.WriteString(ansi.ResetStyle)
		if width < w {
			// Not on a full line: there the cursor sits on the last column
			// and erasing from it would take that column's character.
			b.WriteString(ansi.EraseLineRight)
		}
	}
	if b.Len() == 0 {
		return
	}
	if _, err := s.out.Write(b.Bytes()); err != nil {
		s.failed = true
	}
	if b.Cap() > 256<<10 {
		s.buf = bytes.Buffer{} // a one-off huge frame: do not keep its buffer
	}
}
