package serve

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2/bubbletea"
)

// Reasons carried by ShutdownMsg.
const (
	ReasonShutdown = "shutdown" // the server is stopping (SIGTERM)
	ReasonIdle     = "idle"     // no input for Options.IdleTimeout
	// ReasonDisconnect: the client's connection ended (closed terminal,
	// dropped network) while its program still ran. The program outlives
	// the connection for a short grace so the model can save what was
	// typed; nothing it draws reaches anyone any more.
	ReasonDisconnect = "disconnect"
	// ReasonKeyRemoved: the session's key is no longer in authorized_keys
	// (removed, or the whole file refused) after a reload.
	ReasonKeyRemoved = "key removed"
)

// ShutdownMsg is sent to a session's model before its program is made to
// quit. A model handles it to save what the user typed: the tea.Cmd it
// returns runs to completion (and its message reaches Update) before the
// program quits. Work started after that is not waited for. A model that
// ignores ShutdownMsg still quits.
type ShutdownMsg struct {
	Reason string // ReasonShutdown, ReasonIdle, ReasonDisconnect or ReasonKeyRemoved
}

// desk is the server's record of one running session.
type desk struct {
	info      Session
	conn      context.Context // the SSH session's: ends with the connection
	ctx       context.Context // the desk's: ends when its program has ended
	cancel    context.CancelFunc
	lastInput atomic.Int64 // unix nanoseconds of the last byte from the client
	screen    *lineRenderer

	mu       sync.Mutex
	program  *tea.Program
	reason   string // why the session is being ended ("" while it runs)
	panicked bool
	grace    time.Duration
}

// stop asks the program to save and quit, once; the first reason wins.
// After grace the program is told to quit even if the model did not.
func (d *desk) stop(reason string, grace time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reason != "" {
		return
	}
	d.reason, d.grace = reason, grace
	if d.program != nil {
		go d.deliver(d.program, reason, grace)
	}
}

// setProgram records the program; if stop came first, it is delivered now.
func (d *desk) setProgram(p *tea.Program) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.program = p
	if d.reason != "" {
		go d.deliver(p, d.reason, d.grace)
	}
}

// deliver sends ShutdownMsg, tells the program to quit after grace if it
// has not, and kills it a second later if even that did not work (a model
// stuck in Update). d.ctx ends when the program has ended.
func (d *desk) deliver(p *tea.Program, reason string, grace time.Duration) {
	p.Send(ShutdownMsg{Reason: reason}) // a no-op once the program has ended
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-t.C:
		p.Quit()
	case <-d.ctx.Done():
		return
	}
	t.Reset(time.Second)
	select {
	case <-t.C:
		p.Kill()
	case <-d.ctx.Done():
	}
}

// kill ends the program at once (used when Shutdown runs out of time).
func (d *desk) kill() {
	d.mu.Lock()
	p := d.program
	d.mu.Unlock()
	if p != nil {
		p.Kill()
	}
}

func (d *desk) markPanicked() {
	d.mu.Lock()
	d.panicked = true
	d.mu.Unlock()
}

// farewell is the line the client sees after its program ends, if any.
func (d *desk) farewell(idle time.Duration) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.panicked:
		return "refdesk: this desk hit an internal error and was closed (other desks are not affected); reconnect to continue."
	case d.reason == ReasonShutdown:
		return "refdesk: the server is shutting down; reconnect in a minute."
	case d.reason == ReasonKeyRemoved:
		return "refdesk: this desk's key is no longer authorized on the server, so the session has ended; what was typed is kept as a draft. Ask the administrator if this is a mistake."
	case d.reason == ReasonIdle:
		return fmt.Sprintf("refdesk: closed after %s without input; reconnect to continue.", human(idle))
	}
	return ""
}

// human spells a timeout for people: "15 minutes", "1 minute", "400ms".
func human(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "1 minute"
	case d > time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// trackDesk registers the session for Shutdown and the idle timer, and runs
// the rest of the chain (the Bubble Tea middleware) with its record in place.
func (s *Server) trackDesk(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		pty, _, _ := sess.Pty()
		entry := s.keyOf(sess)
		_, env := s.resizeBoxOf(sess)
		env = append(env, "TERM="+pty.Term)
		w, h := windowSize(pty.Window.Width, pty.Window.Height)
		d := &desk{info: Session{
			Desk: entry.Desk, Login: logText(sess.User()), Fingerprint: entry.Fingerprint, InboxFolder: entry.Folder,
			Term: pty.Term, Width: w, Height: h, Environ: env,
		}}
		// The desk's context outlives the connection: when the client drops,
		// the program gets ShutdownMsg{ReasonDisconnect} and a short grace to
		// save (watchDisconnect). It ends when the program has ended.
		d.conn = sess.Context()
		d.ctx, d.cancel = context.WithCancel(context.WithoutCancel(sess.Context()))
		defer d.cancel()
		d.lastInput.Store(time.Now().UnixNano())
		s.awaitDropped(d)

		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			refuse(sess, sess, msgClosing)
			return
		}
		s.desks[sess] = d
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.desks, sess)
			s.mu.Unlock()
		}()

		if s.opt.IdleTimeout > 0 && sess.EmulatedPty() {
			go s.watchIdle(d)
		}
		go s.watchDisconnect(sess, d)
		next(sess)
	}
}

// desk returns the record trackDesk made for sess.
func (s *Server) desk(sess ssh.Session) *desk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.desks[sess]
}

// watchIdle stops the desk when its client has sent nothing for IdleTimeout.
// Output does not count: a live pane that keeps redrawing is still idle.
func (s *Server) watchIdle(d *desk) {
	every := min(s.opt.IdleTimeout/4, time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, d.lastInput.Load())) >= s.opt.IdleTimeout {
			s.log.Info("session idle; ending it", "desk", d.info.Desk,
				"idle_timeout", s.opt.IdleTimeout.String())
			d.stop(ReasonIdle, s.opt.ShutdownGrace)
			return
		}
	}
}

// inputWatch records when the client last sent a byte.
type inputWatch struct {
	r io.Reader
	d *desk
}

func (w inputWatch) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.d.lastInput.Store(time.Now().UnixNano())
	}
	return n, err
}

// newProgram is the Bubble Tea middleware's program handler: it builds the
// model through Options.NewModel (a panic there ends this session only) and a
// program wired to the session. It returns nil, so no program runs, when the
// session is refused or the model cannot be built.
func (s *Server) newProgram(sess ssh.Session) (p *tea.Program) {
	d := s.desk(sess)
	if d == nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			s.logPanic("NewModel", r, s.sessionAttrs(sess))
			d.markPanicked()
			p = nil
		}
	}()
	m := s.opt.NewModel(d.ctx, d.info)
	if m == nil {
		s.log.Error("NewModel returned no model; session ended", s.sessionAttrs(sess)...)
		d.markPanicked()
		return nil
	}
	// The session's own renderer draws (see lineRenderer); Bubble Tea's
	// writes only its terminal queries (the background colour) to the client.
	d.screen = newLineRenderer(sess, d.info.Environ, d.info.Width, d.info.Height)
	opts := append(bubbletea.MakeOptions(sess), tea.WithoutSignalHandler(), tea.WithContext(d.ctx),
		tea.WithWindowSize(d.info.Width, d.info.Height), tea.WithFilter(boundResize), tea.WithoutRenderer(),
		tea.WithOutput(d.screen.Output())) // after MakeOptions' WithOutput(sess): one writer at a time
	if sess.EmulatedPty() {
		opts = append(opts, tea.WithInput(inputWatch{r: sess, d: d}))
	}
	p = tea.NewProgram(&guard{inner: m, desk: d, srv: s, attrs: s.sessionAttrs(sess)}, opts...)
	d.setProgram(p)
	return p
}

// farewell is the innermost middleware: it runs after the program has ended
// (or was never built) and tells the client why the server ended the session.
func (s *Server) farewell(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if d := s.desk(sess); d != nil {
			if msg := d.farewell(s.opt.IdleTimeout); msg != "" {
				_, _ = fmt.Fprintln(sess, msg)
			}
			d.mu.Lock()
			failed := d.panicked
			d.mu.Unlock()
			if failed {
				_ = sess.Exit(1)
			}
		}
		next(sess)
	}
}
