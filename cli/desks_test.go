package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDesksAddListRemove(t *testing.T) {
	dir := t.TempDir()
	keyA, fpA := deskKey(t, "clerk@pc1")
	keyB, fpB := deskKey(t, "")
	pubA := writeFile(t, "a.pub", keyA+"\n")
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte("# the clinic's desks\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errs := run(t, nil, "desks", "add", "--data-dir", dir, "frontdesk-1", pubA)
	if code != ExitOK || !strings.Contains(out, "Added desk frontdesk-1 (ssh-ed25519 "+fpA+")") {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	c2, o2, e2 := runIn(t, keyB, "desks", "add", "--data-dir", dir, "back-office", "-")
	if c2 != ExitOK || !strings.Contains(o2, fpB) {
		t.Fatalf("add from stdin: %d %q %q", c2, o2, e2)
	}
	// The same key again, or the same name, is refused with what to do.
	if code, _, errs := run(t, nil, "desks", "add", "--data-dir", dir, "other", pubA); code != ExitUsage || !strings.Contains(errs, "desk frontdesk-1's already") {
		t.Errorf("same key twice: %d %q", code, errs)
	}
	if code, _, errs := run(t, nil, "desks", "add", "--data-dir", dir, "frontdesk-1", writeFile(t, "c.pub", keyB)); code != ExitUsage || !strings.Contains(errs, "refdesk desks remove frontdesk-1") {
		t.Errorf("same name twice: %d %q", code, errs)
	}
	if code, _, errs := run(t, nil, "desks", "add", "--data-dir", dir, "x", writeFile(t, "k", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")); code != ExitUsage || !strings.Contains(errs, "private key") {
		t.Errorf("a private key: %d %q", code, errs)
	}

	code, out, _ = run(t, nil, "desks", "list", "--data-dir", dir, "--json")
	var list []desk
	if code != ExitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || list[0].Name != "frontdesk-1" || list[1].Fingerprint != fpB {
		t.Fatalf("list --json: %d %s", code, out)
	}
	if code, out, _ := run(t, nil, "desks", "remove", "--data-dir", dir, "frontdesk-1"); code != ExitOK || !strings.Contains(out, "Removed desk frontdesk-1") {
		t.Fatalf("remove: %d %q", code, out)
	}
	data, _ := os.ReadFile(keys)
	if strings.Contains(string(data), "frontdesk-1") || !strings.HasPrefix(string(data), "# the clinic's desks\n") || !strings.Contains(string(data), " back-office\n") {
		t.Errorf("after remove the file is:\n%s", data)
	}
	if fi, _ := os.Stat(keys); fi.Mode().Perm() != 0o600 {
		t.Errorf("authorized_keys mode %v, want it kept 0600", fi.Mode())
	}
	if code, _, errs := run(t, nil, "desks", "remove", "--data-dir", dir, "nobody"); code != ExitUsage || !strings.Contains(errs, "its desks: back-office") {
		t.Errorf("remove unknown: %d %q", code, errs)
	}
}

func TestSetupWithoutTerminalSaysWhatToSet(t *testing.T) {
	code, _, errs := run(t, nil, "setup", "--data-dir", t.TempDir())
	for _, want := range []string{"needs a terminal", "COBALT_CLIENT_SECRET", "DATA-DIR/credentials (mode 0600)", "refdesk.toml", "refdesk desks add"} {
		if !strings.Contains(errs, want) {
			t.Errorf("no-terminal refusal lacks %q:\n%s", want, errs)
		}
	}
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
}

func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	code := Main(args, nil, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}
