package serve

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

func TestHostKeyPersistsAcrossRestarts(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	first := f.srv.Fingerprint()
	if !strings.HasPrefix(first, "SHA256:") {
		t.Fatalf("fingerprint %q", first)
	}
	path := filepath.Join(f.dir, "data", "ssh_host_ed25519_key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", fi.Mode().Perm())
	}
	// The key the client sees is the one Fingerprint reports.
	var seen string
	c, err := gossh.Dial("tcp", f.addr, &gossh.ClientConfig{
		User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(alice.Signer)},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			seen = gossh.FingerprintSHA256(k)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if seen != first {
		t.Errorf("client saw %s, server reports %s", seen, first)
	}

	again, err := New(Options{HostKeyPath: path, AuthorizedKeys: f.keys, NewModel: f.srv.opt.NewModel})
	if err != nil {
		t.Fatal(err)
	}
	if again.Fingerprint() != first {
		t.Errorf("fingerprint changed across restarts: %s then %s", first, again.Fingerprint())
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{HostKeyPath: path, AuthorizedKeys: f.keys, NewModel: f.srv.opt.NewModel})
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable host key was accepted (err %v)", err)
	}
}

func TestAuthorizedKeysReload(t *testing.T) {
	alice, bob, carol := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob"), testkit.NewKey(t, "carol")
	f := startServer(t, []string{alice.Line}, func(o *Options) { o.KeysPoll = 50 * time.Millisecond })
	if _, err := f.dial("bob", gossh.PublicKeys(bob.Signer)); err == nil {
		t.Fatal("bob connected before being added")
	}
	aliceConn := f.mustDial("alice", alice)

	// ReloadKeys (what SIGHUP calls).
	f.writeKeys(alice.Line, bob.Line)
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	openTerm(t, f.mustDial("bob", bob), true).waitFor(hello("bob", "bob"))

	// The poller, without any call.
	f.writeKeys(bob.Line, carol.Line)
	waitUntil(t, "carol to be accepted", func() bool {
		c, err := f.dial("carol", gossh.PublicKeys(carol.Signer))
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
	// alice was removed: new connections are refused, and so is a new session
	// on the connection she opened earlier (the middleware's second check).
	if _, err := f.dial("alice", gossh.PublicKeys(alice.Signer)); err == nil {
		t.Error("a removed key still connects")
	}
	late := openTerm(t, aliceConn, true)
	if code := late.exit(); code != 1 {
		t.Errorf("exit status %d for a removed key's new session, want 1", code)
	}
	if got := late.out.String(); !strings.Contains(got, msgKeyRefused) || strings.Contains(got, "desk of") {
		t.Errorf("removed key's session got %q", got)
	}
}

func TestFromOptionIsEnforced(t *testing.T) {
	near, far := testkit.NewKey(t, "near"), testkit.NewKey(t, "far")
	f := startServer(t, []string{
		`from="127.0.0.1/32" ` + near.Line,
		`from="10.9.8.0/24" ` + far.Line,
	}, nil)
	openTerm(t, f.mustDial("near", near), true).waitFor("desk of near")
	if _, err := f.dial("far", gossh.PublicKeys(far.Signer)); err == nil {
		t.Error("a key limited to 10.9.8.0/24 connected from 127.0.0.1")
	}
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	for _, key := range []string{"p", "c", "s", "v"} { // Update, a batch, a sequence, View
		t.Run(key, func(t *testing.T) {
			alice, bob := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob")
			f := startServer(t, []string{alice.Line, bob.Line}, nil)
			a := openTerm(t, f.mustDial("alice", alice), true)
			b := openTerm(t, f.mustDial("bob", bob), true)
			a.waitFor("desk of alice")
			b.waitFor("desk of bob")
			a.send(key)
			a.waitFor("this desk hit an internal error and was closed")
			if code := a.exit(); code != 1 {
				t.Errorf("exit status %d after a panic, want 1", code)
			}
			if strings.Contains(a.out.String(), "boom") {
				t.Error("the panic value reached the client")
			}
			b.send("x")
			b.waitFor("key x from bob")
			openTerm(t, f.mustDial("alice", alice), true).waitFor("desk of alice")
		})
	}
}

func TestPanicInNewModelEndsOnlyThatSession(t *testing.T) {
	alice, bob := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob")
	f := startServer(t, []string{alice.Line, bob.Line}, func(o *Options) {
		next := o.NewModel
		o.NewModel = func(ctx context.Context, s Session) tea.Model {
			if s.Desk == "alice" {
				panic("cannot build")
			}
			return next(ctx, s)
		}
	})
	a := openTerm(t, f.mustDial("alice", alice), true)
	if code := a.exit(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if !strings.Contains(a.out.String(), "internal error") {
		t.Errorf("got %q", a.out.String())
	}
	openTerm(t, f.mustDial("bob", bob), true).waitFor("desk of bob")
}

func TestShutdownTellsSessionsAndEndsInTime(t *testing.T) {
	alice, bob, stub := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob"), testkit.NewKey(t, "stubborn")
	f := startServer(t, []string{alice.Line, bob.Line, stub.Line}, func(o *Options) { o.ShutdownGrace = 300 * time.Millisecond })
	a := openTerm(t, f.mustDial("alice", alice), true)
	b := openTerm(t, f.mustDial("bob", bob), true)
	s := openTerm(t, f.mustDial("stubborn", stub), true) // ignores ShutdownMsg
	idleConn := f.mustDial("alice", alice)               // a connection with no session
	for _, tm := range []*term{a, b, s} {
		tm.waitFor("desk of")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	took := time.Since(start)
	if took > 3*time.Second {
		t.Errorf("Shutdown took %v", took)
	}
	for _, tm := range []*term{a, b, s} {
		tm.waitFor("refdesk: the server is shutting down; reconnect in a minute.")
		tm.exit()
	}
	for _, e := range []string{"saved:shutdown:alice", "saved:shutdown:bob", "shutdown:shutdown:stubborn"} {
		if !f.ev.has(e) {
			t.Errorf("missing event %s", e)
		}
	}
	select {
	case err := <-f.served:
		if !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("Serve did not return after Shutdown")
	}
	if _, _, err := idleConn.SendRequest("keepalive@openssh.com", true, nil); err == nil {
		t.Error("a connection without a session survived Shutdown")
	}
	if _, err := f.dial("bob", gossh.PublicKeys(bob.Signer)); err == nil {
		t.Error("a connection was accepted after Shutdown")
	}
}

func TestShutdownHonoursAShortDeadline(t *testing.T) {
	stub := testkit.NewKey(t, "stubborn")
	f := startServer(t, []string{stub.Line}, func(o *Options) { o.ShutdownGrace = time.Minute })
	s := openTerm(t, f.mustDial("stubborn", stub), true)
	s.waitFor("desk of stubborn")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = f.srv.Shutdown(ctx)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Shutdown took %v with a 1.5 s deadline and a one-minute grace", took)
	}
	s.exit()
}
