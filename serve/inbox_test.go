package serve

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

// rawScp is an scp upload spoken by hand over x/crypto/ssh ("scp -t ."),
// for what OpenSSH's scp cannot be made to do on cue.
type rawScp struct {
	t    *testing.T
	c    *gossh.Client
	sess *gossh.Session
	in   io.WriteCloser
	out  io.Reader
}

func startRawScp(t *testing.T, sf *scpFixture) *rawScp {
	t.Helper()
	c := sf.mustDial("frontdesk", testkit.Key{Signer: sf.signer})
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	r := &rawScp{t: t, c: c, sess: sess}
	r.in, _ = sess.StdinPipe()
	r.out, _ = sess.StdoutPipe()
	if err := sess.Start("scp -t ."); err != nil {
		t.Fatal(err)
	}
	r.ack("at start")
	return r
}

// ack reads the server's "go on" (a 0 byte).
func (r *rawScp) ack(when string) {
	r.t.Helper()
	b := make([]byte, 1)
	if _, err := r.out.Read(b); err != nil || b[0] != 0 {
		r.t.Fatalf("no scp acknowledgement %s: %v %q", when, err, b)
	}
}

func (r *rawScp) send(b []byte) {
	r.t.Helper()
	if _, err := r.in.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// TestSCPInterruptedLeavesNothing drops the connection halfway through a
// file: neither the file nor its temporary remains.
func TestSCPInterruptedLeavesNothing(t *testing.T) {
	sf := startScp(t, true)
	r := startRawScp(t, sf)
	r.send([]byte("C0644 100000 partial.pdf\n"))
	r.ack("of the header")
	r.send(make([]byte, 40000))
	waitUntil(t, "the partial upload to reach the server", func() bool {
		entries, _ := os.ReadDir(filepath.Join(sf.inbox, "Desk_3"))
		return len(entries) == 1 // the temporary file
	})
	_ = r.c.Close()
	waitUntil(t, "the interrupted upload to be logged", func() bool {
		return strings.Contains(sf.log.String(), `outcome="failed: interrupted"`)
	})
	if got := tree(t, sf.inbox); strings.Count(got, "\n") != 1 { // the inbox and the user folder only
		t.Errorf("an interrupted upload left something:\n%s", got)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf" // 404 bytes
	cases := map[string]string{
		"report.pdf":               "report.pdf",
		"..hidden.pdf":             "hidden.pdf",
		" . x.pdf ":                "x.pdf",
		"a\x01b\x7fc.pdf":          "abc.pdf",
		"evil\u202Efdp.exe":        "evilfdp.exe",
		"bad\xffbyte.pdf":          "bad_byte.pdf",
		`dir\inner.pdf`:            "inner.pdf",
		"../up.pdf":                "up.pdf",
		"line\u2028para\u2029.pdf": "line para .pdf",
		"a\u061cb\u200bc\u00add\u034fe\u3164f.pdf": "abcdef.pdf",
		"z\u0301\u0301\u0301\u0301.pdf":            "z\u0301\u0301.pdf",
		long:                                       strings.Repeat("é", 125) + ".pdf",
	}
	for in, want := range cases {
		got, ok := cleanName(in)
		if !ok || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if len(got) > maxNameBytes {
			t.Errorf("cleanName(%q) is %d bytes", in, len(got))
		}
	}
	for _, in := range []string{"", ".", "..", "...", "\x01\x02", " . "} {
		if got, ok := cleanName(in); ok {
			t.Errorf("cleanName(%q) = %q; want it refused", in, got)
		}
	}
	if got := numbered(long, 12); len(got) > maxNameBytes || !strings.HasSuffix(got, " (12).pdf") {
		t.Errorf("numbered long name = %q (%d bytes)", got, len(got))
	}
}

func TestValidInboxUser(t *testing.T) {
	for _, u := range []string{"frontdesk", "desk-3", "a.b_c", "alice@laptop", strings.Repeat("u", 64)} {
		if !validInboxUser(u) {
			t.Errorf("%q refused", u)
		}
	}
	for _, u := range []string{"", ".x", "..", "a/b", "a b", "é", strings.Repeat("u", 65), "a\x00"} {
		if validInboxUser(u) {
			t.Errorf("%q accepted", u)
		}
	}
}

// TestSCPRefusesLinkedInbox: an inbox or user folder that is a symbolic link
// (or not a folder) is refused, never followed.
func TestSCPRefusesLinkedInbox(t *testing.T) {
	src, _ := local(t, "scan.pdf", 100)
	for _, c := range []string{"user link", "inbox link", "inbox file"} {
		t.Run(c, func(t *testing.T) {
			sf := startScp(t, true)
			outside := t.TempDir()
			var err error
			switch c {
			case "user link":
				if err = os.Mkdir(sf.inbox, 0o700); err == nil {
					err = os.Symlink(outside, filepath.Join(sf.inbox, "Desk_3"))
				}
			case "inbox link":
				err = os.Symlink(outside, sf.inbox)
			case "inbox file":
				err = os.WriteFile(sf.inbox, nil, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			out, code := sf.scp(sf.keyFile, src, remote(""))
			if code == 0 || !strings.Contains(out, "not a plain folder") {
				t.Errorf("status %d, output %q; want the inbox refused", code, out)
			}
			if got := tree(t, outside); strings.Contains(got, "\n") || strings.Contains(got, "scan") {
				t.Errorf("the link was followed:\n%s", got)
			}
		})
	}
}

// TestSCPSweepsStaleTemporaries: a temporary file left by a process that
// exited mid-upload goes at the user's next upload; a recent one (perhaps a
// live upload) stays.
func TestSCPSweepsStaleTemporaries(t *testing.T) {
	sf := startScp(t, true)
	user := filepath.Join(sf.inbox, "Desk_3")
	if err := os.MkdirAll(user, 0o700); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(user, tempPrefix+"000000000000000000000000"+tempSuffix)
	fresh := filepath.Join(user, tempPrefix+"111111111111111111111111"+tempSuffix)
	other := filepath.Join(user, ".keep-me.part") // not ours: never touched
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-staleTemp - time.Hour)
	for _, p := range []string{old, other} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	src, _ := local(t, "scan.pdf", 10)
	if out, code := sf.scp(sf.keyFile, src, remote("")); code != 0 {
		t.Fatalf("upload failed (%d): %s", code, out)
	}
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temporary not removed (err %v)", err)
	}
	for _, p := range []string{fresh, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", filepath.Base(p), err)
		}
	}
}

// TestStartSweepsEveryTemporary: when the server starts no upload can be in
// flight, so every temporary file left in any inbox goes, however recent;
// the users' files and anything not ours stay.
func TestStartSweepsEveryTemporary(t *testing.T) {
	inbox := filepath.Join(t.TempDir(), "inbox")
	var keep, gone []string
	for _, u := range []string{"frontdesk", "bob"} {
		dir := filepath.Join(inbox, u)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		gone = append(gone, filepath.Join(dir, tempPrefix+"222222222222222222222222"+tempSuffix))
		keep = append(keep, filepath.Join(dir, "scan.pdf"), filepath.Join(dir, ".keep-me.part"))
	}
	for _, p := range append(append([]string(nil), keep...), gone...) {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	startServer(t, nil, func(o *Options) { o.Inbox = inbox })
	for _, p := range gone {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("temporary %s not removed at start (err %v)", p, err)
		}
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed at start: %v", p, err)
		}
	}
}
