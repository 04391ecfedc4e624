package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
	"unicode/utf8"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/textsafe"
)

// authorizedKey is one usable line of the authorized_keys file.
type authorizedKey struct {
	// Desk is who the key is: the desk's name, which drafts, the audit log,
	// the pane ("by Desk") and the inbox use. It comes from the line's
	// refdesk-desk="NAME" option, else its comment, else the fingerprint
	// (see deskName). The SSH user name plays no part.
	Desk string
	// Folder is the desk's inbox folder name: Desk reduced to
	// [A-Za-z0-9._@-] (see inboxFolder), made unique within the file.
	Folder      string
	Fingerprint string // SHA256:...
	Line        int    // 1-based line number in the file
	// SourceAddress is the key's from= option as a comma-separated list of IP
	// addresses and CIDR blocks ("" when the line has none). It is handed to
	// golang.org/x/crypto/ssh as the "source-address" critical option, which
	// that package enforces during authentication.
	SourceAddress string
}

// keySet is an immutable snapshot of the authorized keys, keyed by the
// marshalled public key. A reload builds a new set and swaps it in.
type keySet struct {
	keys map[string]authorizedKey
}

// lookup reports the entry for k, if k is authorized.
func (s *keySet) lookup(k gossh.PublicKey) (authorizedKey, bool) {
	if s == nil || k == nil {
		return authorizedKey{}, false
	}
	e, ok := s.keys[string(k.Marshal())]
	return e, ok
}

// parseStats counts what parseAuthorizedKeys skipped, for one log line that
// never contains key material.
type parseStats struct {
	Keys        int // usable keys
	BadLines    int // lines that are not an authorized key
	Unsupported int // keys skipped for options refdesk cannot honour
	Duplicates  int // keys listed more than once (the first line wins)
	// NoPTY counts keys refused because their options deny a terminal
	// (no-pty, or restrict without pty): refdesk is nothing but a terminal.
	NoPTY      int
	NoPTYLines []int // their line numbers, logged one by one
	// Lines holds the 1-based numbers of skipped lines, so an administrator
	// can find them without the log repeating their content.
	Lines []int
}

// harmlessOption reports authorized_keys options that restrict features
// refdesk never offers (forwarding, agent, X11, user rc files), or re-enable
// the PTY that refdesk needs: honouring them needs no action. restrict is
// handled apart: it also denies the terminal unless pty follows.
func harmlessOption(name string) bool {
	switch name {
	case "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc", "pty":
		return true
	}
	return false
}

// deskOption names the option that gives a key its desk name explicitly:
// refdesk-desk="Front desk 2". It wins over the comment.
const deskOption = "refdesk-desk"

// maxDeskName caps a desk name, in characters.
const maxDeskName = 64

// parseAuthorizedKeys reads an OpenSSH authorized_keys file. Blank lines and
// comments are skipped silently; unparsable lines, and keys with options that
// refdesk cannot honour (command=, no-pty, from= with host names or
// wildcards, expiry-time=, and any other), are skipped and counted: refusing a
// restricted key is safer than ignoring its restriction.
func parseAuthorizedKeys(data []byte) (*keySet, parseStats) {
	set := &keySet{keys: map[string]authorizedKey{}}
	folders := folderNames{}
	var st parseStats
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pub, comment, options, rest, err := gossh.ParseAuthorizedKey(line)
		if err != nil || len(bytes.TrimSpace(rest)) > 0 {
			st.BadLines++
			st.Lines = append(st.Lines, n)
			continue
		}
		opts, verdict := acceptOptions(options)
		switch verdict {
		case optNoPTY:
			st.NoPTY++
			st.NoPTYLines = append(st.NoPTYLines, n)
			st.Lines = append(st.Lines, n)
			continue
		case optUnsupported:
			st.Unsupported++
			st.Lines = append(st.Lines, n)
			continue
		}
		id := string(pub.Marshal())
		if _, dup := set.keys[id]; dup {
			st.Duplicates++
			st.Lines = append(st.Lines, n)
			continue
		}
		fp := gossh.FingerprintSHA256(pub)
		desk := deskName(opts.desk, comment, fp)
		set.keys[id] = authorizedKey{
			Desk:          desk,
			Folder:        folders.assign(desk, fp),
			Fingerprint:   fp,
			Line:          n,
			SourceAddress: opts.from,
		}
		st.Keys++
	}
	if sc.Err() != nil {
		st.BadLines++
	}
	return set, st
}

// keyOptions are the options of a line that refdesk acts on.
type keyOptions struct {
	from string // from= as a source-address list
	desk string // refdesk-desk= value
}

// Verdicts of acceptOptions.
const (
	optOK          = iota
	optUnsupported // an option refdesk cannot honour
	optNoPTY       // the options deny a terminal
)

// acceptOptions reports whether every option can be honoured, and returns
// the ones refdesk acts on. As in OpenSSH, restrict denies the terminal
// unless a later pty allows it again, and no-pty denies it whatever
// follows.
func acceptOptions(options []string) (keyOptions, int) {
	var ko keyOptions
	pty, denied := true, false
	for _, opt := range options {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		switch {
		case !hasValue && name == "restrict":
			pty = false
		case !hasValue && name == "no-pty":
			denied = true
		case !hasValue && name == "pty":
			pty = true
		case !hasValue && harmlessOption(name):
		case hasValue && name == "from" && ko.from == "":
			list, ok := sourceAddressList(strings.Trim(value, `"`))
			if !ok {
				return keyOptions{}, optUnsupported
			}
			ko.from = list
		case hasValue && name == deskOption && ko.desk == "":
			v, err := unquote(value)
			if err != nil || textsafe.Clean(v) == "" {
				return keyOptions{}, optUnsupported
			}
			ko.desk = v
		default:
			return keyOptions{}, optUnsupported
		}
	}
	if denied || !pty {
		return keyOptions{}, optNoPTY
	}
	return ko, optOK
}

// unquote takes an option value out of its double quotes (OpenSSH's
// syntax; a quote inside is written \").
func unquote(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", fmt.Errorf("option value not in double quotes")
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

// deskName is the desk a key stands for: the refdesk-desk option, else the
// comment, else "key-" and the first 12 characters of the fingerprint
// (URL-safe: what `ssh-keygen -lf` shows, with + and / as - and _). The
// name is cleaned (textsafe: no control, format or invisible character),
// its spaces collapsed, and cut to maxDeskName characters.
func deskName(option, comment, fingerprint string) string {
	for _, raw := range []string{option, comment} {
		name := strings.Join(strings.Fields(textsafe.Clean(raw)), " ")
		if name == "" {
			continue
		}
		if utf8.RuneCountInString(name) > maxDeskName {
			name = string([]rune(name)[:maxDeskName])
		}
		return name
	}
	return "key-" + shortFingerprint(fingerprint)
}

// shortFingerprint is the first 12 characters of a SHA256 fingerprint's
// base64, with + and / made safe for a folder name.
func shortFingerprint(fp string) string {
	b64 := strings.TrimPrefix(fp, "SHA256:")
	if len(b64) > 12 {
		b64 = b64[:12]
	}
	return strings.NewReplacer("+", "-", "/", "_").Replace(b64)
}

// folderNames hands out inbox folder names while a file is parsed: one per
// desk name, distinct between desks.
type folderNames map[string]string // folder -> desk

// assign returns desk's folder: inboxFolder(desk), or, when another desk
// of the file already reduces to the same name ("Front desk" and
// "Front_desk"), that name and the key's short fingerprint.
func (f folderNames) assign(desk, fingerprint string) string {
	folder := inboxFolder(desk)
	if owner, taken := f[folder]; taken && owner != desk {
		folder = inboxFolder(folder + "-" + shortFingerprint(fingerprint))
	}
	if _, taken := f[folder]; !taken {
		f[folder] = desk
	}
	return folder
}

// inboxFolder reduces a desk name to a folder name: ASCII letters, digits,
// '.', '_', '-' and '@' are kept, every other character becomes '_', a
// leading '.' too; at most 64 bytes.
func inboxFolder(desk string) string {
	var b strings.Builder
	for _, r := range desk {
		if b.Len() >= 64 {
			break
		}
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '-', r == '@':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// sourceAddressList accepts a from= pattern list only when every entry is a
// plain IP address or CIDR block (no host names, wildcards or negations).
func sourceAddressList(v string) (string, bool) {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return "", false
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return "", false
		}
		parts[i] = p
	}
	return strings.Join(parts, ","), true
}

// loadAuthorizedKeys reads and parses path, after checkKeysFile: a file
// others could have written is refused whole.
func loadAuthorizedKeys(path string) (*keySet, parseStats, error) {
	if err := checkKeysFile(path); err != nil {
		return nil, parseStats{}, fmt.Errorf("authorized keys refused, every key: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, parseStats{}, fmt.Errorf("read authorized keys: %w", err)
	}
	set, st := parseAuthorizedKeys(data)
	return set, st, nil
}
