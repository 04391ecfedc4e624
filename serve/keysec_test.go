package serve

import (
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

// A key removed from authorized_keys ends its open session on the reload
// (issue 19, finding 4): the model is asked to save, the desk is told why;
// other desks go on.
func TestRemovedKeyEndsItsSession(t *testing.T) {
	alice, bob := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob")
	f := startServer(t, []string{alice.Line, bob.Line}, nil)
	a := openTerm(t, f.mustDial("alice", alice), true)
	b := openTerm(t, f.mustDial("bob", bob), true)
	a.waitFor("desk of alice")
	b.waitFor("desk of bob")
	f.writeKeys(bob.Line)
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	a.waitFor("key is no longer authorized")
	if code := a.exit(); code != 0 {
		t.Logf("exit status %d", code)
	}
	waitUntil(t, "alice's draft saved", func() bool { return f.ev.has("saved:" + ReasonKeyRemoved + ":alice") })
	b.send("y")
	b.waitFor("key y from bob")
	if f.ev.has("shutdown:" + ReasonKeyRemoved + ":bob") {
		t.Error("bob's session was told its key was removed")
	}
}

// An authorized_keys file (or its folder) that group or others may write,
// or that another user owns, is refused whole, loudly: New fails with what
// to fix; on a reload every key is refused and every session ends (issue
// 19, finding 4).
func TestKeysFileWritableByOthersIsRefused(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	f := startServer(t, []string{alice.Line}, nil)
	a := openTerm(t, f.mustDial("alice", alice), true)
	a.waitFor("desk of alice")

	for _, mode := range []os.FileMode{0o666, 0o620, 0o602} {
		if err := os.Chmod(f.keys, mode); err != nil {
			t.Fatal(err)
		}
		_, err := New(Options{HostKeyPath: filepath.Join(f.dir, "data", "ssh_host_ed25519_key"), AuthorizedKeys: f.keys,
			NewModel: f.srv.opt.NewModel})
		if err == nil || !strings.Contains(err.Error(), "writable by group or others") || !strings.Contains(err.Error(), "chmod go-w") {
			t.Errorf("mode %04o: New = %v; want it refused with what to do", mode, err)
		}
	}
	if err := f.srv.ReloadKeys(); err == nil {
		t.Fatal("a reload accepted a group-writable file")
	}
	a.waitFor("key is no longer authorized")
	if _, err := f.dial("alice", gossh.PublicKeys(alice.Signer)); err == nil {
		t.Fatal("a key from a refused file got in")
	}
	if err := os.Chmod(f.keys, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(f.dir, 0o770); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.ReloadKeys(); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Fatalf("a file in a group-writable folder: %v", err)
	}
	if err := os.Chmod(f.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.ReloadKeys(); err != nil {
		t.Fatal(err)
	}
	f.mustDial("alice", alice)

	if os.Getuid() != 0 {
		t.Log("not root: the owner check is not exercised")
		return
	}
	if err := os.Chown(f.keys, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.ReloadKeys(); err == nil || !strings.Contains(err.Error(), "owned by user id 4242") {
		t.Fatalf("a file owned by another user: %v", err)
	}
}

// A bare `restrict` line means no terminal in OpenSSH, so the key is
// refused, with a log line naming the line (issue 19, finding 4).
func TestRestrictWithoutPTYIsRefused(t *testing.T) {
	alice, bob := testkit.NewKey(t, "alice"), testkit.NewKey(t, "bob")
	log := &screen{}
	f := startServer(t, []string{"# desks", "restrict " + alice.Line, "restrict,pty " + bob.Line}, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(log, nil))
	})
	if _, err := f.dial("alice", gossh.PublicKeys(alice.Signer)); err == nil {
		t.Fatal("a restrict key without pty got in")
	}
	f.mustDial("bob", bob)
	if s := log.String(); !strings.Contains(s, "deny a terminal") || !strings.Contains(s, "line=2") {
		t.Errorf("log does not name the refused line:\n%s", s)
	}
}

// RSA keys sign with rsa-sha2-256/512; ssh-rsa (SHA-1) signatures are
// refused (issue 19, finding 4).
func TestSHA1RSASignaturesRefused(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " rsa desk"
	f := startServer(t, []string{line}, nil)
	as := signer.(gossh.AlgorithmSigner)
	for _, c := range []struct {
		algo string
		ok   bool
	}{{gossh.KeyAlgoRSA, false}, {gossh.KeyAlgoRSASHA256, true}, {gossh.KeyAlgoRSASHA512, true}} {
		only, err := gossh.NewSignerWithAlgorithms(as, []string{c.algo})
		if err != nil {
			t.Fatal(err)
		}
		cl, err := f.dial("desk", gossh.PublicKeys(only))
		if (err == nil) != c.ok {
			t.Errorf("%s: dial error %v, want ok=%v", c.algo, err, c.ok)
		}
		if err == nil {
			_ = cl.Close()
		}
	}
}

// The log shows the SSH user name a client typed cleaned and cut (issue
// 19, finding 6): no bidi control or escape from it, at most 64 cells.
func TestLogCleansTypedUserNames(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	log := &screen{}
	f := startServer(t, []string{alice.Line}, func(o *Options) {
		o.Logger = slog.New(slog.NewJSONHandler(log, nil))
	})
	typed := "bob\u202eevil\u2066\x1b]0;x\x07" + strings.Repeat("u", 200)
	tm := openTerm(t, f.mustDial(typed, alice), true)
	tm.waitFor("desk of alice")
	s := log.String()
	if !strings.Contains(s, `"ssh_user":"bobevil`) {
		t.Fatalf("log lacks the cleaned user name:\n%s", s)
	}
	for _, bad := range []string{"\u202e", "\u2066", `\u202e`, `\u001b`, strings.Repeat("u", 70)} {
		if strings.Contains(s, bad) {
			t.Errorf("log keeps %+q from the typed user name", bad)
		}
	}
}
