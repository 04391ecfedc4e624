package serve

import (
	"bufio"
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"refdesk/internal/testkit"
)

// countSaid is the number of lines the test models said that start with
// prefix.
func (e *events) countSaid(prefix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, x := range e.list {
		if strings.HasPrefix(x, "said:"+prefix) {
			n++
		}
	}
	return n
}

// 20,000 window changes (issue 19, finding 3) reach the program as a
// handful of sizes, the newest last: the work done is counted in sizes the
// model was given, not in time.
func TestResizeFloodIsCoalesced(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	tm := openTerm(t, f.mustDial("alice", alice), true)
	tm.waitFor("desk of alice")
	before := f.ev.countSaid("size ")
	for i := range 20000 {
		if err := tm.sess.WindowChange(1+i%97, 1+i%300); err != nil {
			t.Fatalf("resize %d: %v", i, err)
		}
	}
	if err := tm.sess.WindowChange(33, 111); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the newest size", func() bool { return f.ev.has("said:size 111x33") })
	tm.send("x")
	tm.waitFor("key x from alice")
	applied := f.ev.countSaid("size ") - before
	if applied > 200 {
		t.Errorf("20,001 window changes gave the model %d sizes; want them coalesced (a few per frame)", applied)
	}
	t.Logf("20,001 window changes: %d sizes applied (%d counted by the server)", applied, f.srv.resizes.Load())
}

// ptyReq is the payload of a pty-req (RFC 4254 6.2).
func ptyReq(cols, rows uint32) []byte {
	return gossh.Marshal(struct {
		Term                 string
		Cols, Rows, Wpx, Hpx uint32
		Modes                string
	}{"xterm-256color", cols, rows, 0, 0, ""})
}

func windowChange(cols, rows uint32) []byte {
	return gossh.Marshal(struct{ Cols, Rows, Wpx, Hpx uint32 }{cols, rows, 0, 0})
}

// Two window changes between pty-req and shell (issue 19, finding 3):
// charm.land/ssh v0.4.3 blocks on its one-slot size channel and the shell
// never starts, leaking the connection's goroutines. Here the shell starts
// at the newest size, and once the connections close the goroutine count
// returns to where it was.
func TestResizesBeforeTheShell(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	warm := openTerm(t, f.mustDial("alice", alice), true) // start the server's own goroutines
	warm.waitFor("desk of alice")
	baseline := runtime.NumGoroutine()
	for i := range 10 {
		c, err := f.dial("alice", gossh.PublicKeys(alice.Signer))
		if err != nil {
			t.Fatal(err)
		}
		ch, reqs, err := c.OpenChannel("session", nil)
		if err != nil {
			t.Fatal(err)
		}
		go gossh.DiscardRequests(reqs)
		out := &screen{}
		go func() { buf := bufio.NewReader(ch); _, _ = buf.WriteTo(out) }()
		if ok, err := ch.SendRequest("pty-req", true, ptyReq(80, 24)); !ok || err != nil {
			t.Fatalf("pty-req: %v %v", ok, err)
		}
		for _, w := range []uint32{90, 100, 120} {
			if err := func() error { _, err := ch.SendRequest("window-change", false, windowChange(w, 30)); return err }(); err != nil {
				t.Fatal(err)
			}
		}
		shell := make(chan bool, 1)
		go func() { ok, _ := ch.SendRequest("shell", true, nil); shell <- ok }()
		select {
		case ok := <-shell:
			if !ok {
				t.Fatal("shell refused")
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("connection %d: the shell never started after two window changes", i)
		}
		waitUntil(t, "the newest size", func() bool { return strings.Contains(out.String(), "size 120x30") })
		_ = c.Close()
	}
	waitUntil(t, "the goroutines of closed connections to end", func() bool {
		return runtime.NumGoroutine() <= baseline+2
	})
}

// env requests (issue 19, finding 3): only TERM, LANG, LC_*, COLORTERM and
// NO_COLOR are kept, at most 16, with short values; 400 requests of 200 kB
// leave nothing behind.
func TestEnvRequestsAreCapped(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	got := make(chan Session, 1)
	f := startServer(t, []string{alice.Line}, nil)
	f.srv.opt.NewModel = func(ctx context.Context, s Session) tea.Model {
		got <- s
		return &testModel{s: s, ev: f.ev}
	}
	c := f.mustDial("alice", alice)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for _, kv := range [][2]string{{"LANG", "en_US.UTF-8"}, {"LC_ALL", "C"}, {"COLORTERM", "truecolor"}} {
		if err := sess.Setenv(kv[0], kv[1]); err != nil {
			t.Errorf("Setenv %s refused: %v", kv[0], err)
		}
	}
	for _, kv := range [][2]string{{"LD_PRELOAD", "/tmp/x.so"}, {"PATH", "/tmp"}, {"LC_BIG", strings.Repeat("x", 257)},
		{"LC_" + strings.Repeat("N", 62), "x"}, {"LC_", "x"}, {boxEnv, "forged"}} {
		if err := sess.Setenv(kv[0], kv[1]); err == nil {
			t.Errorf("Setenv %s accepted", kv[0][:min(len(kv[0]), 20)])
		}
	}
	big := strings.Repeat("v", 200_000)
	runtime.GC()
	before := heapMB()
	accepted := 3
	for i := range 400 {
		if sess.Setenv("LC_X"+strings.Repeat("Y", i%5), big[:200]) == nil {
			accepted++
		}
		_ = sess.Setenv("LC_BIG", big)
	}
	if accepted > maxEnv {
		t.Errorf("%d env requests accepted, cap %d", accepted, maxEnv)
	}
	runtime.GC()
	if grew := heapMB() - min(before, heapMB()); grew > 16 {
		t.Errorf("400 env requests of 200 kB left the heap %d MB larger", grew)
	}
	if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	s := <-got
	if len(s.Environ) > maxEnv+1 {
		t.Errorf("session environment has %d variables", len(s.Environ))
	}
	for _, kv := range s.Environ {
		if strings.HasPrefix(kv, boxEnv) || strings.HasPrefix(kv, "LD_") || strings.HasPrefix(kv, "PATH=") || len(kv) > 400 {
			t.Errorf("session environment keeps %.40q", kv)
		}
	}
}

// Agent forwarding is refused (issue 19, finding 4).
func TestAgentForwardingRefused(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	c := f.mustDial("alice", alice)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := agent.RequestAgentForwarding(sess); err == nil {
		t.Fatal("agent forwarding was accepted")
	}
}

// A connection that opens no session is closed at the session deadline
// (issue 19, finding 3); one that opened its session in time stays.
func TestSessionDeadline(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, func(o *Options) { o.SessionDeadline = 400 * time.Millisecond })
	idle := f.mustDial("alice", alice)
	ended := make(chan error, 1)
	go func() { ended <- idle.Wait() }()
	tm := openTerm(t, f.mustDial("alice", alice), true)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("a connection without a session was still open 5 s after a 400 ms deadline")
	}
	tm.send("x")
	tm.waitFor("key x from alice")
}

// Connections that have not authenticated are capped per source address
// and in all (issue 19, finding 3); an authenticated one gives its place
// back.
func TestPreAuthCaps(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, func(o *Options) { o.MaxPreAuth, o.MaxPreAuthPerSource = 3, 2 })
	raw := func(from string) (net.Conn, bool) {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
		c, err := d.Dial("tcp", f.addr)
		if err != nil {
			t.Fatalf("dial from %s: %v", from, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		return c, err == nil && strings.HasPrefix(line, "SSH-2.0-")
	}
	a1, ok1 := raw("127.0.0.1")
	_, ok2 := raw("127.0.0.1")
	if _, ok := raw("127.0.0.1"); !ok1 || !ok2 || ok {
		t.Fatalf("from one address: %v %v %v; want the third refused", ok1, ok2, ok)
	}
	if _, ok := raw("127.0.0.2"); !ok {
		t.Fatal("another address was refused under the total cap")
	}
	if _, ok := raw("127.0.0.3"); ok {
		t.Fatal("a fourth unauthenticated connection was served over a total cap of 3")
	}
	if _, err := f.dial("alice", gossh.PublicKeys(alice.Signer)); err == nil {
		t.Fatal("a client got in while the caps were full")
	}
	_ = a1.Close()
	waitUntil(t, "a place to free up", func() bool {
		c, err := f.dial("alice", gossh.PublicKeys(alice.Signer))
		if err != nil {
			return false
		}
		t.Cleanup(func() { _ = c.Close() })
		return true
	})
	if _, ok := raw("127.0.0.1"); !ok {
		t.Fatal("an authenticated connection still holds a pre-auth place")
	}
}
