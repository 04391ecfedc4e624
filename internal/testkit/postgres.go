package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the variable holding the URL of a PostgreSQL server the
// tests may create databases on (`.ci/run` starts a throwaway cluster and
// sets it; see `.ci/postgres.sh`).
const PostgresEnv = "REFDESK_TEST_DATABASE_URL"

// PostgresURL is the server URL from PostgresEnv, or "" when none is set.
func PostgresURL() string { return os.Getenv(PostgresEnv) }

// Postgres creates a fresh, empty database on the server named by
// PostgresEnv and returns its URL; the database is dropped when the test
// ends. Without the variable the test is skipped, saying why.
func Postgres(t testing.TB) string {
	t.Helper()
	server := PostgresURL()
	if server == "" {
		t.Skip("PostgreSQL: skipped, " + PostgresEnv + " is not set (.ci/run starts a throwaway cluster and sets it; `bash .ci/postgres.sh` prints one)")
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "refdesk_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The name is ours (hex), never user input: safe to splice.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating the test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dropping the test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}
