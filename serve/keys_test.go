package serve

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

func TestParseAuthorizedKeys(t *testing.T) {
	a, b, c, d := testkit.NewKey(t, "Alice Front Desk"), testkit.NewKey(t, ""), testkit.NewKey(t, "carol"), testkit.NewKey(t, "dave")
	e, g := testkit.NewKey(t, "laptop-42"), testkit.NewKey(t, "Front\u202edesk")
	bare := func(k testkit.Key) string { return strings.Fields(k.Line)[0] + " " + strings.Fields(k.Line)[1] }
	file := strings.Join([]string{
		"# clinic desks",         // 1 comment
		"",                       // 2 blank
		a.Line,                   // 3 ok, comment with spaces
		"   " + bare(b),          // 4 ok, no comment
		`restrict,pty ` + c.Line, // 5 ok, harmless options
		`from="192.168.1.0/24,10.0.0.7" ` + d.Line,           // 6 ok, from= as CIDR/IP list
		"ssh-ed25519 not-base64!! broken",                    // 7 bad
		`command="/bin/sh" ` + bare(a) + " x",                // 8 unsupported (and a duplicate)
		`from="*.example.org" ` + bare(a),                    // 9 unsupported: host pattern
		`no-pty ` + bare(a),                                  // 10 unsupported
		a.Line,                                               // 11 duplicate
		"garbage",                                            // 12 bad
		`restrict ` + bare(a) + " bare restrict",             // 13 no terminal: refused like no-pty
		`pty,restrict ` + bare(a) + " pty first",             // 14 restrict after pty: no terminal
		`restrict,pty,refdesk-desk="Front desk 2" ` + e.Line, // 15 ok, named by the option
		g.Line, // 16 ok, the RLO is cleaned out of the name
	}, "\n")
	set, st := parseAuthorizedKeys([]byte(file))
	if st.Keys != 6 || st.BadLines != 2 || st.Unsupported != 2 || st.NoPTY != 3 || st.Duplicates != 1 {
		t.Errorf("stats %+v, want 6 keys, 2 bad, 2 unsupported, 3 without a terminal, 1 duplicate", st)
	}
	if want := []int{7, 8, 9, 10, 11, 12, 13, 14}; !equalInts(st.Lines, want) {
		t.Errorf("skipped lines %v, want %v", st.Lines, want)
	}
	bFP := gossh.FingerprintSHA256(b.Signer.PublicKey())
	bName := "key-" + strings.NewReplacer("+", "-", "/", "_").Replace(bFP[len("SHA256:"):][:12])
	for _, tc := range []struct {
		k                  testkit.Key
		name, folder, from string
	}{
		{a, "Alice Front Desk", "Alice_Front_Desk", ""}, {b, bName, bName, ""}, {c, "carol", "carol", ""},
		{d, "dave", "dave", "192.168.1.0/24,10.0.0.7"}, {e, "Front desk 2", "Front_desk_2", ""},
		{g, "Frontdesk", "Frontdesk", ""},
	} {
		e, ok := set.lookup(tc.k.Signer.PublicKey())
		if !ok {
			t.Errorf("%q not loaded", tc.name)
			continue
		}
		if e.Desk != tc.name || e.Folder != tc.folder || e.SourceAddress != tc.from ||
			e.Fingerprint != gossh.FingerprintSHA256(tc.k.Signer.PublicKey()) {
			t.Errorf("entry %+v, want desk %q folder %q from %q", e, tc.name, tc.folder, tc.from)
		}
	}
	if _, ok := set.lookup(testkit.NewKey(t, "x").Signer.PublicKey()); ok {
		t.Error("an unlisted key was found")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The log of a reload counts skipped lines but never shows key material.
func TestReloadLogHasNoKeyMaterial(t *testing.T) {
	a := testkit.NewKey(t, "alice")
	dir := t.TempDir()
	keys := filepath.Join(dir, "authorized_keys")
	secretish := "AAAAC3NzaC1lZDI1NTE5AAAAIBROKENBROKENBROKEN"
	if err := os.WriteFile(keys, []byte(a.Line+"\nssh-ed25519 "+secretish+" bad\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	_, err := New(Options{
		HostKeyPath: filepath.Join(dir, "hk"), AuthorizedKeys: keys,
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
		NewModel: func(context.Context, Session) tea.Model { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "bad_lines=1") || !strings.Contains(out, "keys=1") {
		t.Errorf("log does not count the lines: %s", out)
	}
	if strings.Contains(out, secretish) || strings.Contains(out, strings.Fields(a.Line)[1]) {
		t.Errorf("log shows key material: %s", out)
	}
}

func TestMissingKeysFileFailsClosed(t *testing.T) {
	a := testkit.NewKey(t, "alice")
	f := startServer(t, []string{a.Line}, nil)
	if err := os.Remove(f.keys); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.ReloadKeys(); err == nil {
		t.Error("ReloadKeys of a missing file returned no error")
	}
	if _, err := f.dial("alice", gossh.PublicKeys(a.Signer)); err == nil {
		t.Error("a key was accepted while the keys file was missing")
	}
	if _, err := New(Options{HostKeyPath: filepath.Join(f.dir, "hk2"), AuthorizedKeys: f.keys,
		NewModel: f.srv.opt.NewModel}); err == nil {
		t.Error("New accepted a missing authorized_keys file")
	}
}
