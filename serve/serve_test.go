package serve

import (
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

func TestAuthorizedKeyGetsItsProgram(t *testing.T) {
	alice := testkit.NewKey(t, "Alice Front Desk")
	f := startServer(t, []string{"# desks", "", alice.Line}, nil)
	tm := openTerm(t, f.mustDial("alice", alice), true)
	tm.waitFor(hello("Alice Front Desk", "alice"))
	tm.waitFor("desk of Alice Front Desk")
	if n := f.srv.Sessions(); n != 1 {
		t.Errorf("Sessions() = %d during a session, want 1", n)
	}
	tm.send("x")
	tm.waitFor("key x from Alice Front Desk")
	tm.send("q")
	if code := tm.exit(); code != 0 {
		t.Errorf("exit status %d after q, want 0", code)
	}
	select {
	case u := <-f.ctxDone:
		if u != "Alice Front Desk" {
			t.Errorf("context ended for %q", u)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("per-session context was not cancelled when the session ended")
	}
	waitUntil(t, "Sessions() back to 0", func() bool { return f.srv.Sessions() == 0 })
}

func TestRefusedAuthentication(t *testing.T) {
	alice, mallory := testkit.NewKey(t, "alice"), testkit.NewKey(t, "mallory")
	f := startServer(t, []string{alice.Line}, nil)
	cases := map[string][]gossh.AuthMethod{
		"unknown key": {gossh.PublicKeys(mallory.Signer)},
		"password":    {gossh.Password("hunter2")},
		"keyboard-interactive": {gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"hunter2"}, nil
		})},
		"no key": nil,
	}
	for name, auth := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := f.dial("alice", auth...)
			if err == nil {
				_ = c.Close()
				t.Fatal("connection accepted")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Errorf("error %q is not an authentication refusal", err)
			}
		})
	}
	// The authorized key still works after the failures.
	openTerm(t, f.mustDial("alice", alice), true).waitFor("desk of alice")
}

func TestSessionWithoutTerminalIsToldWhy(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	tm := openTerm(t, f.mustDial("alice", alice), false)
	if code := tm.exit(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if got := tm.out.String(); got != msgNeedTerminal+"\n" {
		t.Errorf("output %q, want the terminal message", got)
	}
	if f.ev.has("shutdown::alice") || f.srv.Sessions() != 0 {
		t.Error("a session without a PTY reached the program or kept a place")
	}
}

func TestWindowChangesReachTheModel(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	tm := openTerm(t, f.mustDial("alice", alice), true)
	tm.waitFor("size 80x24")
	if err := tm.sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("size 100x30")
}

func TestConcurrentSessionsHaveTheirOwnPrograms(t *testing.T) {
	alice, bob := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob")
	f := startServer(t, []string{alice.Line, bob.Line}, nil)
	a := openTerm(t, f.mustDial("alice", alice), true)
	b := openTerm(t, f.mustDial("bob", bob), true)
	a.waitFor(hello("alice", "alice"))
	b.waitFor(hello("bob", "bob"))
	a.send("x")
	b.send("y")
	a.waitFor("key x from alice")
	b.waitFor("key y from bob")
	if strings.Contains(a.out.String(), "bob") || strings.Contains(b.out.String(), "alice") {
		t.Error("one session's program output reached the other")
	}
	if n := f.srv.Sessions(); n != 2 {
		t.Errorf("Sessions() = %d, want 2", n)
	}
}

func TestOverTheCapIsRefusedWithTheLimit(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, func(o *Options) { o.MaxSessions = 2 })
	c := f.mustDial("alice", alice)
	first := openTerm(t, c, true)
	first.waitFor("desk of alice")
	openTerm(t, c, true).waitFor("desk of alice")

	over := openTerm(t, f.mustDial("alice", alice), true)
	if code := over.exit(); code != 1 {
		t.Errorf("exit status %d over the cap, want 1", code)
	}
	if !strings.Contains(over.out.String(), "refdesk: the server is at its limit of 2 desks; try again in a minute") {
		t.Errorf("over the cap, got %q", over.out.String())
	}
	if strings.Contains(over.out.String(), "desk of") {
		t.Error("a program ran over the cap")
	}
	// A place frees when a session ends.
	first.send("q")
	first.exit()
	waitUntil(t, "a free place", func() bool { return f.srv.Sessions() == 1 })
	openTerm(t, f.mustDial("alice", alice), true).waitFor("desk of alice")
}

func TestIdleSessionIsEndedAfterSaving(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, func(o *Options) { o.IdleTimeout = 400 * time.Millisecond })
	busy := openTerm(t, f.mustDial("alice", alice), true)
	idle := openTerm(t, f.mustDial("alice", alice), true)
	idle.waitFor("desk of alice")
	start := time.Now()
	// busy types every 100 ms for 800 ms; it must survive.
	for range 8 {
		busy.send("k")
		time.Sleep(100 * time.Millisecond)
	}
	idle.waitFor("refdesk: closed after 400ms without input; reconnect to continue.")
	idle.exit()
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("idle session took %v to end", el)
	}
	if !f.ev.has("saved:idle:alice") {
		t.Error("the idle model did not get to save (ShutdownMsg idle → save → quit)")
	}
	select {
	case err := <-busy.done:
		t.Fatalf("a session with input was ended: %v; screen %q", err, busy.out.String())
	default:
	}
	busy.send("z")
	busy.waitFor("key z from alice")
}

// RFC 4254 says zero dimensions are to be ignored: the model gets 80x24.
func TestZeroWindowSizeGetsADefault(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	sess, err := f.mustDial("alice", alice).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out := &screen{}
	sess.Stdout = out
	if err := sess.RequestPty("xterm-256color", 0, 0, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, sess: sess, out: out}
	tm.waitFor(hello("alice", "alice"))
	tm.waitFor("desk of alice")
	if strings.Contains(out.String(), "size 0x") {
		t.Errorf("a zero size reached the model: %q", out.String())
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "1 minute", 15 * time.Minute: "15 minutes", 90 * time.Second: "1m30s", 400 * time.Millisecond: "400ms",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}

// Each desk's styles follow its own terminal: the program's background
// colour query reaches the client (serve draws with its own renderer, but
// Bubble Tea still writes its queries), and the answer reaches the model.
func TestBackgroundColourQueryReachesTheClient(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	tm := openTerm(t, f.mustDial("alice", alice), true)
	tm.waitFor("\x1b]11;?")
	tm.send("\x1b]11;rgb:ffff/ffff/ffff\x1b\\")
	tm.waitFor("background dark=false")
}
