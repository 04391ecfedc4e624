package e2e

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestSetupAccessibleOnSandbox runs 'refdesk setup' with ACCESSIBLE set in
// a real terminal (tmux) against 'refdesk sandbox' over HTTP, answering
// each line as a screen-reader user would, and checks what it wrote. The
// secrets are typed at prompts that do not echo: none may reach the screen.
func TestSetupAccessibleOnSandbox(t *testing.T) {
	const id, secret, token = "ci_E2E_setup_id", "cs_E2E_setup_secret", "at_E2E_setup_token"
	tmp := t.TempDir()
	sb := exec.Command(refdeskBin, "sandbox", "--addr", "127.0.0.1:0")
	sb.Env = append(appEnv(filepath.Join(tmp, "sb")), "COBALT_CLIENT_ID="+id, "COBALT_CLIENT_SECRET="+secret, "COBALT_ACCESS_TOKEN="+token)
	out, err := sb.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Process.Kill(); _ = sb.Wait() })
	first, err := bufio.NewReader(out).ReadString('\n')
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(first)
	if err != nil || m == nil {
		t.Fatalf("sandbox did not start: %q %v", first, err)
	}
	go func() { _, _ = bufio.NewReader(out).WriteTo(discard{}) }()

	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := gossh.NewPublicKey(pub)
	key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sshPub))) + " clerk@pc1"

	dir := filepath.Join(tmp, "data")
	tm := startTmux(t, 150, 60, appEnv(dir, "ACCESSIBLE=1", "HOME="+tmp),
		refdeskBin, "setup", "--base-url", m[1], "--data-dir", dir)
	answer := func(prompt, typed string) {
		t.Helper()
		tm.WaitFor(10*time.Second, "the prompt "+prompt, func(s string) bool { return strings.HasPrefix(lastLine(s), prompt) })
		if typed != "" {
			tm.Type(typed)
		}
		tm.Keys("Enter")
	}
	answer("Cobalt API URL ["+m[1]+"]", "")
	answer("Client ID", id)
	answer("Client secret", "cs_wrong")
	answer("Access token", token)
	tm.WaitText(10*time.Second, "Not done: Cobalt refused: Invalid client_id or client_secret. (HTTP 401)")
	answer("Cobalt API URL [", "")
	answer("Client ID [typed already: Enter keeps it]", "")
	answer("Client secret [typed already: Enter keeps it]", secret)
	answer("Access token [typed already: Enter keeps it]", "")
	tm.WaitText(10*time.Second, "Done: Cobalt accepted these credentials: 150 providers.")
	answer("Data directory ["+dir+"]", "")
	answer("Documents folder [", "")
	answer("SSH address the desks connect to [:23234]", "")
	answer("Public webhook URL", "https://refdesk.clinic.example")
	answer("Address refdesk serve listens on for it", "")
	tm.WaitText(10*time.Second, "Done: Registered https://refdesk.clinic.example/webhooks/cobalt")
	answer("Add a desk's public key now? [Y/n]", "")
	answer("Desk name", "frontdesk-1")
	answer("Public key", key)
	tm.WaitText(10*time.Second, "Done: Desk frontdesk-1 added: ssh-ed25519 "+gossh.FingerprintSHA256(sshPub))
	answer("Add a desk's public key now? [y/N]", "")
	answer("Enter a number between 1 and 3", "")
	screen := tm.WaitText(10*time.Second, "refdesk is set up.", "[exited 0]")
	for _, s := range []string{id, secret, token, "cs_wrong"} {
		if strings.Contains(screen, s) {
			t.Errorf("the screen shows a typed secret %q:\n%s", s, screen)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "credentials"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials: %v %v", err, fi)
	}
	cred, _ := os.ReadFile(filepath.Join(dir, "credentials"))
	if !strings.Contains(string(cred), `client_secret = "`+secret+`"`) || !strings.Contains(string(cred), `webhook_secret = "whsec_`) {
		t.Errorf("the credentials file lacks the secrets it should keep")
	}
	keys, _ := os.ReadFile(filepath.Join(dir, "authorized_keys"))
	if !strings.Contains(string(keys), " frontdesk-1\n") {
		t.Errorf("authorized_keys: %q", keys)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// lastLine is the screen's last line that is not blank.
func lastLine(screen string) string {
	lines := strings.Split(strings.TrimRight(screen, " \n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
