package serve

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPuTTYUpload sends a file with PuTTY's pscp, as a Windows desk would
// (the README tells them to use -scp): it lands in the inbox; without -scp
// (pscp tries SFTP first) the desk is told what to type.
func TestPuTTYUpload(t *testing.T) {
	pscp, err1 := exec.LookPath("pscp")
	puttygen, err2 := exec.LookPath("puttygen")
	if err1 != nil || err2 != nil {
		t.Skip("PuTTY's pscp and puttygen are not installed (Debian: putty-tools)")
	}
	sf := startScp(t, true)
	ppk := filepath.Join(t.TempDir(), "desk.ppk")
	if out, err := exec.Command(puttygen, sf.keyFile, "-O", "private", "-o", ppk).CombinedOutput(); err != nil {
		t.Fatalf("puttygen: %v\n%s", err, out)
	}
	src, data := local(t, "referral letter.pdf", 4000)
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		all := append([]string{"-batch", "-hostkey", sf.srv.Fingerprint(), "-P", sf.port, "-i", ppk}, args...)
		out, err := exec.CommandContext(ctx, pscp, all...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("-scp", src, "frontdesk@127.0.0.1:"); err != nil {
		t.Fatalf("pscp -scp: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(sf.inbox, "Desk_3", "referral letter.pdf"))
	if err != nil || string(got) != string(data) {
		t.Fatalf("the uploaded file: %v (%d bytes, want %d)", err, len(got), len(data))
	}
	out, err := run(src, "frontdesk@127.0.0.1:")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(out, "not SFTP: send with scp -O") || !strings.Contains(out, "pscp -scp") {
		t.Errorf("pscp without -scp: %v\n%s", err, out)
	}
}
