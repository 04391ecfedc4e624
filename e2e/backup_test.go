package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/internal/testkit"
	"refdesk/state"
)

// TestBackupRestoreDrill is the README's restore drill: with serve running
// and two referrals in flight (the sandbox answers after 4-6 s) and a desk
// mid-form, `refdesk backup` writes a 0600 copy that passes
// integrity_check; the server is stopped, its database wiped, the copy put
// back, the server started: every referral is listed again and the desk is
// offered its draft.
func TestBackupRestoreDrill(t *testing.T) {
	c := newClinic(t)
	srv := c.serve(t, "--delay", "4s-6s")
	alice := openDesk(t, srv, "alice", c.desk1, 140, 45)
	alice.WaitText(10*time.Second, "▶ Patient")
	fillForm(alice, outgoingWithLetter)
	alice.Press("enter")
	alice.WaitText(step, "Sent: referral #1")
	fillForm(alice, incomingNoProvider)
	alice.Press("enter")
	alice.WaitText(step, "Sent: referral #2")
	bob := openDesk(t, srv, "bob", c.desk2, 140, 45)
	typeReason(bob, "Knee pain since March, MRI")
	waitDraft(t, state.Options{Path: filepath.Join(c.data, "sandbox.db")}, "front-desk-2", "Knee pain since March, MRI")

	backup := filepath.Join(t.TempDir(), "refdesk-before.db")
	cmd := exec.Command(refdeskBin, "backup", "--sandbox", backup)
	cmd.Env = appEnv(c.data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("refdesk backup: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "integrity_check ok") {
		t.Errorf("refdesk backup said %q", out)
	}
	fi, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup is %v, want 0600", fi.Mode().Perm())
	}
	saved := listReferrals(t, backup)
	inFlight := 0
	for _, r := range saved {
		if r.Status == state.Submitting || r.Status == state.Processing {
			inFlight++
		}
	}
	if len(saved) != 2 || inFlight == 0 {
		t.Fatalf("the backup holds %d referrals, %d in flight; want 2, at least one in flight: %+v", len(saved), inFlight, saved)
	}

	if code, _ := srv.Terminate(15 * time.Second); code != 0 {
		t.Fatalf("serve exited %d on SIGTERM", code)
	}
	db := filepath.Join(c.data, "sandbox.db")
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}

	srv = c.serve(t)
	cmd = exec.Command(refdeskBin, "referrals", "--sandbox", "--json")
	cmd.Env = appEnv(c.data)
	listing, err := cmd.Output()
	if err != nil {
		t.Fatalf("refdesk referrals after the restore: %v", err)
	}
	var rows []struct {
		ID          int64  `json:"id"`
		PatientName string `json:"patient_name"`
		Sender      string `json:"sender"`
	}
	if err := json.Unmarshal(listing, &rows); err != nil {
		t.Fatalf("%v: %s", err, listing)
	}
	if len(rows) != len(saved) {
		t.Fatalf("after the restore %d referrals are listed, the backup held %d:\n%s", len(rows), len(saved), listing)
	}
	for _, want := range saved {
		found := false
		for _, r := range rows {
			found = found || (r.ID == want.ID && r.PatientName == want.PatientName && r.Sender == want.Sender)
		}
		if !found {
			t.Errorf("referral #%d (%s) is not back after the restore:\n%s", want.ID, want.PatientName, listing)
		}
	}
	again := openDesk(t, srv, "bob", c.desk2, 140, 45)
	again.WaitText(10*time.Second, "Resume your draft?")
	again.Type("y")
	again.WaitText(step, "Draft resumed.", "Reason: Knee pain since March, MRI")
}

// listReferrals reads the referrals of a backup file, read-only.
func listReferrals(t *testing.T, path string) []state.Referral {
	t.Helper()
	d, err := state.Open(context.Background(), state.Options{Path: path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rs, err := d.Referrals(context.Background(), state.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// waitDraft waits until desk's draft in the store opt names holds reason:
// the form saves it 0.6 s after typing pauses, later on a loaded machine,
// and a test that then kills or copies the server must not outrun it.
func waitDraft(t testing.TB, opt state.Options, desk, reason string) {
	t.Helper()
	opt.ReadOnly = true
	var last string
	if !testkit.Poll(30*time.Second, 100*time.Millisecond, func() bool {
		d, err := state.Open(context.Background(), opt)
		if err != nil {
			last = err.Error()
			return false
		}
		defer d.Close()
		in, _, ok, err := d.LoadDraft(context.Background(), desk)
		switch {
		case err != nil:
			last = err.Error()
		case !ok:
			last = "no draft"
		default:
			last = "a draft without the reason typed"
		}
		return err == nil && ok && strings.Contains(in.Reason, reason)
	}) {
		t.Fatalf("%s's draft was not saved within 30 s (%s)", desk, last)
	}
}
