package cli

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// The settings files in the data directory, written by 'refdesk setup'.
//
// Both use the same tiny format: '# comment' lines and 'key = "value"'
// lines, the value a double-quoted string. It is a subset of TOML (any
// TOML reader reads these files), it is parsed here with the standard
// library in forty lines, and every value refdesk keeps is a string: a
// full TOML parser would be a dependency for nothing.
const (
	credentialsFile = "credentials" // secrets; 0600, owner only
	settingsFile    = "refdesk.toml"
)

// Settings are the non-secret settings of refdesk.toml: what 'refdesk
// serve' would otherwise take from flags.
type Settings struct {
	BaseURL        string // base_url
	DocumentsDir   string // documents_dir
	AuthorizedKeys string // authorized_keys
	SSHAddr        string // ssh_addr
	WebhookAddr    string // webhook_addr
	WebhookURL     string // webhook_url: the public URL registered with Cobalt
	WebhookID      string // webhook_id: its registration's id
}

func (s *Settings) fields() []kv {
	return []kv{
		{"base_url", &s.BaseURL}, {"documents_dir", &s.DocumentsDir}, {"authorized_keys", &s.AuthorizedKeys},
		{"ssh_addr", &s.SSHAddr}, {"webhook_addr", &s.WebhookAddr}, {"webhook_url", &s.WebhookURL},
		{"webhook_id", &s.WebhookID},
	}
}

// Credentials are the secrets of the credentials file.
type Credentials struct {
	ClientID, ClientSecret, AccessToken, WebhookSecret string
}

func (c *Credentials) fields() []kv {
	return []kv{
		{"client_id", &c.ClientID}, {"client_secret", &c.ClientSecret},
		{"access_token", &c.AccessToken}, {"webhook_secret", &c.WebhookSecret},
	}
}

type kv struct {
	key string
	val *string
}

// parseKV reads the 'key = "value"' format into fields; an unknown key or
// a malformed line is an error naming its line.
func parseKV(data []byte, fields []kv, name string) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		val, err := strconv.Unquote(v)
		if !ok || err != nil || !strings.HasPrefix(v, `"`) {
			return fmt.Errorf(`%s, line %d: expected key = "value"`, name, n)
		}
		found := false
		for _, f := range fields {
			if f.key == k {
				*f.val, found = val, true
			}
		}
		if !found {
			return fmt.Errorf("%s, line %d: unknown setting %q", name, n, k)
		}
	}
	return sc.Err()
}

// formatKV writes fields (empty ones left out) after a comment header.
func formatKV(header string, fields []kv) []byte {
	var b bytes.Buffer
	for _, l := range strings.Split(header, "\n") {
		b.WriteString("# " + l + "\n")
	}
	for _, f := range fields {
		if *f.val != "" {
			fmt.Fprintf(&b, "%s = %s\n", f.key, strconv.Quote(*f.val))
		}
	}
	return b.Bytes()
}

// readSettings reads DATA-DIR/refdesk.toml; a missing file is no settings.
func readSettings(dataDir string) (Settings, error) {
	var s Settings
	p := filepath.Join(dataDir, settingsFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("cannot read %s: %w", p, err)
	}
	return s, parseKV(data, s.fields(), p)
}

// readCredentials reads DATA-DIR/credentials; a missing file is no
// credentials. A file that others can read, or owned by another user, is
// refused: its secrets may already be known, and refdesk will not use them
// as if they were not.
func readCredentials(dataDir string) (Credentials, error) {
	var c Credentials
	p := filepath.Join(dataDir, credentialsFile)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("cannot read %s: %w", p, err)
	}
	defer f.Close()
	if err := checkPrivate(f, p); err != nil {
		return c, err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return c, fmt.Errorf("cannot read %s: %w", p, err)
	}
	return c, parseKV(buf.Bytes(), c.fields(), p)
}

// checkPrivate refuses a secrets file that is not private to its owner.
func checkPrivate(f *os.File, p string) error {
	if runtime.GOOS == "windows" {
		return nil // no Unix modes; the data directory's ACL protects it
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot check %s: %w", p, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s can be read by other users (mode %04o): refdesk will not use it. "+
			"Run 'chmod 600 %s', and ask Cobalt for new credentials if others may have read them", p, perm, p)
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s belongs to another user (uid %d): refdesk will not use it. "+
			"Run refdesk as its owner, or 'chown' it to this user (uid %d)", p, uid, os.Getuid())
	}
	return nil
}

// writePrivate writes data to path with mode perm, replacing any older
// file atomically (a crash leaves the old file or the new, never half).
func writePrivate(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

func writeCredentials(dataDir string, c Credentials) error {
	return writePrivate(filepath.Join(dataDir, credentialsFile), formatKV(
		"refdesk's Cobalt credentials, written by 'refdesk setup'. Keep this file 0600.\n"+
			"COBALT_* environment variables, when set, are used instead.", c.fields()), 0o600)
}

func writeSettings(dataDir string, s Settings) error {
	return writePrivate(filepath.Join(dataDir, settingsFile), formatKV(
		"refdesk settings, written by 'refdesk setup'. Flags and environment variables win over them.\n"+
			"Secrets are not here: they are in the credentials file beside this one.", s.fields()), 0o600)
}

// loadFiles completes c, after its flags are parsed, from the data
// directory's settings files: a setting given by a flag or the
// environment wins over the file. The three Cobalt credentials go
// together: when the environment sets any of them, the file's are not
// used (mixing two accounts would fail in confusing ways).
func (c *Config) loadFiles(fs *flag.FlagSet, env []string) error {
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	s, err := readSettings(c.DataDir)
	if err != nil {
		return err
	}
	c.Settings = s
	if !set["base-url"] && lookup(env, "COBALT_BASE_URL") == "" && s.BaseURL != "" {
		c.BaseURL = s.BaseURL
	}
	cr, err := readCredentials(c.DataDir)
	if err != nil {
		return err
	}
	if c.ClientID == "" && c.ClientSecret == "" && c.AccessToken == "" {
		c.ClientID, c.ClientSecret, c.AccessToken = cr.ClientID, cr.ClientSecret, cr.AccessToken
	}
	if c.WebhookSecret == "" {
		c.WebhookSecret = cr.WebhookSecret
	}
	return nil
}

// fillFromSettings gives each serve flag not set on the command line its
// value from refdesk.toml, if it has one.
func (s Settings) fillFromSettings(fs *flag.FlagSet, flags map[string]*string) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	from := map[string]string{
		"ssh-addr": s.SSHAddr, "webhook-addr": s.WebhookAddr,
		"authorized-keys": s.AuthorizedKeys, "documents-dir": s.DocumentsDir,
	}
	for name, p := range flags {
		if v := from[name]; !set[name] && v != "" {
			*p = v
		}
	}
}
