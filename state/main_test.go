package state

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/internal/testkit"
)

// testEngineEnv selects the engine the state tests run on: unset, SQLite;
// "postgres", a fresh PostgreSQL database per store (testkit.Postgres).
const testEngineEnv = "REFDESK_TEST_ENGINE"

// TestMain runs the suite on SQLite, then, when REFDESK_TEST_DATABASE_URL
// names a PostgreSQL server, runs this test binary again (same flags) with
// REFDESK_TEST_ENGINE=postgres, so plain `go test ./...` checks both
// engines; its output and failure are this run's.
func TestMain(m *testing.M) {
	if onPostgres() {
		fmt.Println("state tests on PostgreSQL")
		os.Exit(m.Run())
	}
	start := time.Now()
	code := m.Run()
	fmt.Printf("state tests on SQLite: %s\n", time.Since(start).Round(time.Second))
	if testkit.PostgresURL() == "" {
		fmt.Println("PostgreSQL: skipped, " + testkit.PostgresEnv + " is not set")
		os.Exit(code)
	}
	var args []string
	for _, a := range os.Args[1:] {
		// The go command's test log belongs to the first run.
		if !strings.HasPrefix(a, "-test.testlogfile") {
			args = append(args, a)
		}
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), testEngineEnv+"=postgres")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start = time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Println("state tests on PostgreSQL:", err)
		code = max(code, 1)
	}
	fmt.Printf("state tests on PostgreSQL: %s\n", time.Since(start).Round(time.Second))
	os.Exit(code)
}

// onPostgres reports whether this run is the PostgreSQL one.
func onPostgres() bool { return os.Getenv(testEngineEnv) == "postgres" }

// skipOnPostgres skips a test about the SQLite file itself.
func skipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if onPostgres() {
		t.Skip("SQLite only: " + why)
	}
}

// testOptions points o at this run's engine. On PostgreSQL each store path
// stands for one fresh database, created at its first use in the test and
// named in a file beside the path, so Desks a test opens on the same path
// share a database as they would share a file.
func testOptions(t testing.TB, o Options) Options {
	t.Helper()
	if !onPostgres() || o.DatabaseURL != "" || o.Path == "" {
		return o
	}
	note := o.Path + ".pgurl"
	if b, err := os.ReadFile(note); err == nil {
		o.DatabaseURL = string(b)
		return o
	}
	o.DatabaseURL = testkit.Postgres(t)
	if err := os.MkdirAll(filepath.Dir(note), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(note, []byte(o.DatabaseURL), 0o600); err != nil {
		t.Fatal(err)
	}
	return o
}
