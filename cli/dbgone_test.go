package cli

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
	"refdesk/internal/testkit"
	"refdesk/state"
)

// TestDatabaseGoesAway: a node's PostgreSQL database refuses connections
// (its sessions ended, new ones not allowed) and then comes back. Meanwhile
// GET /healthz answers 503, so a balancer takes the node out, and a
// referral cannot be sent: it is refused before anything reaches Cobalt.
// Once the database is back, the node answers 200 and sends again without a
// restart.
func TestDatabaseGoesAway(t *testing.T) {
	dbURL := postgresStore(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", testkit.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := t.Context()
	// The name is testkit's (hex), never user input.
	setAllowed := func(ok bool) {
		t.Helper()
		v := map[bool]string{true: "true", false: "false"}[ok]
		if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS "+v); err != nil {
			t.Fatal(err)
		}
		if !ok {
			if _, err := admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(func() { _, _ = admin.Exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true") })

	env := sandboxtest.Start(t, sandboxtest.Options{Sandbox: sandbox.Options{FailureRate: sandbox.Rate(0),
		Providers: 20, ReferringProviders: 200, Patients: 100}})
	desk, err := state.Open(ctx, state.Options{Path: filepath.Join(t.TempDir(), "unused.db"), DatabaseURL: dbURL, Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	if _, err := desk.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	hz := httptest.NewServer(healthHandler(desk, nil))
	defer hz.Close()
	status := func() int {
		resp, err := http.Get(hz.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	dir := env.Sandbox.Directory()
	send := func(reason string) error {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, err := desk.Submit(sctx, "front1", state.ReferralInput{PatientMRN: dir.Patient(1).MRN, Direction: api.DirectionOutgoing,
			FromEHRID: dir.Provider(0).EHRID, ToEHRID: dir.ReferringProvider(1).EHRID, Priority: api.PriorityRoutine,
			Reason: reason, DiagnosisCodes: []string{"I10"}})
		return err
	}
	if code := status(); code != http.StatusOK {
		t.Fatalf("GET /healthz with the database up: %d", code)
	}

	setAllowed(false)
	if code := status(); code != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz with the database refusing connections: %d, want 503", code)
	}
	if err := send("While the database is away"); err == nil {
		t.Error("a referral was accepted while the database refused connections")
	} else {
		t.Logf("sending while the database is away: %v", err)
	}
	if n := env.Sandbox.Stats().Referrals; n != 0 {
		t.Errorf("Cobalt received %d referrals while the database was away, want 0", n)
	}

	setAllowed(true)
	if !testkit.Poll(10*time.Second, 100*time.Millisecond, func() bool { return status() == http.StatusOK }) {
		t.Fatal("GET /healthz did not answer 200 again within 10s of the database coming back")
	}
	if err := send("After the database came back"); err != nil {
		t.Fatalf("sending after the database came back: %v", err)
	}
	if n := env.Sandbox.Stats().Referrals; n != 1 {
		t.Errorf("Cobalt received %d referrals, want 1", n)
	}
}
