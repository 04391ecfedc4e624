package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"

	gossh "golang.org/x/crypto/ssh"
)

// A desk is one line of the authorized_keys file that refdesk serve reads:
// a public key whose comment names the desk (in the audit log and the
// pane). 'refdesk desks' and 'refdesk setup' edit that file; serve reloads
// it when it changes.

type desk struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Fingerprint string `json:"fingerprint"`
	Line        int    `json:"line"`
}

// deskName is what a desk may be called: one word, so it reads the same in
// the file, the log and the pane.
var deskName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

func checkDeskName(name string) error {
	if !deskName.MatchString(name) {
		return fmt.Errorf("name the desk with one word of letters, digits, '.', '_', '@' or '-' (for example frontdesk-1)")
	}
	return nil
}

// readDesks lists the desks in the authorized_keys file at path (none when
// it does not exist) and returns the file's lines for rewriting. Lines
// that are not keys are kept as they are, and skipped here.
func readDesks(path string) ([]desk, []string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the desks' keys: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	var desks []desk
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' {
			continue
		}
		pub, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(t))
		if err != nil {
			continue
		}
		desks = append(desks, desk{Name: strings.TrimSpace(comment), Type: pub.Type(), Fingerprint: gossh.FingerprintSHA256(pub), Line: i + 1})
	}
	return desks, lines, nil
}

// deskLine turns a pasted public key into the authorized_keys line for the
// desk name (the key's own comment is replaced by the name).
func deskLine(name, pasted string, existing []desk) (string, desk, error) {
	if err := checkDeskName(name); err != nil {
		return "", desk{}, err
	}
	for _, d := range existing {
		if d.Name == name {
			return "", desk{}, fmt.Errorf("a desk named %s exists already (line %d): choose another name, or remove it first with 'refdesk desks remove %s'", name, d.Line, name)
		}
	}
	pasted = strings.TrimSpace(pasted)
	if strings.Contains(pasted, "PRIVATE KEY") {
		return "", desk{}, errors.New("that is a private key, which must never leave the desk's machine: paste the public key (the .pub file, one line starting ssh-ed25519 or ssh-rsa)")
	}
	if pasted == "" {
		return "", desk{}, errors.New("paste the desk's public key (the .pub file, one line starting ssh-ed25519 or ssh-rsa)")
	}
	pub, _, options, rest, err := gossh.ParseAuthorizedKey([]byte(pasted))
	if err != nil || len(bytes.TrimSpace(rest)) > 0 {
		return "", desk{}, errors.New("that is not an OpenSSH public key: paste one line like 'ssh-ed25519 AAAAC3Nz… name' (PuTTYgen shows it under 'Public key for pasting into OpenSSH authorized_keys file')")
	}
	if len(options) > 0 {
		return "", desk{}, errors.New("paste the key without options (command=, from=…): refdesk desks are plain keys")
	}
	fp := gossh.FingerprintSHA256(pub)
	for _, d := range existing {
		if d.Fingerprint == fp {
			return "", desk{}, fmt.Errorf("this key is desk %s's already (line %d): each desk needs its own key", d.Name, d.Line)
		}
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))) + " " + name
	return line, desk{Name: name, Type: pub.Type(), Fingerprint: fp}, nil
}

// addDeskLines appends lines to the authorized_keys file at path (made
// 0600 when new), keeping what is there.
func addDeskLines(path string, add []string) error {
	if len(add) == 0 {
		return nil
	}
	_, lines, err := readDesks(path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the folder of %s: %w", path, err)
	}
	return writePrivate(path, []byte(strings.Join(append(lines, add...), "\n")+"\n"), keysMode(path))
}

// keysMode keeps an existing file's mode, 0600 for a new one.
func keysMode(path string) os.FileMode {
	if fi, err := os.Stat(path); err == nil {
		return fi.Mode().Perm()
	}
	return 0o600
}

// removeDesk removes every line of the desk called name (or with that
// fingerprint) and says which it removed.
func removeDesk(path, nameOrFP string) (desk, error) {
	desks, lines, err := readDesks(path)
	if err != nil {
		return desk{}, err
	}
	var gone *desk
	for i := range desks {
		if desks[i].Name == nameOrFP || desks[i].Fingerprint == nameOrFP {
			gone = &desks[i]
			break
		}
	}
	if gone == nil {
		names := make([]string, len(desks))
		for i, d := range desks {
			names[i] = d.Name
		}
		return desk{}, fmt.Errorf("no desk %q in %s; its desks: %s", nameOrFP, path, strings.Join(names, ", "))
	}
	kept := append(lines[:gone.Line-1:gone.Line-1], lines[gone.Line:]...)
	out := strings.Join(kept, "\n")
	if len(kept) > 0 {
		out += "\n"
	}
	return *gone, writePrivate(path, []byte(out), keysMode(path))
}

// formatDesks is the desks as a table.
func formatDesks(desks []desk) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DESK\tKEY\tFINGERPRINT")
	for _, d := range desks {
		name := d.Name
		if name == "" {
			name = "(no name)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, d.Type, d.Fingerprint)
	}
	tw.Flush()
	return b.String()
}
