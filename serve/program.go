package serve

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
)

// disconnectGrace bounds how long a program may run after its client's
// connection ended, to save what was typed (Options.ShutdownGrace if
// shorter). A save is a few milliseconds of SQLite; the program quits as
// soon as the model's save command has answered.
const disconnectGrace = 2 * time.Second

// runProgram is the Bubble Tea middleware: it builds the session's program
// (newProgram), forwards window changes to it, and runs it to its end. It
// replaces wish's bubbletea middleware, which quits the program the moment
// the connection's context ends and so loses the keys typed since the last
// draft save; here the program runs on the desk's context, which outlives
// the connection (see watchDisconnect).
func (s *Server) runProgram(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		p := s.newProgram(sess)
		if p == nil {
			next(sess)
			return
		}
		box, _ := s.resizeBoxOf(sess)
		if _, _, ok := sess.Pty(); !ok || box == nil {
			refuse(sess, sess.Stderr(), msgNeedTerminal)
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		go s.forwardResizes(ctx, sess, p, box)
		scr := s.desk(sess).screen
		scr.start()
		if _, err := p.Run(); err != nil {
			s.log.Debug("program ended with an error", append(s.sessionAttrs(sess), "error", err.Error())...)
		}
		p.Kill()
		scr.close() // gives the client its normal screen and cursor back
		cancel()
		next(sess)
	}
}

// forwardResizes sends the client's newest window size to the program, at
// most once a frame (frameGap), until the program ends or the connection
// does: however many changes arrive in a frame, one is applied.
func (s *Server) forwardResizes(ctx context.Context, sess ssh.Session, p *tea.Program, box *resizeBox) {
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sess.Context().Done():
			return
		case <-box.notify:
		}
		select { // the rest of the frame: later sizes replace this one
		case <-ctx.Done():
			return
		case <-gap.C:
		}
		if w, ok := box.take(); ok {
			s.resizes.Add(1)
			p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
		}
		gap.Reset(frameGap)
	}
}

// watchDisconnect notices the client's connection ending while the program
// still runs (a closed terminal, a dropped network, a killed ssh) and asks
// the program to save and quit: ShutdownMsg{Reason: ReasonDisconnect}, then
// Quit after the grace, then Kill. It returns when the desk ends.
func (s *Server) watchDisconnect(sess ssh.Session, d *desk) {
	select {
	case <-d.ctx.Done():
		return
	case <-sess.Context().Done():
	}
	s.log.Info("connection ended while the desk ran; saving its draft", "desk", d.info.Desk, "fingerprint", d.info.Fingerprint)
	d.stop(ReasonDisconnect, min(disconnectGrace, s.opt.ShutdownGrace))
}

// awaitDropped holds a new session back while a desk of the same person
// (desk, key) whose connection dropped is still saving, for at most the
// disconnect grace and a second: the new desk then offers the draft with
// the very last keys, not the one saved before them.
func (s *Server) awaitDropped(d *desk) {
	s.mu.Lock()
	var prev []*desk
	for _, o := range s.desks {
		if o.info.Desk == d.info.Desk && o.info.Fingerprint == d.info.Fingerprint && o.conn.Err() != nil {
			prev = append(prev, o)
		}
	}
	s.mu.Unlock()
	if len(prev) == 0 {
		return
	}
	t := time.NewTimer(min(disconnectGrace, s.opt.ShutdownGrace) + time.Second)
	defer t.Stop()
	for _, o := range prev {
		select {
		case <-o.ctx.Done():
		case <-t.C:
			return
		}
	}
}
