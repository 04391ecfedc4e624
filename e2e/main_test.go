package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// refdeskBin is the binary under test. TestMain sets it once, before any
// test runs; nothing writes it afterwards.
var refdeskBin string

// TestMain builds refdesk once (no -race: the race detector is for this
// test binary; the server runs as users run it) and runs the tests.
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "refdesk-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	refdeskBin = filepath.Join(tmp, "refdesk")
	build := exec.Command("go", "build", "-o", refdeskBin, "refdesk")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build refdesk failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot is the directory of refdesk's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the refdesk module")
	}
	return filepath.Dir(mod), nil
}

// appEnv is the environment refdesk runs with: this process's, without
// Cobalt credentials (so it runs on the sandbox), NO_COLOR or a data
// directory of the user's, plus the test's data directory.
func appEnv(dataDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "COBALT_") || strings.HasPrefix(k, "REFDESK_") || k == "NO_COLOR" ||
			k == "TMUX" || k == "TMUX_PANE" {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "REFDESK_DATA_DIR="+dataDir), extra...)
}

// paneText is the text of the live pane on a side-by-side screen: every
// row from the pane's left border on, with box borders and runs of spaces
// collapsed, so text the pane wrapped reads as one line. The pane is the
// second box; its left edge is found from the top border row.
func paneText(screen string) string {
	lines := strings.Split(screen, "\n")
	col := -1
	for _, l := range lines {
		rs := []rune(l)
		for i, r := range rs {
			if (r == '┓' || r == '╮' || r == '┐') && i+1 < len(rs) {
				col = i + 1
				break
			}
		}
		if col >= 0 {
			break
		}
	}
	if col < 0 {
		return ""
	}
	var b strings.Builder
	for _, l := range lines {
		rs := []rune(l)
		if len(rs) <= col {
			continue
		}
		b.WriteString(" " + string(rs[col:]))
	}
	s := strings.NewReplacer("│", " ", "┃", " ", "╭", " ", "╮", " ", "╰", " ", "╯", " ", "┏", " ", "┓", " ",
		"┗", " ", "┛", " ", "─", " ", "━", " ").Replace(b.String())
	return strings.Join(strings.Fields(s), " ")
}

// squash collapses whitespace, to compare text a screen may have wrapped.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
