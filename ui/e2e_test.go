package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEndToEndBinaryInTmux runs the real binary (go build of the module's
// main) in a pseudo-terminal that tmux emulates, types referrals into it as
// a person does, and reads the screen until one referral has reached
// Completed and another Failed. It needs tmux; -short skips it.
func TestEndToEndBinaryInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "refdesk")
	build := exec.Command("go", "build", "-o", bin, "refdesk")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	docs := filepath.Join(dir, "docs")
	if err := os.MkdirAll(docs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(docs, "consult.pdf"), []byte("%PDF-1.4 consult"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := fmt.Sprintf("refdesk-e2e-%d", os.Getpid())
	tm := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cmd := fmt.Sprintf("env REFDESK_DATA_DIR=%s NO_COLOR=1 %s --documents-dir %s --seed 3 --delay 300ms --failure-rate 0.5 --patients 300 --referring-providers 400",
		filepath.Join(dir, "data"), bin, docs)
	tm("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", cmd)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })

	screen := func() string { return tm("capture-pane", "-p", "-t", "e2e") }
	wait := func(what string, re *regexp.Regexp) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := screen()
			if m := re.FindString(s); m != "" {
				return m
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; screen:\n%s", what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	keys := func(k ...string) {
		tm(append([]string{"send-keys", "-t", "e2e"}, k...)...)
		time.Sleep(250 * time.Millisecond)
	}
	text := func(s string) { keys("-l", s) }

	start := time.Now()
	wait("the form", regexp.MustCompile(`Patient — synced patients`))
	t.Logf("form on screen %v after start (including the sandbox and its first sync)", time.Since(start).Round(time.Millisecond))

	seen := map[string]bool{}
	for i := 1; i <= 10 && !(seen["COMPLETED"] && seen["FAILED"]); i++ {
		text("doe")
		keys("Enter")
		text("o") // and on to From
		text("a")
		keys("Enter")
		text("a")
		keys("Enter")
		keys("Enter") // routine
		text(fmt.Sprintf("End-to-end referral %d", i))
		keys("Tab")
		keys("Enter") // no codes: on to Documents
		keys("Enter") // consult.pdf: the file picker opened with the field
		wait("the document", regexp.MustCompile(`Attached consult\.pdf`))
		keys("C-s")
		wait("the review", regexp.MustCompile(`Ready to send`))
		keys("Enter")
		wait("sent", regexp.MustCompile(fmt.Sprintf(`Sent: referral #%d`, i)))
		// The newest referral is the pane's first row, under the cursor,
		// once the pane lists it: wait for its end.
		wait("the pane to list it", regexp.MustCompile(fmt.Sprintf(`Referrals · %d shown`, i)))
		word := wait("an outcome", regexp.MustCompile(`▸ (COMPLETED|FAILED)`))
		outcome := strings.TrimPrefix(word, "▸ ")
		seen[outcome] = true
		t.Logf("referral #%d: %s", i, outcome)
	}
	if !seen["COMPLETED"] || !seen["FAILED"] {
		t.Fatalf("saw %v; screen:\n%s", seen, screen())
	}
	s := screen()
	for _, want := range []string{"docs 1 attached", "Failed: "} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	keys("C-c")
}
