package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"refdesk/internal/testkit"
	"refdesk/state"
)

// accountEnv is the environment of a clinic whose "Cobalt" is a sandbox
// at addr (not started yet, perhaps).
func accountEnv(dataDir, addr string) []string {
	return appEnv(dataDir, "COBALT_BASE_URL=http://"+addr+"/v1", "COBALT_CLIENT_ID=sandbox",
		"COBALT_CLIENT_SECRET=sandbox", "COBALT_ACCESS_TOKEN=sandbox", "COBALT_WEBHOOK_SECRET=whsec_e2e_down")
}

// TestServeStartsWithoutCobalt: serve against an address that refuses
// connections starts, answers /healthz and SSH; the desk says why the
// directories are not synced; once `refdesk sandbox` starts on that address
// the first sync completes. Then a referral sent by `refdesk submit` (a
// second process on the same data directory) appears on the connected
// desk's screen (within a second normally; the time taken is logged).
func TestServeStartsWithoutCobalt(t *testing.T) {
	c := newClinic(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cobalt := ln.Addr().String()
	ln.Close() // refuses connections from now on
	env := accountEnv(c.data, cobalt)
	srv := startServeEnv(t, env, c.data, c.keysFile, 30*time.Second, "--documents-dir", c.docs)
	if err := srv.Healthz(); err != nil {
		t.Fatal(err)
	}
	alice := openDesk(t, srv, "alice", c.desk1, 160, 45)
	alice.WaitText(15*time.Second, "desk front-desk-1", "directories not synced yet; next try", "Directories not synced yet — Cobalt unreachable: connection refused")

	sb := exec.Command(refdeskBin, "sandbox", "--addr", cobalt, "--delay", "200ms", "--failure-rate", "0",
		"--webhook-url", "http://"+srv.webhookAddr+"/webhooks/cobalt", "--webhook-secret", "whsec_e2e_down")
	sb.Env = appEnv(t.TempDir())
	var sbOut testkit.Buffer
	sb.Stdout, sb.Stderr = &sbOut, &sbOut
	if err := sb.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Process.Kill(); _ = sb.Wait() })
	alice.WaitText(30*time.Second, "synced just now")

	ref := filepath.Join(t.TempDir(), "referral.json")
	if err := os.WriteFile(ref, []byte(`{"patient_mrn": "1234567", "referring_from_provider_ehr_id": "PROV-001",
  "referring_to_provider_ehr_id": "PROV-002", "direction": "outgoing", "priority": "urgent",
  "reason": "Second process referral", "diagnosis_codes": ["I10"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := exec.Command(refdeskBin, "submit", ref, "--data-dir", c.data)
	sub.Env = env
	var subOut bytes.Buffer
	sub.Stdout, sub.Stderr = &subOut, &subOut
	if err := sub.Run(); err != nil {
		t.Fatalf("refdesk submit: %v\n%s", err, subOut.String())
	}
	exited := time.Now()
	// Normally well within a second (BenchmarkCrossProcessChange measures
	// it); the deadline is for a loaded machine.
	alice.WaitFor(20*time.Second, "the submitted referral in the pane", func(s string) bool {
		return strings.Contains(paneText(s), "· #1")
	})
	t.Logf("the referral reached the desk %s after submit exited", time.Since(exited).Round(time.Millisecond))
	alice.WaitFor(15*time.Second, "the referral completed", func(s string) bool {
		return strings.Contains(paneText(s), "COMPLETED ✓") && strings.Contains(paneText(s), "EHR id REF-")
	})
}

// TestLeaseMovesWhenServeIsKilled: two `refdesk serve` on one data
// directory; the one holding the Cobalt lease is killed with SIGKILL and
// the other takes the lease (6-8 s; logged).
func TestLeaseMovesWhenServeIsKilled(t *testing.T) {
	c := newClinic(t)
	a := c.serve(t)
	holder := func() string {
		d, err := state.Open(context.Background(), state.Options{Path: filepath.Join(c.data, "sandbox.db"), ReadOnly: true})
		if err != nil {
			return ""
		}
		defer d.Close()
		return d.LeaseHolder(context.Background(), state.LeaseCobalt)
	}
	holds := func(s *server) bool { return strings.Contains(holder(), fmt.Sprintf("/%d/", s.Pid())) }
	if !testkit.Poll(10*time.Second, 50*time.Millisecond, func() bool { return holds(a) }) {
		t.Fatalf("the first serve does not hold the lease: %q", holder())
	}
	b := c.serve(t)
	time.Sleep(time.Second)
	if !holds(a) {
		t.Fatalf("the lease moved while its holder lived: %q", holder())
	}
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	// 6-8 s (the lease's TTL and a renewal); the deadline is for a loaded
	// machine, the time taken is logged.
	if !testkit.Poll(30*time.Second, 50*time.Millisecond, func() bool { return holds(b) }) {
		t.Fatalf("the second serve did not take the lease within 30s: %q", holder())
	}
	t.Logf("lease taken over %s after SIGKILL", time.Since(killed).Round(10*time.Millisecond))
}
