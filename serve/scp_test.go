package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// scpFixture is a server with uploads on, and OpenSSH key files for an
// authorised and an unknown key.
type scpFixture struct {
	*fixture
	docs, inbox    string
	keyFile, other string // private keys: authorised, not authorised
	signer         gossh.Signer
	log            *screen
	port           string
}

func startScp(t *testing.T, uploads bool) *scpFixture {
	t.Helper()
	return startScpWith(t, uploads, nil)
}

// startScpWith is startScp with the server's options changed by tweak.
func startScpWith(t *testing.T, uploads bool, tweak func(*Options)) *scpFixture {
	t.Helper()
	keys := t.TempDir()
	sf := &scpFixture{log: &screen{}, keyFile: filepath.Join(keys, "desk"), other: filepath.Join(keys, "stranger")}
	desk := opensshKey(t, sf.keyFile, "Desk 3")
	sf.signer = desk.Signer
	opensshKey(t, sf.other, "stranger")
	sf.fixture = startServer(t, []string{desk.Line}, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(sf.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		sf.docs = filepath.Join(filepath.Dir(o.AuthorizedKeys), "docs")
		sf.inbox = filepath.Join(sf.docs, "inbox")
		if uploads {
			o.Inbox = sf.inbox
		}
		if tweak != nil {
			tweak(o)
		}
	})
	if err := os.Mkdir(sf.docs, 0o700); err != nil {
		t.Fatal(err)
	}
	_, sf.port, _ = net.SplitHostPort(sf.addr)
	return sf
}

// scp runs OpenSSH's scp in its classic mode (-O), or in SFTP mode if the
// first argument is "-s", with the given key and returns its combined output
// and exit status.
func (sf *scpFixture) scp(key string, args ...string) (string, int) {
	sf.t.Helper()
	bin, err := exec.LookPath("scp")
	if err != nil {
		sf.t.Skip("no OpenSSH scp on this machine: install openssh-client to run the upload tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mode := "-O" // classic SCP; "-s" (SFTP) when the caller asks for it
	if len(args) > 0 && args[0] == "-s" {
		mode, args = "-s", args[1:]
	}
	all := append([]string{mode, "-i", key, "-P", sf.port, "-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR"}, args...)
	cmd := exec.CommandContext(ctx, bin, all...)
	var out screen
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	}
	sf.t.Fatalf("scp %v: %v", args, err)
	return "", -1
}

// remote is "frontdesk@127.0.0.1:" followed by target.
func remote(target string) string { return "frontdesk@127.0.0.1:" + target }

// tree lists every path under dir (relative, with file sizes), for proving
// that nothing was written anywhere.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		lines = append(lines, rel+" "+info.Mode().String()+" "+strconv.FormatInt(info.Size(), 10))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// local writes a file with random content in a fresh folder and returns its
// path and content.
func local(t *testing.T, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSCPUploadLandsInInbox(t *testing.T) {
	sf := startScp(t, true)
	src, data := local(t, "Doe-Jane-referral.pdf", 300_000)
	out, code := sf.scp(sf.keyFile, src, remote(""))
	if code != 0 {
		t.Fatalf("upload failed (%d): %s", code, out)
	}
	dst := filepath.Join(sf.inbox, "Desk_3", "Doe-Jane-referral.pdf")
	if got := mustRead(t, dst); !bytes.Equal(got, data) {
		t.Fatalf("uploaded %d bytes differ from the %d sent", len(got), len(data))
	}
	for p, want := range map[string]fs.FileMode{dst: 0o600, filepath.Dir(dst): 0o700 | fs.ModeDir, sf.inbox: 0o700 | fs.ModeDir} {
		if fi, err := os.Lstat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v (err %v)", p, fi.Mode(), want, err)
		}
	}

	// The same name again: both kept, the first unchanged.
	src2 := filepath.Join(t.TempDir(), "Doe-Jane-referral.pdf")
	data2 := []byte("second scan")
	if err := os.WriteFile(src2, data2, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{".", "~"} {
		if out, code := sf.scp(sf.keyFile, src2, remote(target)); code != 0 {
			t.Fatalf("second upload to %q failed (%d): %s", target, code, out)
		}
	}
	if got := mustRead(t, dst); !bytes.Equal(got, data) {
		t.Error("the first upload was overwritten")
	}
	for _, n := range []string{"Doe-Jane-referral (2).pdf", "Doe-Jane-referral (3).pdf"} {
		if got := mustRead(t, filepath.Join(sf.inbox, "Desk_3", n)); !bytes.Equal(got, data2) {
			t.Errorf("%s holds %q, want %q", n, got, data2)
		}
	}
	// A leading dot is dropped, so the picker shows the file.
	hidden, _ := local(t, ".hidden scan.pdf", 10)
	if out, code := sf.scp(sf.keyFile, hidden, remote("inbox")); code != 0 {
		t.Fatalf("upload of a dot file failed (%d): %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(sf.inbox, "Desk_3", "hidden scan.pdf")); err != nil {
		t.Errorf("dot file not saved as %q: %v\n%s", "hidden scan.pdf", err, tree(t, sf.inbox))
	}

	// The log: one "saved" per file with its bytes, never a file name.
	logs := sf.log.String()
	if !strings.Contains(logs, "outcome=saved") || !strings.Contains(logs, "bytes=300000") || !strings.Contains(logs, `desk="Desk 3"`) {
		t.Errorf("log lacks the upload's outcome, bytes or desk:\n%s", logs)
	}
	for _, secret := range []string{"Doe", "Jane", "referral", "hidden"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q from a file name:\n%s", secret, logs)
		}
	}
}

func TestSCPRefusals(t *testing.T) {
	sf := startScp(t, true)
	src, _ := local(t, "scan.pdf", 1000)
	if out, code := sf.scp(sf.keyFile, src, remote("")); code != 0 {
		t.Fatalf("upload failed (%d): %s", code, out)
	}
	top := filepath.Dir(sf.docs) // the whole test folder: keys, host key, docs
	before := tree(t, top)

	folder := t.TempDir()
	if err := os.WriteFile(filepath.Join(folder, "a.pdf"), []byte("a"), 0o600); err != nil {
		t.Fatal(err)
	}
	dlDir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"download", []string{remote("scan.pdf"), filepath.Join(dlDir, "got.pdf")}, "refdesk accepts uploads only"},
		{"download the inbox", []string{remote("."), dlDir}, "refdesk accepts uploads only"},
		{"folder", []string{"-r", folder, remote("")}, "refdesk accepts files, not folders"},
		{"sftp mode", []string{"-s", src, remote("")}, "not SFTP: send with scp -O FILE SERVER:"},
		{"dot dot", []string{src, remote("../x")}, "with nothing after the colon"},
		{"absolute", []string{src, remote("/etc/x")}, "with nothing after the colon"},
		{"subfolder", []string{src, remote("inbox/sub")}, "with nothing after the colon"},
		{"new name", []string{src, remote("other.pdf")}, "with nothing after the colon"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, code := sf.scp(sf.keyFile, c.args...)
			t.Logf("scp %v: status %d, output %q", c.args, code, out)
			if code == 0 || !strings.Contains(out, c.want) {
				t.Errorf("scp %v: status %d, output %q; want a failure saying %q", c.args, code, out, c.want)
			}
			if strings.Count(strings.TrimSpace(out), "\n") > 1 {
				t.Errorf("refusal is not one clear line: %q", out)
			}
		})
	}
	if got, _ := os.ReadDir(dlDir); len(got) != 0 {
		t.Errorf("a download wrote something:\n%s", tree(t, dlDir))
	}
	if after := tree(t, top); after != before {
		t.Errorf("refused copies changed the server's folders:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	logs := sf.log.String()
	for _, secret := range []string{"scan", "other.pdf", "/etc/x", "../x", "got.pdf"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q from a file name or target:\n%s", secret, logs)
		}
	}
	if n := strings.Count(logs, `msg="scp upload"`); n < len(cases) {
		t.Errorf("log has %d scp outcomes for %d refusals (and an upload):\n%s", n, len(cases), logs)
	}

	t.Run("unauthorised key", func(t *testing.T) {
		out, code := sf.scp(sf.other, src, remote(""))
		if code == 0 {
			t.Errorf("an unknown key uploaded: %s", out)
		}
		if after := tree(t, top); after != before {
			t.Errorf("an unknown key changed the server's folders:\n%s", after)
		}
	})

	t.Run("too large", func(t *testing.T) {
		big := filepath.Join(t.TempDir(), "big.pdf")
		if err := os.WriteFile(big, []byte("%PDF"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(big, maxUploadBytes+1_000_000); err != nil {
			t.Fatal(err)
		}
		out, code := sf.scp(sf.keyFile, big, remote(""))
		t.Logf("over-size: status %d, output %q", code, out)
		if code == 0 || !strings.Contains(out, "that file is 19.8 MB; a document can be at most 18.8 MB") {
			t.Errorf("over-size upload: status %d, output %q", code, out)
		}
		if after := tree(t, top); after != before {
			t.Errorf("an over-size upload left something:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		if !strings.Contains(sf.log.String(), "outcome=\"refused: too large\"") {
			t.Errorf("log lacks the size refusal:\n%s", sf.log.String())
		}
	})
}

func TestSCPSeveralFilesAtOnce(t *testing.T) {
	sf := startScp(t, true)
	a, da := local(t, "a.pdf", 5000)
	b, db := local(t, "b.jpg", 7000)
	if out, code := sf.scp(sf.keyFile, a, b, remote("")); code != 0 {
		t.Fatalf("upload of two files failed (%d): %s", code, out)
	}
	for name, want := range map[string][]byte{"a.pdf": da, "b.jpg": db} {
		if got := mustRead(t, filepath.Join(sf.inbox, "Desk_3", name)); !bytes.Equal(got, want) {
			t.Errorf("%s differs", name)
		}
	}
}

func TestSCPUploadsOff(t *testing.T) {
	sf := startScp(t, false)
	src, _ := local(t, "scan.pdf", 100)
	out, code := sf.scp(sf.keyFile, src, remote(""))
	if code == 0 || !strings.Contains(out, "uploads (scp) are turned off") {
		t.Errorf("with uploads off: status %d, output %q", code, out)
	}
	if _, err := os.Lstat(sf.inbox); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("uploads off, yet the inbox exists (err %v)", err)
	}
}

// TestSCPInboxIsTheKeys (issue 19, finding 2): the user name typed before
// the @ names nothing. With the "Desk 3" key, uploads to bob@, to a name
// that cannot name a folder, and to a name that looks like another desk's
// folder all land in Desk 3's inbox; no other folder is made.
func TestSCPInboxIsTheKeys(t *testing.T) {
	sf := startScp(t, true)
	src, data := local(t, "scan.pdf", 1000)
	for i, user := range []string{"bob", "a+b", ".x", strings.Repeat("u", 65), "Desk_4"} {
		if out, code := sf.scp(sf.keyFile, src, user+"@127.0.0.1:"); code != 0 {
			t.Fatalf("upload as %q failed (%d): %s", user, code, out)
		}
		name := "scan.pdf"
		if i > 0 {
			name = "scan (" + strconv.Itoa(i+1) + ").pdf"
		}
		if got := mustRead(t, filepath.Join(sf.inbox, "Desk_3", name)); !bytes.Equal(got, data) {
			t.Fatalf("upload as %q: %s differs", user, name)
		}
	}
	if entries, _ := os.ReadDir(sf.inbox); len(entries) != 1 || entries[0].Name() != "Desk_3" {
		t.Errorf("uploads made other folders:\n%s", tree(t, sf.inbox))
	}
}
