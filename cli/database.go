package cli

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// The database: the SQLite file in the data directory (the default), or a
// PostgreSQL database given by --database / REFDESK_DATABASE_URL, which
// several `refdesk serve` nodes share. The URL may hold a password, so it
// is never printed or logged as given: describeDatabase and scrubDatabase
// take it out.

// bindDatabase adds --database to a command that opens the store.
func (c *Config) bindDatabase(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database", c.DatabaseURL,
		"keep the referrals in this PostgreSQL database, postgres://USER@HOST:5432/DATABASE, shared by several 'refdesk serve' "+
			"(env REFDESK_DATABASE_URL, better for a password: a flag shows in ps; default: the SQLite file in the data directory)")
}

// checkDatabaseURL refuses a URL refdesk cannot use, saying what it takes.
// The URL itself is not repeated: it may hold a password.
func checkDatabaseURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return errors.New("--database (or REFDESK_DATABASE_URL) is not a URL (not shown: it may hold a password). " +
			"Give a PostgreSQL URL such as postgres://refdesk@db.example:5432/refdesk?sslmode=verify-full, " +
			"or leave it unset to keep the SQLite file in the data directory")
	}
	if s := strings.ToLower(u.Scheme); s != "postgres" && s != "postgresql" {
		return fmt.Errorf("--database (or REFDESK_DATABASE_URL) is a %s:// URL; refdesk keeps its referrals in PostgreSQL "+
			"(postgres://USER@HOST:5432/DATABASE) or, with neither set, in the SQLite file in the data directory", u.Scheme)
	}
	return nil
}

// describeDatabase says which engine holds the referrals and where, with
// no password: "PostgreSQL refdesk@db:5432/refdesk" or "SQLite file PATH".
func describeDatabase(cfg Config, sqliteName string) string {
	if cfg.DatabaseURL == "" {
		return "SQLite file " + filepath.Join(cfg.DataDir, sqliteName)
	}
	return "PostgreSQL " + redactDatabaseURL(cfg.DatabaseURL)
}

// redactDatabaseURL is the URL without its password (in the user part or
// a password= parameter): user@host:port/database and the other
// parameters, e.g. "refdesk@db:5432/refdesk?sslmode=require".
func redactDatabaseURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL not shown: it may hold a password)"
	}
	where := u.Host
	if u.User != nil && u.User.Username() != "" {
		where = u.User.Username() + "@" + where
	}
	if where == "" {
		where = "(local socket)"
	}
	where += u.Path
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Del(k)
		}
	}
	if len(q) > 0 {
		where += "?" + q.Encode()
	}
	return where
}

// scrubDatabase takes the URL's password out of err's message, in case a
// layer below quoted the URL.
func scrubDatabase(err error, raw string) error {
	if err == nil || raw == "" {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), raw, redactDatabaseURL(raw))
	for _, secret := range databaseSecrets(raw) {
		msg = strings.ReplaceAll(msg, secret, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// databaseSecrets are the URL's password as given and escaped.
func databaseSecrets(raw string) []string {
	var out []string
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p, url.QueryEscape(p), url.PathEscape(p))
	}
	for k, vs := range u.Query() {
		if strings.EqualFold(k, "password") {
			for _, v := range vs {
				if v != "" {
					out = append(out, v, url.QueryEscape(v))
				}
			}
		}
	}
	return out
}

// errSandboxDatabase: the embedded sandbox never writes into a clinic's
// PostgreSQL database.
var errSandboxDatabase = errors.New("no Cobalt credentials are set, so this would run on the embedded sandbox, " +
	"whose synthetic referrals stay in the data directory's sandbox.db, never in a PostgreSQL database: " +
	"set the Cobalt credentials (several nodes share one Cobalt), or unset --database / REFDESK_DATABASE_URL")
