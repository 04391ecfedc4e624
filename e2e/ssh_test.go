package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

func writeAuthorizedKeys(t testing.TB, path string, keys ...testkit.Key) {
	t.Helper()
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.Line + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// dial connects as user with auth, accepting only the host key whose
// fingerprint the server printed at start.
func dial(addr, user, hostFP string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: user, Auth: auth, Timeout: 10 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			if fp := gossh.FingerprintSHA256(k); fp != hostFP {
				return fmt.Errorf("host key %s, the server printed %s", fp, hostFP)
			}
			return nil
		},
	})
}

// sshTerm is an SSH session with a PTY (xterm-256color) whose output feeds
// a terminal emulator, so tests read the screen as the desk sees it.
type sshTerm struct {
	t      testing.TB
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser
	vt     *vt
	done   chan error // the session's end (Wait's answer)

	mu      sync.Mutex
	raw     bytes.Buffer                   // every byte received, for lines printed after the program
	onChunk func(at time.Time, screen *vt) // called after each chunk (load test); nil otherwise
	readErr error
}

// openDesk connects as user with key and opens a w×h session running the
// desk. The connection closes at cleanup.
func openDesk(t testing.TB, srv *server, user string, key testkit.Key, w, h int) *sshTerm {
	t.Helper()
	c, err := dial(srv.sshAddr, user, srv.fingerprint, gossh.PublicKeys(key.Signer))
	if err != nil {
		t.Fatalf("ssh as %s: %v", user, err)
	}
	st, err := openTerm(t, c, w, h)
	if err != nil {
		c.Close()
		t.Fatalf("session as %s: %v", user, err)
	}
	return st
}

func openTerm(t testing.TB, c *gossh.Client, w, h int) (*sshTerm, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	st := &sshTerm{t: t, client: c, sess: sess, vt: newVT(w, h), done: make(chan error, 1)}
	if st.in, err = sess.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		return nil, err
	}
	sess.Stderr = st.vt
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		return nil, fmt.Errorf("pty: %w", err)
	}
	if err := sess.Shell(); err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 64<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				at := time.Now()
				st.mu.Lock()
				st.raw.Write(buf[:n])
				cb := st.onChunk
				st.mu.Unlock()
				_, _ = st.vt.Write(buf[:n])
				if cb != nil {
					cb(at, st.vt)
				}
			}
			if err != nil {
				st.mu.Lock()
				st.readErr = err
				st.mu.Unlock()
				return
			}
		}
	}()
	go func() {
		err := sess.Wait()
		<-read
		st.done <- err
	}()
	t.Cleanup(func() { _ = c.Close() })
	return st, nil
}

func (st *sshTerm) Screen() string { return st.vt.Screen() }

// Raw is everything received so far, escape sequences included.
func (st *sshTerm) Raw() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.raw.String()
}

func (st *sshTerm) Type(text string) { st.send(text) }

var sshKeys = map[string]string{"enter": "\r", "tab": "\t", "esc": "\x1b", "up": "\x1b[A", "down": "\x1b[B",
	"ctrl+s": "\x13", "ctrl+t": "\x14", "ctrl+c": "\x03"}

func (st *sshTerm) Press(key string) {
	st.t.Helper()
	b, ok := sshKeys[key]
	if !ok {
		st.t.Fatalf("no bytes for key %q", key)
	}
	st.send(b)
}

func (st *sshTerm) send(s string) {
	st.t.Helper()
	if _, err := st.in.Write([]byte(s)); err != nil {
		st.t.Fatalf("typing %q: %v\nscreen:\n%s", s, err, st.Screen())
	}
}

func (st *sshTerm) Fatalf(format string, args ...any) {
	st.t.Helper()
	st.t.Fatalf(format+"\nscreen:\n%s", append(args, st.Screen())...)
}

func (st *sshTerm) WaitFor(d time.Duration, what string, cond func(string) bool) string {
	st.t.Helper()
	var s string
	if testkit.Poll(d, 50*time.Millisecond, func() bool { s = st.Screen(); return cond(s) }) {
		return s
	}
	st.t.Fatalf("after %s the SSH screen does not show %s; it shows:\n%s", d, what, s)
	return ""
}

func (st *sshTerm) WaitText(d time.Duration, texts ...string) string {
	st.t.Helper()
	return st.WaitFor(d, fmt.Sprintf("%q", texts), func(s string) bool { return containsAll(s, texts...) })
}

// Ended waits up to d for the session to end and returns Wait's answer.
func (st *sshTerm) Ended(d time.Duration) (error, bool) {
	select {
	case err := <-st.done:
		return err, true
	case <-time.After(d):
		return nil, false
	}
}

// Drop closes the TCP connection under the session at once, as a
// workstation that loses its network or is switched off: no exit, no EOF.
func (st *sshTerm) Drop() { _ = st.client.Close() }
