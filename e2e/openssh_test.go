package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeOpenSSH connects to `refdesk serve --sandbox` with OpenSSH's
// client (ssh -tt) in a 120×40 tmux session, as a workstation would: the
// screen shows the form with the SANDBOX badge and the desk's name from
// authorized_keys, and typing reaches the patient search.
func TestServeOpenSSH(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("OpenSSH's client is not installed (.ci/run installs it)")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	c := newClinic(t)
	srv := c.serve(t)
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	c.desk1.WriteOpenSSH(t, keyFile, "front-desk-1")
	host, port, _ := strings.Cut(srv.sshAddr, ":")
	tm := startTmux(t, 120, 40, appEnv(t.TempDir(), "TERM=xterm-256color"), sshBin, "-tt", "-i", keyFile, "-p", port,
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "frontdesk@"+host)
	tm.WaitText(15*time.Second, "desk front-desk-1", "SANDBOX", "▶ Patient", "2,000 in directory")
	tm.Type("doe john")
	tm.WaitText(step, "› doe john", "▸ Doe, John")
	tm.Press("enter")
	tm.WaitText(step, "Patient: Doe, John", "▶ Direction")
}

// TestSSHSmokeScript runs .ci/ssh-smoke.sh (what .ci/run calls) with the
// binary under test, so the script cannot rot unnoticed.
func TestSSHSmokeScript(t *testing.T) {
	for _, tool := range []string{"ssh", "ssh-keygen", "tmux", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs what the script needs)", tool)
		}
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, ".ci", "ssh-smoke.sh"))
	cmd.Env = append(appEnv(t.TempDir()), "REFDESK_BIN="+refdeskBin)
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf(".ci/ssh-smoke.sh did not finish within 60s:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "ssh-smoke: passed") {
		t.Fatalf(".ci/ssh-smoke.sh failed (%v):\n%s", err, out)
	}
}
