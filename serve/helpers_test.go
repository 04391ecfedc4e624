package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

// opensshKey is a new key with its private key written to path in
// OpenSSH's format, for OpenSSH's and PuTTY's clients.
func opensshKey(t *testing.T, path, comment string) testkit.Key {
	t.Helper()
	k := testkit.NewKey(t, comment)
	k.WriteOpenSSH(t, path, "")
	return k
}

// events records what test models saw, for assertions beyond the screen.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.list = append(e.list, s)
	e.mu.Unlock()
}

func (e *events) has(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range e.list {
		if x == s {
			return true
		}
	}
	return false
}

// testModel is a small real Bubble Tea v2 model. Its view lists the events
// it saw, a plain line each (easy to find in the output), newest last.
type testModel struct {
	s      Session
	ev     *events
	ignore bool // ignore ShutdownMsg (to test the grace period)
	crash  bool // set by "v": View panics
	lines  []string
}

type savedMsg struct{ reason string }

// sayMsg adds a line to the model's view.
type sayMsg string

func say(format string, a ...any) tea.Cmd {
	return func() tea.Msg { return sayMsg(fmt.Sprintf(format, a...)) }
}

func (m *testModel) Init() tea.Cmd {
	return tea.Batch(say("hello %s login=%q %dx%d term=%s", m.s.Desk, m.s.Login, m.s.Width, m.s.Height, m.s.Term),
		tea.RequestBackgroundColor)
}

func (m *testModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m, say("size %dx%d", msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		return m, say("background dark=%v", msg.IsDark())
	case tea.KeyPressMsg:
		switch msg.String() {
		case "p":
			panic("boom in Update for " + m.s.Desk)
		case "c":
			return m, tea.Batch(nil, func() tea.Msg { panic("boom in a command") })
		case "s":
			return m, tea.Sequence(say("first"), func() tea.Msg { panic("boom in a sequence") })
		case "v":
			m.crash = true
			return m, nil
		case "q":
			return m, tea.Quit
		}
		return m, say("key %s from %s", msg.String(), m.s.Desk)
	case sayMsg:
		m.ev.add("said:" + string(msg))
		m.lines = append(m.lines, string(msg))
		if len(m.lines) > 20 {
			m.lines = m.lines[1:]
		}
	case ShutdownMsg:
		m.ev.add("shutdown:" + msg.Reason + ":" + m.s.Desk)
		if m.ignore {
			return m, nil
		}
		return m, func() tea.Msg {
			time.Sleep(50 * time.Millisecond) // a save that takes a moment
			return savedMsg{reason: msg.Reason}
		}
	case savedMsg:
		m.ev.add("saved:" + msg.reason + ":" + m.s.Desk)
	}
	return m, nil
}

func (m *testModel) View() tea.View {
	if m.crash {
		panic("boom in View")
	}
	return tea.NewView("desk of " + m.s.Desk + "\n" + strings.Join(m.lines, "\n"))
}

// fixture is a running server with an authorized_keys file.
type fixture struct {
	t       *testing.T
	srv     *Server
	addr    string
	dir     string
	keys    string
	ev      *events
	served  chan error
	ctxDone chan string // users whose per-session context ended
}

func startServer(t *testing.T, lines []string, tweak func(*Options)) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, keys: filepath.Join(dir, "authorized_keys"), ev: &events{},
		served: make(chan error, 1), ctxDone: make(chan string, 16)}
	f.writeKeys(lines...)
	opt := Options{
		HostKeyPath:    filepath.Join(dir, "data", "ssh_host_ed25519_key"),
		AuthorizedKeys: f.keys,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		ShutdownGrace:  time.Second,
		KeysPoll:       -1,
		NewModel: func(ctx context.Context, s Session) tea.Model {
			go func() { <-ctx.Done(); f.ctxDone <- s.Desk }()
			return &testModel{s: s, ev: f.ev, ignore: s.Desk == "stubborn"}
		},
	}
	if testing.Verbose() {
		opt.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if tweak != nil {
		tweak(&opt)
	}
	srv, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.srv, f.addr = srv, l.Addr().String()
	go func() { f.served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return f
}

func (f *fixture) writeKeys(lines ...string) {
	f.t.Helper()
	if err := os.WriteFile(f.keys, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) dial(user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", f.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
}

func (f *fixture) mustDial(user string, k testkit.Key) *gossh.Client {
	f.t.Helper()
	c, err := f.dial(user, gossh.PublicKeys(k.Signer))
	if err != nil {
		f.t.Fatalf("dial as %s: %v", user, err)
	}
	f.t.Cleanup(func() { _ = c.Close() })
	return c
}

// screen collects a session's output (stdout and stderr together).
type screen = testkit.Buffer

// desk is a client session with a PTY and a shell.
type term struct {
	t    *testing.T
	sess *gossh.Session
	in   io.WriteCloser
	out  *screen
	done chan error
}

// openTerm opens a session on c; with pty it requests xterm-256color 80x24.
func openTerm(t *testing.T, c *gossh.Client, pty bool) *term {
	t.Helper()
	if pty {
		return openSized(t, c, 80, 24)
	}
	return openSized(t, c, 0, 0)
}

// openSized opens a session on c with an xterm-256color PTY of w x h
// columns and rows, or without a PTY when w is 0.
func openSized(t *testing.T, c *gossh.Client, w, h int) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	tm := &term{t: t, sess: sess, out: &screen{}, done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = tm.out, tm.out
	if tm.in, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if w > 0 {
		if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
			t.Fatalf("pty: %v", err)
		}
	}
	if err := sess.Shell(); err != nil {
		t.Fatalf("shell: %v", err)
	}
	go func() { tm.done <- sess.Wait() }()
	t.Cleanup(func() { _ = sess.Close() })
	return tm
}

// waitFor waits until the output contains text.
func (tm *term) waitFor(text string) {
	tm.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(tm.out.String(), text) {
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q; got:\n%q", text, tm.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (tm *term) send(keys string) {
	tm.t.Helper()
	if _, err := tm.in.Write([]byte(keys)); err != nil {
		tm.t.Fatalf("send %q: %v", keys, err)
	}
}

// exit waits for the session to end and returns its exit status.
func (tm *term) exit() int {
	tm.t.Helper()
	select {
	case err := <-tm.done:
		var ee *gossh.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.ExitStatus()
		default:
			tm.t.Fatalf("session ended without a status: %v", err)
		}
	case <-time.After(5 * time.Second):
		tm.t.Fatalf("session did not end; screen:\n%q", tm.out.String())
	}
	return -1
}

// waitUntil polls cond for up to 5 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !testkit.Poll(5*time.Second, 10*time.Millisecond, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

func hello(desk, login string) string {
	return fmt.Sprintf("hello %s login=%q 80x24 term=xterm-256color", desk, login)
}
