package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// authorizedKey is one usable line of the authorized_keys file.
type authorizedKey struct {
	Name        string // the line's comment, shown as the desk's display name
	Fingerprint string // SHA256:...
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
	// Lines holds the 1-based numbers of skipped lines, so an administrator
	// can find them without the log repeating their content.
	Lines []int
}

// harmlessOption reports authorized_keys options that restrict features
// refdesk never offers (forwarding, agent, X11, user rc files), or re-enable
// the PTY that refdesk needs: honouring them needs no action.
func harmlessOption(name string) bool {
	switch name {
	case "restrict", "no-port-forwarding", "no-agent-forwarding",
		"no-x11-forwarding", "no-user-rc", "pty":
		return true
	}
	return false
}

// parseAuthorizedKeys reads an OpenSSH authorized_keys file. Blank lines and
// comments are skipped silently; unparsable lines, and keys with options that
// refdesk cannot honour (command=, no-pty, from= with host names or
// wildcards, expiry-time=, and any other), are skipped and counted: refusing a
// restricted key is safer than ignoring its restriction.
func parseAuthorizedKeys(data []byte) (*keySet, parseStats) {
	set := &keySet{keys: map[string]authorizedKey{}}
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
		from, ok := acceptOptions(options)
		if !ok {
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
		set.keys[id] = authorizedKey{
			Name:          strings.TrimSpace(comment),
			Fingerprint:   gossh.FingerprintSHA256(pub),
			SourceAddress: from,
		}
		st.Keys++
	}
	if sc.Err() != nil {
		st.BadLines++
	}
	return set, st
}

// acceptOptions reports whether every option can be honoured, and returns
// the from= restriction converted to a source-address list.
func acceptOptions(options []string) (from string, ok bool) {
	for _, opt := range options {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		switch {
		case !hasValue && harmlessOption(name):
		case hasValue && name == "from" && from == "":
			list, ok := sourceAddressList(strings.Trim(value, `"`))
			if !ok {
				return "", false
			}
			from = list
		default:
			return "", false
		}
	}
	return from, true
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

// loadAuthorizedKeys reads and parses path.
func loadAuthorizedKeys(path string) (*keySet, parseStats, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, parseStats{}, fmt.Errorf("read authorized keys: %w", err)
	}
	set, st := parseAuthorizedKeys(data)
	return set, st, nil
}
