package testkit

import (
	"context"
	"database/sql"
	"testing"
)

// TestPostgresGivesAFreshDatabase checks the rig itself: a database of its
// own, writable, and gone after the test.
func TestPostgresGivesAFreshDatabase(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		u := Postgres(t)
		db, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.Skip("PostgreSQL: skipped, " + PostgresEnv + " is not set")
	}
	db, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after its test", name)
	}
}
