package serve

import (
	"bytes"
	"crypto/ed25519"
	"net"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/textsafe"
)

// fuzzKeyLine is a fixed ed25519 key line (seeded, so the corpus is stable).
func fuzzKeyLine(seed byte, comment string) string {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	pub, err := gossh.NewPublicKey(priv.Public())
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))) + " " + comment
}

// FuzzParseAuthorizedKeys: every non-blank, non-comment line is counted
// exactly once (key, bad, unsupported or duplicate) and skipped lines are
// listed in order; every accepted line carries only options refdesk
// honours (a restricted key is refused, never loaded without its
// restriction); its from= becomes a list of IPs/CIDRs; every loaded key
// can be looked up by its public key.
func FuzzParseAuthorizedKeys(f *testing.F) {
	a, b := fuzzKeyLine(1, "Alice Front Desk"), fuzzKeyLine(2, "")
	f.Add([]byte(a + "\n" + b + "\n"))
	f.Add([]byte("# desks\r\n\r\nrestrict,pty " + a + "\r\n" + a + "\n"))
	f.Add([]byte(`from="10.0.0.0/8,192.168.1.7" ` + a + "\n" + `from="*.example.org" ` + b))
	f.Add([]byte(`command="/bin/sh" ` + a + "\nno-pty " + b + "\nexpiry-time=\"20300101\" " + a))
	f.Add([]byte("ssh-ed25519 AAAA!! broken\ngarbage\n\x00\xff"))
	f.Add([]byte(`FROM="::1",Restrict ` + b + "\x1b]52;c;aGk=\x07"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, st := parseAuthorizedKeys(data)
		if len(data) > 1<<20 {
			return // a line past the scanner's buffer ends the read
		}
		var lines [][]byte
		for _, l := range bytes.Split(data, []byte("\n")) {
			lines = append(lines, bytes.TrimSpace(l))
		}
		if len(data) > 0 && data[len(data)-1] == '\n' {
			lines = lines[:len(lines)-1]
		}
		counted := 0
		for _, l := range lines {
			if len(l) > 0 && l[0] != '#' {
				counted++
			}
		}
		skipped := st.BadLines + st.Unsupported + st.NoPTY + st.Duplicates
		if st.Keys+skipped != counted || len(set.keys) != st.Keys || len(st.Lines) != skipped {
			t.Fatalf("%d lines, stats %+v, %d keys loaded", counted, st, len(set.keys))
		}
		isSkipped := map[int]bool{}
		for i, n := range st.Lines {
			if n < 1 || n > len(lines) || (i > 0 && n <= st.Lines[i-1]) {
				t.Fatalf("skipped lines %v out of order or range", st.Lines)
			}
			isSkipped[n] = true
		}
		for i, l := range lines {
			if len(l) == 0 || l[0] == '#' || isSkipped[i+1] {
				continue
			}
			pub, _, options, _, err := gossh.ParseAuthorizedKey(l)
			if err != nil {
				t.Fatalf("line %d accepted but does not parse: %v", i+1, err)
			}
			pty := true
			for _, o := range options {
				name, _, _ := strings.Cut(strings.ToLower(o), "=")
				switch name {
				case "restrict":
					pty = false
				case "pty":
					pty = true
				case "from", deskOption:
				default:
					if !harmlessOption(name) {
						t.Fatalf("line %d accepted with option %q", i+1, o)
					}
				}
			}
			if !pty {
				t.Fatalf("line %d accepted without a terminal (%q)", i+1, options)
			}
			e, ok := set.lookup(pub)
			if !ok || !strings.HasPrefix(e.Fingerprint, "SHA256:") {
				t.Fatalf("line %d accepted but not found (%+v)", i+1, e)
			}
			if e.Desk == "" || e.Desk != textsafe.Clean(e.Desk) || !validInboxUser(e.Folder) {
				t.Fatalf("line %d: desk %q, inbox folder %q", i+1, e.Desk, e.Folder)
			}
			if e.SourceAddress == "" {
				continue
			}
			for _, p := range strings.Split(e.SourceAddress, ",") {
				if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
					t.Fatalf("source-address %q", e.SourceAddress)
				}
			}
		}
	})
}
