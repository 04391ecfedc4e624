package serve

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Requests on a session channel pass through filterRequests before
// charm.land/ssh sees them (sessionHandler wraps its DefaultSessionHandler):
//
//   - window-change never reaches charm.land/ssh. In v0.4.3 it sends each
//     size into a one-slot channel from the goroutine that reads the
//     session's requests, so two changes before the session starts (nobody
//     reads the channel yet) block that goroutine forever: the session never
//     starts and its goroutines leak. Here the newest size goes into the
//     session's resizeBox, which the program reads at most once a frame
//     (forwardResizes): a flood of 20,000 changes costs a handful of
//     redraws.
//   - env is kept only for TERM, LANG, LC_*, COLORTERM and NO_COLOR, at most
//     maxEnv variables, names up to 64 bytes and values up to 256; the rest
//     is refused (as OpenSSH's AcceptEnv does).
//   - auth-agent-req@openssh.com (agent forwarding) is refused: a desk
//     needs no agent, and a forwarded agent is a key the server could use.
//   - shell, exec and subsystem mark the connection as having opened its
//     session (connGuard's deadline), after an env request that carries the
//     session's resizeBox token.

// Limits on env requests.
const (
	maxEnv      = 16
	maxEnvName  = 64
	maxEnvValue = 256
)

// boxEnv is the variable filterRequests adds (never a client's) so the
// session handler can find its resizeBox: charm.land/ssh gives the handler
// no other way back to its channel.
const boxEnv = "REFDESK_RESIZE_BOX"

// resizeBox holds a session's newest window size until the program takes
// it; a newer size replaces an older one.
type resizeBox struct {
	mu     sync.Mutex
	win    ssh.Window
	has    bool
	notify chan struct{} // one slot: "a size is waiting"
}

func newResizeBox() *resizeBox { return &resizeBox{notify: make(chan struct{}, 1)} }

func (b *resizeBox) put(w ssh.Window) {
	b.mu.Lock()
	b.win, b.has = w, true
	b.mu.Unlock()
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

// take returns the waiting size, if any.
func (b *resizeBox) take() (ssh.Window, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	w, ok := b.win, b.has
	b.has = false
	return w, ok
}

// sessionHandler is the "session" channel handler: charm.land/ssh's own,
// with filterRequests between the client and it.
func (s *Server) sessionHandler(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	ssh.DefaultSessionHandler(srv, conn, &filteredChannel{NewChannel: nc, s: s, ctx: ctx}, ctx)
}

type filteredChannel struct {
	gossh.NewChannel
	s   *Server
	ctx ssh.Context
}

func (c *filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go c.s.filterRequests(c.ctx, reqs, out)
	return ch, out, nil
}

// filterRequests passes the session's requests from in to out, as
// described above, and closes out when in closes.
func (s *Server) filterRequests(ctx ssh.Context, in <-chan *gossh.Request, out chan<- *gossh.Request) {
	defer close(out)
	box := newResizeBox()
	var token string
	defer func() {
		if token != "" {
			s.boxes.Delete(token)
		}
	}()
	pty, started := false, false
	envs := 0
	for req := range in {
		switch req.Type {
		case "window-change":
			w, ok := parseWindowChange(req.Payload)
			ok = ok && pty
			if ok {
				box.put(w)
			}
			_ = req.Reply(ok, nil)
			continue
		case "env":
			envs++
			if started || envs > maxEnv || !acceptEnv(req.Payload) {
				_ = req.Reply(false, nil)
				continue
			}
		case "auth-agent-req@openssh.com":
			_ = req.Reply(false, nil)
			continue
		case "pty-req":
			pty = !started
		case "shell", "exec", "subsystem":
			if !started {
				started = true
				token = newToken()
				s.boxes.Store(token, box)
				out <- &gossh.Request{Type: "env", Payload: gossh.Marshal(struct{ Key, Value string }{boxEnv, token})}
				if g, ok := ctx.Value(connKey{}).(*connGuard); ok {
					g.sessionOpened()
				}
			}
		}
		out <- req
	}
}

// acceptEnv reports whether an env request's variable is one refdesk keeps.
func acceptEnv(payload []byte) bool {
	var kv struct{ Key, Value string }
	if gossh.Unmarshal(payload, &kv) != nil || len(kv.Key) > maxEnvName || len(kv.Value) > maxEnvValue {
		return false
	}
	switch {
	case kv.Key == "TERM", kv.Key == "LANG", kv.Key == "COLORTERM", kv.Key == "NO_COLOR",
		strings.HasPrefix(kv.Key, "LC_") && len(kv.Key) > 3:
		return true
	}
	return false
}

// parseWindowChange reads a window-change payload (RFC 4254 6.7).
func parseWindowChange(p []byte) (ssh.Window, bool) {
	var m struct{ Cols, Rows, WidthPx, HeightPx uint32 }
	if gossh.Unmarshal(p, &m) != nil {
		return ssh.Window{}, false
	}
	return ssh.Window{Width: int(min(m.Cols, 1<<16)), Height: int(min(m.Rows, 1<<16))}, true
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// resizeBoxOf returns the session's resizeBox and its environment without
// the token.
func (s *Server) resizeBoxOf(sess ssh.Session) (*resizeBox, []string) {
	env := sess.Environ()
	var box *resizeBox
	kept := env[:0]
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, boxEnv+"="); ok {
			if b, ok := s.boxes.Load(v); ok {
				box = b.(*resizeBox)
			}
			continue
		}
		kept = append(kept, kv)
	}
	return box, kept
}
