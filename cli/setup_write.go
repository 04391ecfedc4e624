package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// summary is what will be written, secrets named but never shown.
func (st *setupState) summary() string {
	var b strings.Builder
	row := func(k, v string) {
		if k != "" {
			k += ":"
		}
		fmt.Fprintf(&b, "%-17s %s\n", k, v)
	}
	row("Cobalt", fmt.Sprintf("%s (credentials accepted; %d providers)", st.BaseURL, st.providers))
	row("Data directory", st.DataDir)
	row("Documents folder", st.DocumentsDir)
	row("Desks connect to", st.SSHAddr+" (ssh -p PORT NAME@this-server)")
	row("Webhook", fmt.Sprintf("%s (id %s), received on %s", st.WebhookURL, st.webhookID, st.WebhookAddr))
	names := make([]string, len(st.desks))
	for i, d := range st.desks {
		names[i] = d.Name
	}
	row("Desks", fmt.Sprintf("%d (%s), %d new", len(st.desks), strings.Join(names, ", "), len(st.newLines)))
	row("Will write", filepath.Join(st.DataDir, credentialsFile)+" (0600: the three credentials and the webhook secret)")
	row("", filepath.Join(st.DataDir, settingsFile)+" (everything else)")
	if len(st.newLines) > 0 {
		row("", st.keysPath+" (the new desks' keys)")
	}
	if st.systemdPath != "" {
		row("", st.systemdPath+" (the service unit)")
	}
	return b.String()
}

// settings is refdesk.toml as the wizard leaves it.
func (st *setupState) settings() Settings {
	s := st.set
	s.BaseURL = strings.TrimSpace(st.BaseURL)
	s.DocumentsDir = st.DocumentsDir
	s.AuthorizedKeys = st.keysPath
	s.SSHAddr = strings.TrimSpace(st.SSHAddr)
	s.WebhookAddr = strings.TrimSpace(st.WebhookAddr)
	s.WebhookURL, s.WebhookID = st.WebhookURL, st.webhookID
	return s
}

// writeStep writes the settings (or goes back, or quits, as chosen).
func writeStep(_ context.Context, st *setupState) (string, error) {
	switch st.Choice {
	case choiceQuit:
		return "", errQuit
	case choiceAgain:
		st.written = nil
		return "Back to step 1: what you typed is kept; Enter keeps each value.", nil
	}
	id, secret, token := st.creds()
	var written []string
	if err := writeCredentials(st.DataDir, Credentials{ClientID: id, ClientSecret: secret, AccessToken: token, WebhookSecret: st.webhookSecret}); err != nil {
		return "", err
	}
	written = append(written, filepath.Join(st.DataDir, credentialsFile))
	if err := writeSettings(st.DataDir, st.settings()); err != nil {
		return "", err
	}
	written = append(written, filepath.Join(st.DataDir, settingsFile))
	if err := addDeskLines(st.keysPath, st.newLines); err != nil {
		return "", err
	}
	if len(st.newLines) > 0 {
		written = append(written, st.keysPath)
	}
	st.newLines = nil
	st.unit = st.serviceUnit()
	if st.systemdPath != "" {
		if err := os.WriteFile(st.systemdPath, []byte(st.unit), 0o644); err != nil {
			return "", fmt.Errorf("settings written, but not the service unit: %w. Run setup again with another --systemd path, or without it to see the unit", err)
		}
		written = append(written, st.systemdPath)
	}
	st.written = written
	return "Wrote " + strings.Join(written, ", ") + ".", nil
}

// serviceUnit is a systemd unit running serve from the written settings:
// no secret is in it, and no EnvironmentFile is needed.
func (st *setupState) serviceUnit() string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, "go-build") {
		exe = "/usr/local/bin/refdesk" // 'go run' builds into a temporary folder
	}
	paths := unitQuote(st.DataDir)
	if !strings.HasPrefix(st.DocumentsDir, st.DataDir+string(filepath.Separator)) {
		paths += " " + unitQuote(st.DocumentsDir)
	}
	if dir := filepath.Dir(st.keysPath); dir != st.DataDir {
		paths += " " + unitQuote(dir)
	}
	return fmt.Sprintf(`[Unit]
Description=refdesk referral desk
After=network-online.target
Wants=network-online.target

[Service]
User=%s
ExecStart=%s serve --data-dir %s
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
TimeoutStopSec=15
NoNewPrivileges=true
ProtectSystem=strict
ReadWritePaths=%s

[Install]
WantedBy=multi-user.target
`, st.user, unitQuote(exe), unitQuote(st.DataDir), paths)
}

// unitQuote quotes a path for a systemd unit line when it needs it.
func unitQuote(s string) string {
	if !strings.ContainsAny(s, " \t\"\\'") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
