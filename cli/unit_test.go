package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unitLines reads a systemd unit's [Service] settings, continuation lines
// joined: key → values in order.
func unitLines(t *testing.T, text string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	text = strings.ReplaceAll(text, "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(line, "#") {
			out[k] = append(out[k], strings.Join(strings.Fields(v), " "))
		}
	}
	return out
}

// The packaged unit runs serve as setup's unit does: settings that setup
// writes to refdesk.toml (the keys file, the addresses) are not overridden
// by flags, so the keys 'refdesk setup' and 'refdesk desks add' write to
// DATA-DIR/authorized_keys are the ones serve reads. Its environment file
// is optional: a setup-made install keeps the credentials in the data
// directory and has no /etc/refdesk/env.
func TestPackagedUnitAgreesWithSetup(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "packaging", "refdesk.service"))
	if err != nil {
		t.Fatal(err)
	}
	pkg := unitLines(t, string(data))
	st := &setupState{DataDir: "/var/lib/refdesk", DocumentsDir: "/var/lib/refdesk/documents",
		keysPath: "/var/lib/refdesk/authorized_keys", user: "refdesk"}
	setup := unitLines(t, st.serviceUnit())
	args := func(exec []string) string {
		if len(exec) != 1 {
			t.Fatalf("ExecStart %q", exec)
		}
		_, rest, _ := strings.Cut(exec[0], " ")
		return rest
	}
	if got, want := args(pkg["ExecStart"]), args(setup["ExecStart"]); got != want {
		t.Errorf("packaging/refdesk.service runs %q; setup's unit runs %q", got, want)
	}
	for _, f := range pkg["EnvironmentFile"] {
		if !strings.HasPrefix(f, "-") {
			t.Errorf("EnvironmentFile=%s is required: a unit without /etc/refdesk/env (set up with 'refdesk setup') would not start", f)
		}
	}
}
