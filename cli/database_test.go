package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"refdesk/internal/testkit"
	"refdesk/state"
)

// A database URL whose password the tests look for; port 1 on loopback
// refuses connections, so nothing waits.
const (
	dbPassword = "Pg-S3cret-Word"
	deadDBURL  = "postgres://refdesk:" + dbPassword + "@127.0.0.1:1/clinic?sslmode=disable&connect_timeout=2"
)

func TestRedactDatabaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://refdesk:pw@db.example:5432/refdesk?sslmode=verify-full": "refdesk@db.example:5432/refdesk?sslmode=verify-full",
		"postgresql://db/refdesk?user=refdesk&password=pw":                  "db/refdesk?user=refdesk",
		"postgres:///refdesk?host=/run/postgresql":                          "(local socket)/refdesk?host=%2Frun%2Fpostgresql",
	} {
		if got := redactDatabaseURL(in); got != want {
			t.Errorf("redactDatabaseURL(%q) = %q, want %q", in, got, want)
		}
	}
	raw := "postgres://refdesk:p%40ss@db/refdesk?password=other"
	err := scrubDatabase(errors.New("dial "+raw+": password p@ss and p%40ss refused; other"), raw)
	for _, s := range []string{"p@ss", "p%40ss", "other"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("scrubbed message still holds %q: %s", s, err)
		}
	}
	if !strings.Contains(err.Error(), "refdesk@db/refdesk") {
		t.Errorf("scrubbed message lost where: %s", err)
	}
}

// dbEnv is a Cobalt account's environment (so no embedded sandbox) whose
// Cobalt is never reached: the store is opened before any request.
func dbEnv(dir string, extra ...string) []string {
	return append([]string{"REFDESK_DATA_DIR=" + dir, "COBALT_BASE_URL=http://127.0.0.1:1/v1",
		"COBALT_CLIENT_ID=id", "COBALT_CLIENT_SECRET=secret", "COBALT_ACCESS_TOKEN=token"}, extra...)
}

// TestDatabaseFlagOnEveryCommand: every command that opens the store takes
// --database and REFDESK_DATABASE_URL; a URL that is not PostgreSQL's is
// refused with what to give; one that does not answer is reported with
// where it points and never its password, on stderr and in the log.
func TestDatabaseFlagOnEveryCommand(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	refs := filepath.Join(dir, "refs.json")
	if err := os.WriteFile(refs, []byte(pageExample), 0o600); err != nil {
		t.Fatal(err)
	}
	commands := [][]string{
		{"run"}, {"serve", "--ssh-addr", "127.0.0.1:0", "--webhook-addr", "127.0.0.1:0"}, {"sync"},
		{"submit", refs}, {"referrals"}, {"backup", filepath.Join(dir, "b.db")},
	}
	for _, args := range commands {
		name := args[0]
		// Not PostgreSQL: by flag, and by the variable.
		const mysql = "mysql://u:" + dbPassword + "@h/db"
		for _, byFlag := range []bool{true, false} {
			env, a := dbEnv(dir, "REFDESK_DATABASE_URL="+mysql), args
			if byFlag {
				env, a = dbEnv(dir), append(append([]string{}, args...), "--database", mysql)
			}
			code, out, errs := run(t, env, a...)
			if code != ExitUsage || !strings.Contains(errs, "is a mysql:// URL") || !strings.Contains(errs, "postgres://") {
				t.Errorf("%s with a mysql URL: exit %d, stderr %q; want 2 and what to give", name, code, errs)
			}
			if strings.Contains(out+errs, dbPassword) {
				t.Errorf("%s shows the database password: %s%s", name, out, errs)
			}
		}
		// PostgreSQL that does not answer (or, before the engine is built,
		// refused): the flag wins over the variable, and says where.
		env := dbEnv(dir, "REFDESK_DATABASE_URL=mysql://elsewhere/db")
		code, out, errs := run(t, env, append(append([]string{}, args...), "--database", deadDBURL)...)
		if code == ExitOK || strings.Contains(errs, "mysql") {
			t.Errorf("%s --database postgres://…: exit %d, stderr %q; want the flag used, and a failure", name, code, errs)
		}
		if !strings.Contains(errs, "refdesk@127.0.0.1:1/clinic") && name != "backup" {
			t.Errorf("%s does not say which database failed: %q", name, errs)
		}
		if strings.Contains(out+errs, dbPassword) {
			t.Errorf("%s shows the database password: %s%s", name, out, errs)
		}
	}
	if log, err := os.ReadFile(filepath.Join(dir, "refdesk.log")); err == nil && strings.Contains(string(log), dbPassword) {
		t.Errorf("the log holds the database password:\n%s", log)
	}
	// The sandbox keeps its synthetic referrals apart.
	code, _, errs := run(t, []string{"REFDESK_DATA_DIR=" + dir, "REFDESK_DATABASE_URL=" + deadDBURL}, "sync")
	if code != ExitUsage || !strings.Contains(errs, "embedded sandbox") || strings.Contains(errs, dbPassword) {
		t.Errorf("sandbox with a database: exit %d, stderr %q", code, errs)
	}
}

// TestDoctorSaysWhichDatabase: doctor names the engine and where, and
// whether it answers: the SQLite file after a sync; PostgreSQL that does
// not answer (no password shown); and a PostgreSQL database that does.
func TestDoctorSaysWhichDatabase(t *testing.T) {
	_, base := setupSandbox(t)
	dir := t.TempDir()
	env := []string{"REFDESK_DATA_DIR=" + dir, "COBALT_BASE_URL=" + base, "COBALT_CLIENT_ID=" + setupID,
		"COBALT_CLIENT_SECRET=" + setupSecret, "COBALT_ACCESS_TOKEN=" + setupToken}
	_, checks, _ := runDoctorJSON(t, env)
	if c := checks["database"]; c.Status != "skip" || !strings.Contains(c.Detail, "SQLite file "+filepath.Join(dir, "refdesk.db")) {
		t.Errorf("no database yet: %+v", c)
	}
	if code, _, errs := run(t, env, "sync"); code != ExitOK {
		t.Fatalf("sync: %d %s", code, errs)
	}
	_, checks, _ = runDoctorJSON(t, env)
	if c := checks["database"]; c.Status != "ok" || !strings.Contains(c.Detail, "SQLite file "+filepath.Join(dir, "refdesk.db")+" answers") {
		t.Errorf("SQLite: %+v", c)
	}
	if c := checks["directories"]; c.Status != "ok" {
		t.Errorf("directories after a sync: %+v", c)
	}

	code, checks, out := runDoctorJSON(t, env, "--database", deadDBURL)
	if c := checks["database"]; code == ExitOK || c.Status != "fail" || !strings.Contains(c.Detail, "PostgreSQL refdesk@127.0.0.1:1/clinic") {
		t.Errorf("PostgreSQL not answering: exit %d, %+v", code, c)
	}
	if strings.Contains(out, dbPassword) {
		t.Errorf("doctor shows the database password:\n%s", out)
	}

	pg := postgresStore(t)
	code, checks, out = runDoctorJSON(t, env, "--database", pg)
	if c := checks["database"]; c.Status != "ok" || !strings.Contains(c.Detail, "PostgreSQL ") || !strings.Contains(c.Detail, "answers") {
		t.Errorf("PostgreSQL: exit %d, %+v\n%s", code, c, out)
	}
}

// postgresStore is a fresh PostgreSQL database (testkit.Postgres) with
// refdesk's schema, or a skip saying why there is none.
func postgresStore(t *testing.T) string {
	t.Helper()
	u := testkit.Postgres(t)
	d, err := state.Open(context.Background(), state.Options{DatabaseURL: u, Path: filepath.Join(t.TempDir(), "unused.db")})
	if err != nil && strings.Contains(err.Error(), "not built yet") {
		t.Skip("PostgreSQL: skipped, the PostgreSQL store is not in this build yet (issue 16, branch pgstore)")
	}
	if err != nil {
		t.Fatalf("opening PostgreSQL: %v", err)
	}
	d.Close()
	return u
}
