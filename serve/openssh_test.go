package serve

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenSSHClient drives the server with the OpenSSH client, when the
// machine has one: ssh -tt gets the program, ssh -T gets the message.
func TestOpenSSHClient(t *testing.T) {
	bin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("no OpenSSH client on this machine")
	}
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	f := startServer(t, []string{opensshKey(t, keyFile, "Desk 3").Line}, nil)
	_, port, _ := net.SplitHostPort(f.addr)
	run := func(flag string, input string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, flag, "-i", keyFile, "-p", port,
			"-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "frontdesk@127.0.0.1")
		cmd.Env = append(os.Environ(), "TERM=xterm-256color")
		pr, pw, _ := os.Pipe()
		cmd.Stdin = pr
		var out screen
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		_ = pr.Close()
		// Each key is sent once the screen shows what comes before it.
		for _, step := range strings.Split(input, ",") {
			if step == "" {
				continue
			}
			wait, key, _ := strings.Cut(step, "=")
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(out.String(), wait) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			_, _ = pw.WriteString(key)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(8 * time.Second):
			t.Errorf("ssh %s did not end; output %q", flag, out.String())
		}
		_ = pw.Close()
		return out.String()
	}
	got := run("-tt", "desk of Desk 3=x,key x from Desk 3=q")
	// "desk of frontdesk" is not required verbatim: the renderer may draw
	// it as a diff of the previous frame; the key's echo proves the screen.
	for _, want := range []string{`hello Desk 3 login="frontdesk"`, "key x from Desk 3"} {
		if !strings.Contains(got, want) {
			t.Errorf("ssh -tt output lacks %q:\n%q", want, got)
		}
	}
	if got := run("-T", ""); !strings.Contains(got, msgNeedTerminal) {
		t.Errorf("ssh -T output %q lacks the terminal message", got)
	}
}
