package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/internal/testkit"
)

// tmuxTerm is a program running in a detached tmux session of fixed size,
// on a tmux server of its own (-S socket in a temporary directory), so
// tests never touch the user's tmux and cleanup ends exactly what the test
// started.
type tmuxTerm struct {
	t      *testing.T
	socket string
	env    []string
}

// startTmux runs argv (with env) in a w×h tmux session. When the program
// exits, the pane keeps its last screen and a line "[exited CODE]".
func startTmux(t *testing.T, w, h int, env []string, argv ...string) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it): the terminal end-to-end test needs it")
	}
	// A short path: a Unix socket's path is limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "rd-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	tm := &tmuxTerm{t: t, socket: filepath.Join(dir, "sock"), env: env}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := strings.Join(quoted, " ") + `; echo "[exited $?]"; sleep 600`
	t.Cleanup(func() { _ = tm.tmux("kill-server") })
	if err := tm.tmux("-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"sh", "-c", script); err != nil {
		t.Fatalf("tmux new-session: %v", err)
	}
	return tm
}

func (tm *tmuxTerm) tmux(args ...string) error {
	cmd := exec.Command("tmux", append([]string{"-S", tm.socket}, args...)...)
	cmd.Env = tm.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// Screen is what the pane shows now (tmux capture-pane -p).
func (tm *tmuxTerm) Screen() string {
	cmd := exec.Command("tmux", "-S", tm.socket, "capture-pane", "-p", "-t", "e2e")
	cmd.Env = tm.env
	out, err := cmd.Output()
	if err != nil {
		return fmt.Sprintf("(capture-pane failed: %v)", err)
	}
	return string(out)
}

// Type sends text as typed characters (send-keys -l).
func (tm *tmuxTerm) Type(text string) {
	tm.t.Helper()
	if err := tm.tmux("send-keys", "-t", "e2e", "-l", text); err != nil {
		tm.t.Fatal(err)
	}
}

// Keys sends named keys: Enter, Tab, Escape, C-s, Up…
func (tm *tmuxTerm) Keys(keys ...string) {
	tm.t.Helper()
	if err := tm.tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...); err != nil {
		tm.t.Fatal(err)
	}
}

// WaitFor waits up to d for cond to hold on the screen and returns that
// screen; otherwise the test fails with what it waited for and the screen.
func (tm *tmuxTerm) WaitFor(d time.Duration, what string, cond func(screen string) bool) string {
	tm.t.Helper()
	var s string
	if testkit.Poll(d, 50*time.Millisecond, func() bool { s = tm.Screen(); return cond(s) }) {
		return s
	}
	tm.t.Fatalf("after %s the screen does not show %s; it shows:\n%s", d, what, s)
	return ""
}

// WaitText waits for every text to be on the screen.
func (tm *tmuxTerm) WaitText(d time.Duration, texts ...string) string {
	tm.t.Helper()
	return tm.WaitFor(d, fmt.Sprintf("%q", texts), func(s string) bool { return containsAll(s, texts...) })
}

func containsAll(s string, texts ...string) bool {
	for _, x := range texts {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
