package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// secretEnv holds recognisable secret values so a test can look for them.
var secretEnv = []string{
	"COBALT_CLIENT_ID=ci_test_IDVALUE123",
	"COBALT_CLIENT_SECRET=cs_test_SECRETVALUE456",
	"COBALT_ACCESS_TOKEN=at_test_TOKENVALUE789",
	"COBALT_WEBHOOK_SECRET=whsec_test_WEBHOOKVALUE000",
}

func run(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, env, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func assertNoSecrets(t *testing.T, where, s string) {
	t.Helper()
	for _, kv := range secretEnv {
		_, v, _ := strings.Cut(kv, "=")
		if strings.Contains(s, v) {
			t.Errorf("%s shows a secret value (%s...)", where, v[:8])
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, out, _ := run(t, secretEnv, "--help")
	if code != ExitOK || !strings.Contains(out, "serve") || !strings.Contains(out, "sandbox") {
		t.Fatalf("--help: code %d, output %q", code, out)
	}
	assertNoSecrets(t, "--help", out)
	code, out, _ = run(t, nil, "--version")
	if code != ExitOK || strings.TrimSpace(out) != "refdesk "+Version {
		t.Fatalf("--version: code %d, output %q", code, out)
	}
}

func TestFlagsBeforeAndAfterArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		wait bool
		rest []string
	}{
		{[]string{"--wait", "a.json"}, true, []string{"a.json"}},
		{[]string{"a.json", "--wait"}, true, []string{"a.json"}},
		{[]string{"a.json", "--timeout", "3s", "b.json", "--wait"}, true, []string{"a.json", "b.json"}},
		{[]string{"-", "--wait"}, true, []string{"-"}},
		{[]string{"a.json", "--", "--wait"}, false, []string{"a.json", "--wait"}},
		{[]string{"a.json"}, false, []string{"a.json"}},
	} {
		var out bytes.Buffer
		fs := newFlags(IO{Stdout: &out, Stderr: &out}, "submit", "submit")
		wait := fs.Bool("wait", false, "")
		fs.Duration("timeout", 0, "")
		if code, done := parse(fs, tc.args); done {
			t.Fatalf("%q: done with code %d: %s", tc.args, code, out.String())
		}
		if *wait != tc.wait || strings.Join(fs.Args(), " ") != strings.Join(tc.rest, " ") {
			t.Errorf("%q: wait %v args %q, want %v %q", tc.args, *wait, fs.Args(), tc.wait, tc.rest)
		}
	}
}

func TestVersionOnEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--version"}, {c.name, "x", "--version"}} {
			if c.name != "submit" && len(args) == 3 {
				args = []string{c.name, "--data-dir", t.TempDir(), "--version"}
				if c.name == "sandbox" {
					args = []string{c.name, "--seed", "2", "--version"}
				}
			}
			code, out, errs := run(t, nil, args...)
			if c.name == "codes" { // and the code set in use on a second line
				out, _, _ = strings.Cut(out, "\n")
			}
			if code != ExitOK || strings.TrimSpace(out) != "refdesk "+Version {
				t.Errorf("%q: code %d, stdout %q, stderr %q", args, code, out, errs)
			}
		}
	}
}

func TestArgumentToCommandWithoutArguments(t *testing.T) {
	code, _, errs := run(t, nil, "sync", "providers")
	if code != ExitUsage || !strings.Contains(errs, `unexpected argument "providers"`) {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
}

func TestSubcommandHelpShowsNoSecrets(t *testing.T) {
	for _, c := range commands() {
		code, out, errs := run(t, secretEnv, c.name, "--help")
		if code != ExitOK {
			t.Errorf("%s --help: exit %d (stderr %q)", c.name, code, errs)
		}
		if !strings.Contains(out, "Usage: refdesk") {
			t.Errorf("%s --help printed no usage: %q", c.name, out)
		}
		assertNoSecrets(t, c.name+" --help", out+errs)
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	code, _, errs := run(t, nil, "frobnicate")
	if code != ExitUsage || !strings.Contains(errs, "refdesk --help") {
		t.Fatalf("unknown command: code %d, stderr %q", code, errs)
	}
	code, _, errs = run(t, nil, "sync", "--no-such-flag")
	if code != ExitUsage || !strings.Contains(errs, "no-such-flag") {
		t.Fatalf("unknown flag: code %d, stderr %q", code, errs)
	}
}

func TestPartialCredentialsNamedNotShown(t *testing.T) {
	env := []string{secretEnv[1], "REFDESK_DATA_DIR=" + t.TempDir()}
	code, out, errs := run(t, env, "--data-dir", t.TempDir())
	if code != ExitUsage {
		t.Fatalf("partial credentials: exit %d", code)
	}
	if !strings.Contains(errs, "COBALT_CLIENT_ID and COBALT_ACCESS_TOKEN are not") {
		t.Errorf("message does not name the missing variables: %q", errs)
	}
	assertNoSecrets(t, "partial-credentials error", out+errs)
}

func TestConfigStringRedacts(t *testing.T) {
	c := loadConfig(secretEnv)
	assertNoSecrets(t, "Config.String", c.String())
	if !strings.Contains(c.String(), "client_secret=(set)") {
		t.Errorf("String() = %q", c.String())
	}
	if c.Sandbox() {
		t.Error("credentials set but Sandbox() is true")
	}
	if !loadConfig(nil).Sandbox() {
		t.Error("no credentials but Sandbox() is false")
	}
}

func TestDataDirDefaultsAndMode(t *testing.T) {
	xdg := t.TempDir()
	if got := loadConfig([]string{"XDG_DATA_HOME=" + xdg}).DataDir; got != filepath.Join(xdg, "refdesk") {
		t.Errorf("XDG data dir = %q", got)
	}
	if got := loadConfig([]string{"REFDESK_DATA_DIR=/x/y"}).DataDir; got != "/x/y" {
		t.Errorf("REFDESK_DATA_DIR ignored: %q", got)
	}
	if runtime.GOOS == "windows" {
		return
	}
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := ensureDataDir(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700", fi.Mode().Perm())
	}
}

func TestStatusAttention(t *testing.T) {
	st, attention, err := parseStatuses("attention")
	if err != nil || !attention || len(st) != 0 {
		t.Fatalf("attention: %v %v %v", st, attention, err)
	}
	st, attention, err = parseStatuses("unknown, Needs attention")
	if err != nil || !attention || len(st) != 1 || st[0] != "unknown" {
		t.Fatalf("unknown,needs attention: %v %v %v", st, attention, err)
	}
	if _, _, err := parseStatuses("flagged"); err == nil || !strings.Contains(err.Error(), "attention (flagged for a person)") {
		t.Fatalf("unknown status: %v", err)
	}
}
