package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"refdesk/api"
)

// Config is refdesk's settings, from flags and environment. Its secrets are
// never printed: String redacts them.
type Config struct {
	BaseURL       string
	ClientID      string
	ClientSecret  string
	AccessToken   string
	WebhookSecret string
	DataDir       string
	// DatabaseURL is PostgreSQL's postgres:// URL (REFDESK_DATABASE_URL,
	// --database); "" keeps the SQLite file in DataDir. It may hold a
	// password: print it only through redactDatabaseURL.
	DatabaseURL string
	// Settings are refdesk.toml's, once loadFiles has read them.
	Settings Settings
}

// lookup reads a variable from an environment list (last one wins, as the
// process environment does).
func lookup(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// loadConfig reads the environment; bindFlags lets flags override it.
func loadConfig(env []string) Config {
	c := Config{
		BaseURL:       lookup(env, "COBALT_BASE_URL"),
		ClientID:      lookup(env, "COBALT_CLIENT_ID"),
		ClientSecret:  lookup(env, "COBALT_CLIENT_SECRET"),
		AccessToken:   lookup(env, "COBALT_ACCESS_TOKEN"),
		WebhookSecret: lookup(env, "COBALT_WEBHOOK_SECRET"),
		DataDir:       lookup(env, "REFDESK_DATA_DIR"),
		DatabaseURL:   lookup(env, "REFDESK_DATABASE_URL"),
	}
	if c.BaseURL == "" {
		c.BaseURL = api.DefaultBaseURL
	}
	if c.DataDir == "" {
		c.DataDir = defaultDataDir(env)
	}
	return c
}

// bindFlags adds the settings that may come from flags. Secrets are not
// among them: a flag's value is visible to every user of the machine.
func (c *Config) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "Cobalt's API base URL (env COBALT_BASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "where refdesk keeps its database and log (env REFDESK_DATA_DIR)")
}

// Sandbox reports whether no credentials are configured, so the embedded
// sandbox stands in for Cobalt.
func (c Config) Sandbox() bool {
	return c.ClientID == "" && c.ClientSecret == "" && c.AccessToken == ""
}

// checkCredentials says which credential is missing when only some are set.
func (c Config) checkCredentials() error {
	if c.Sandbox() {
		return nil
	}
	var missing []string
	for _, v := range []struct{ name, val string }{
		{"COBALT_CLIENT_ID", c.ClientID},
		{"COBALT_CLIENT_SECRET", c.ClientSecret},
		{"COBALT_ACCESS_TOKEN", c.AccessToken},
	} {
		if v.val == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("some Cobalt credentials are set but %s %s not: set all three, or none to use the sandbox",
			strings.Join(missing, " and "), map[bool]string{true: "is", false: "are"}[len(missing) == 1])
	}
	return nil
}

// webhookSecrets splits COBALT_WEBHOOK_SECRET into the secrets a webhook
// may be signed with: one, or two during a rotation, separated by a comma
// (spaces around them are ignored). None is not an error: the receiver
// then answers 503 and referrals complete by polling.
func (c Config) webhookSecrets() ([]string, error) {
	secrets := strings.FieldsFunc(c.WebhookSecret, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(secrets) > 2 {
		return nil, fmt.Errorf("COBALT_WEBHOOK_SECRET holds %d secrets: give one, or two separated by a comma while Cobalt rotates them", len(secrets))
	}
	return secrets, nil
}

// String describes the configuration with every secret redacted.
func (c Config) String() string {
	red := func(s string) string {
		if s == "" {
			return "(unset)"
		}
		return "(set)"
	}
	db := "(sqlite in data_dir)"
	if c.DatabaseURL != "" {
		db = redactDatabaseURL(c.DatabaseURL)
	}
	return fmt.Sprintf("base_url=%s client_id=%s client_secret=%s access_token=%s webhook_secret=%s data_dir=%s database=%s",
		c.BaseURL, red(c.ClientID), red(c.ClientSecret), red(c.AccessToken), red(c.WebhookSecret), c.DataDir, db)
}

// defaultDataDir is the user's data directory: $XDG_DATA_HOME/refdesk, or
// ~/.local/share/refdesk; %LocalAppData%\refdesk on Windows; ~/Library/
// Application Support/refdesk on macOS.
func defaultDataDir(env []string) string {
	if x := lookup(env, "XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "refdesk")
	}
	home := lookup(env, "HOME")
	switch runtime.GOOS {
	case "windows":
		if l := lookup(env, "LocalAppData"); l != "" {
			return filepath.Join(l, "refdesk")
		}
		home = lookup(env, "USERPROFILE")
	case "darwin":
		if home != "" {
			return filepath.Join(home, "Library", "Application Support", "refdesk")
		}
	}
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = h
		}
	}
	if home == "" {
		return filepath.Join(os.TempDir(), "refdesk")
	}
	return filepath.Join(home, ".local", "share", "refdesk")
}

// ensureDataDir creates dir 0700 and tightens an existing one that is open
// to others.
func ensureDataDir(dir string) error {
	if dir == "" {
		return errors.New("no data directory: set --data-dir or REFDESK_DATA_DIR")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the data directory %s: %w", dir, err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(dir, 0o700); err != nil {
				return fmt.Errorf("the data directory %s is readable by others and cannot be tightened: %w", dir, err)
			}
		}
	}
	return nil
}
