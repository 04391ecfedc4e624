package serve

import (
	"context"
	"errors"
	"time"
)

// Shutdown stops the server gracefully:
//  1. it stops accepting connections and new sessions (a session that races
//     in is told the server is shutting down), and stops watching the keys;
//  2. it sends ShutdownMsg{Reason: ReasonShutdown} to every program, which
//     may save its draft and then quits;
//  3. programs still running after the grace period (Options.ShutdownGrace,
//     shortened to leave a second of ctx's deadline) are told to quit, and
//     killed if that does not work either;
//  4. every connection is closed, and Serve returns ErrServerClosed.
//
// It returns when all sessions have ended, or ctx's error if ctx ends first
// (connections are closed either way). Give ctx a 10 s deadline for SIGTERM.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stopWatch) })
	s.mu.Lock()
	s.closing = true
	desks := make([]*desk, 0, len(s.desks))
	for _, d := range s.desks {
		desks = append(desks, d)
	}
	s.mu.Unlock()

	// Close the listeners now; this call then waits for connections, which
	// the steps below end. Its result is not needed.
	sshCtx, cancelSSH := context.WithCancel(context.Background())
	defer cancelSSH()
	go func() { _ = s.ssh.Shutdown(sshCtx) }()

	grace := s.opt.ShutdownGrace
	if dl, ok := ctx.Deadline(); ok {
		grace = min(grace, time.Until(dl)-time.Second)
	}
	grace = max(grace, 0)
	s.log.Info("ssh server shutting down", "sessions", len(desks), "grace", grace.String())
	for _, d := range desks {
		d.stop(ReasonShutdown, grace)
	}

	// Wait for programs to quit on their own (or after their grace), then
	// kill what is left a little later.
	killAt := time.NewTimer(grace + 500*time.Millisecond)
	defer killAt.Stop()
	err := s.waitDesks(ctx, killAt.C)
	if err != nil && !errors.Is(err, errKillTime) {
		s.closeAll()
		return err
	}
	if errors.Is(err, errKillTime) {
		s.mu.Lock()
		for _, d := range s.desks {
			go d.kill()
		}
		s.mu.Unlock()
		s.cutUploads()
		err = s.waitDesks(ctx, nil)
	}
	s.closeAll()
	if err != nil {
		s.log.Warn("ssh server shutdown did not finish in time", "sessions_left", s.liveDesks())
		return err
	}
	s.log.Info("ssh server stopped")
	return nil
}

// errKillTime reports that waitDesks gave up waiting for programs to quit.
var errKillTime = errors.New("programs did not quit in time")

// waitDesks polls until no session is running, ctx ends (its error), or
// stop fires (errKillTime).
func (s *Server) waitDesks(ctx context.Context, stop <-chan time.Time) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for s.liveDesks() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stop:
			return errKillTime
		case <-tick.C:
		}
	}
	return nil
}

// liveDesks counts the sessions Shutdown waits for: desks and uploads.
func (s *Server) liveDesks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.desks) + len(s.sending)
}

// closeAll closes every connection, so clients whose sessions ended (or
// that never opened one) are disconnected, and Serve returns.
func (s *Server) closeAll() {
	if err := s.ssh.Close(); err != nil {
		s.log.Debug("closing ssh listeners", "error", err.Error())
	}
}
