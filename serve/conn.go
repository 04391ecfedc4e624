package serve

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
)

// Defaults for the connection limits in Options.
const (
	DefaultSessionDeadline = 30 * time.Second
	DefaultMaxPreAuth      = 64
	DefaultMaxPreAuthPer   = 10
)

// connKey is the context key of a connection's connGuard.
type connKey struct{}

// connGuard watches one TCP connection from accept: it holds a place under
// the pre-authentication caps until the client has authenticated (or gone),
// and closes the connection if no session has started by the session
// deadline.
type connGuard struct {
	net.Conn
	s       *Server
	source  string
	once    sync.Once // releases the pre-auth place
	opened  atomic.Bool
	closing sync.Once

	mu    sync.Mutex
	timer *time.Timer // the session deadline
}

// preAuth counts connections that have not authenticated yet.
type preAuth struct {
	mu     sync.Mutex
	total  int
	source map[string]int
	// A flood of refusals is logged once a second at most, with the number
	// left out since the last line, so it cannot fill the disk.
	lastLog  time.Time
	unlogged int
}

// guardConn is the server's ConnCallback: it refuses a connection over the
// pre-authentication caps (closed at once, logged) and otherwise wraps it.
func (s *Server) guardConn(ctx ssh.Context, c net.Conn) net.Conn {
	source := c.RemoteAddr().String()
	if h, _, err := net.SplitHostPort(source); err == nil {
		source = h
	}
	s.pre.mu.Lock()
	if s.pre.total >= s.opt.MaxPreAuth || s.pre.source[source] >= s.opt.MaxPreAuthPerSource {
		total, mine := s.pre.total, s.pre.source[source]
		now := time.Now()
		log := now.Sub(s.pre.lastLog) >= time.Second
		skipped := s.pre.unlogged
		if log {
			s.pre.lastLog, s.pre.unlogged = now, 0
		} else {
			s.pre.unlogged++
		}
		s.pre.mu.Unlock()
		if log {
			s.log.Warn("ssh connection refused: too many connections not yet authenticated",
				"remote", c.RemoteAddr().String(), "from_this_address", mine, "total", total,
				"refused_since_last_line", skipped)
		}
		return nil
	}
	s.pre.total++
	s.pre.source[source]++
	s.pre.mu.Unlock()
	g := &connGuard{Conn: c, s: s, source: source}
	g.mu.Lock()
	g.timer = time.AfterFunc(s.opt.SessionDeadline, g.expire)
	g.mu.Unlock()
	ctx.SetValue(connKey{}, g)
	return g
}

// authenticated gives the pre-auth place back, once.
func (g *connGuard) authenticated() {
	g.once.Do(func() {
		g.s.pre.mu.Lock()
		defer g.s.pre.mu.Unlock()
		g.s.pre.total--
		if g.s.pre.source[g.source]--; g.s.pre.source[g.source] <= 0 {
			delete(g.s.pre.source, g.source)
		}
	})
}

// sessionOpened marks the connection as having started a session: the
// deadline no longer applies.
func (g *connGuard) sessionOpened() {
	g.opened.Store(true)
	g.stopTimer()
}

func (g *connGuard) stopTimer() {
	g.mu.Lock()
	g.timer.Stop()
	g.mu.Unlock()
}

// expire closes the connection if it has not started a session.
func (g *connGuard) expire() {
	if g.opened.Load() {
		return
	}
	g.s.log.Info("ssh connection closed: no session within the deadline",
		"remote", g.RemoteAddr().String(), "deadline", g.s.opt.SessionDeadline.String())
	_ = g.Close()
}

func (g *connGuard) Close() error {
	g.closing.Do(func() {
		g.stopTimer()
		g.authenticated()
	})
	return g.Conn.Close()
}
