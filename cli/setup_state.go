package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"refdesk/api"
)

// setupState is what the wizard's forms edit (bound by pointer, so a form
// rebuilt after a failed check shows what was typed) and what its checks
// found. It starts from the settings already written, so re-running setup
// changes only what the user changes.
type setupState struct {
	// Typed in the forms.
	BaseURL                             string
	ClientID, ClientSecret, AccessToken string // "" keeps the current one
	DataDir, DocumentsDir, SSHAddr      string
	WebhookURL, WebhookAddr             string
	Remove                              []string // ids of other registrations to remove
	AddDesk                             bool
	DeskName, DeskKey                   string
	Choice                              string // the summary's

	// Found at start.
	cur      Credentials // the credentials file's (or the environment's)
	set      Settings    // refdesk.toml's
	envCreds bool        // COBALT_* credentials set in the environment: they win over the file
	keysPath string      // the authorized_keys file

	// Found by the checks.
	providers     int
	webhookID     string
	webhookSecret string
	others        []api.WebhookConfig
	desks         []desk   // in the file, then added
	newLines      []string // authorized_keys lines to add
	written       []string // files written
	unit          string   // the service unit
	systemdPath   string   // --systemd: write the unit there
	user          string   // the unit's User=

	httpTimeout time.Duration
	accessible  bool // prompts line by line: titles show the current value
}

// newSetupState starts from the settings in cfg.DataDir, the environment
// and the flags already applied to cfg (baseURLFlag: --base-url was given).
func newSetupState(cfg Config, env []string, baseURLFlag bool) (*setupState, error) {
	st := &setupState{DataDir: cfg.DataDir, httpTimeout: 20 * time.Second, user: osUser(env)}
	var err error
	if st.set, err = readSettings(cfg.DataDir); err != nil {
		return nil, err
	}
	if st.cur, err = readCredentials(cfg.DataDir); err != nil {
		return nil, err
	}
	if cfg.ClientID != "" || cfg.ClientSecret != "" || cfg.AccessToken != "" {
		st.envCreds = true
		if st.cur.ClientID == "" {
			st.cur.ClientID, st.cur.ClientSecret, st.cur.AccessToken = cfg.ClientID, cfg.ClientSecret, cfg.AccessToken
		}
	}
	st.BaseURL = cfg.BaseURL
	if lookup(env, "COBALT_BASE_URL") == "" && !baseURLFlag && st.set.BaseURL != "" {
		st.BaseURL = st.set.BaseURL
	}
	st.DocumentsDir = or(st.set.DocumentsDir, filepath.Join(cfg.DataDir, "documents"))
	st.SSHAddr = or(st.set.SSHAddr, ":23234")
	st.WebhookAddr = or(st.set.WebhookAddr, "127.0.0.1:8080")
	st.WebhookURL = st.set.WebhookURL
	st.webhookID, st.webhookSecret = st.set.WebhookID, st.cur.WebhookSecret
	st.keysPath = or(st.set.AuthorizedKeys, filepath.Join(cfg.DataDir, "authorized_keys"))
	if st.desks, _, err = readDesks(st.keysPath); err != nil {
		return nil, err
	}
	return st, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// creds is the account to use: what was typed, else what is kept.
func (st *setupState) creds() (id, secret, token string) {
	return or(strings.TrimSpace(st.ClientID), st.cur.ClientID),
		or(strings.TrimSpace(st.ClientSecret), st.cur.ClientSecret),
		or(strings.TrimSpace(st.AccessToken), st.cur.AccessToken)
}

func (st *setupState) client() *api.Client {
	id, secret, token := st.creds()
	return api.New(api.Config{
		BaseURL: strings.TrimSpace(st.BaseURL), ClientID: id, ClientSecret: secret, AccessToken: token,
		UserAgent: "refdesk/" + Version + " setup", Retries: -1,
	})
}

func (st *setupState) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, st.httpTimeout)
}

// cobaltReason words a failed call for the wizard: Cobalt's own sentence,
// or what went wrong reaching it.
func cobaltReason(err error) string {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		return fmt.Sprintf("Cobalt refused: %s (HTTP %d)", ae.Error(), ae.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return "Cobalt did not answer in time: check the base URL and this machine's network"
	case api.IsNotSent(err) || api.IsUnknownOutcome(err):
		return fmt.Sprintf("Cobalt could not be reached: %v. Check the base URL and this machine's network", err)
	}
	return err.Error()
}

// checkBaseURL accepts an http(s) URL with a host.
func checkBaseURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("give Cobalt's API URL, like https://api.usecobalt.com/v1")
	}
	return nil
}

// webhookURL checks the public webhook URL and completes a bare host with
// refdesk's path.
func webhookURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", errors.New("give the public HTTPS address Cobalt will call, like https://refdesk.clinic.example/webhooks/cobalt")
	}
	if u.Scheme == "http" {
		if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return "", errors.New("use https://: Cobalt calls HTTPS addresses only (put a TLS proxy or serve's --tls-cert in front)")
		}
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = api.WebhookPath
	}
	return u.String(), nil
}

// title is a field's title; in accessible mode, where the field's value is
// not shown, it names the value that Enter keeps.
func (st *setupState) title(t, cur string) string {
	if st.accessible && cur != "" {
		return t + " [" + cur + "]"
	}
	return t
}
