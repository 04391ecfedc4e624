package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/internal/testkit"
)

// clinic is a data directory, a documents folder with one scan, and an
// authorized_keys file for two desks.
type clinic struct {
	data, docs, keysFile string
	desk1, desk2         testkit.Key
}

func newClinic(t testing.TB) clinic {
	t.Helper()
	dir := t.TempDir()
	c := clinic{data: filepath.Join(dir, "data"), docs: filepath.Join(dir, "scans"),
		keysFile: filepath.Join(dir, "authorized_keys"),
		desk1:    testkit.NewKey(t, "front-desk-1"), desk2: testkit.NewKey(t, "front-desk-2")}
	if err := os.MkdirAll(c.docs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.docs, "referral-letter.pdf"), []byte("%PDF-1.4\nscanned letter\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeAuthorizedKeys(t, c.keysFile, c.desk1, c.desk2)
	return c
}

// serve starts `refdesk serve --sandbox` for the clinic.
func (c clinic) serve(t testing.TB, extra ...string) *server {
	t.Helper()
	args := append([]string{"--documents-dir", c.docs, "--delay", "200ms-500ms", "--failure-rate", "0"}, extra...)
	return startServe(t, c.data, c.keysFile, 30*time.Second, args...)
}

// TestServeTwoDesksSeeCompleted: two desks connect with their keys (the
// host key is the one the server printed); one sends a referral typed key
// by key; both screens show it reach Completed when the sandbox's webhook
// arrives at the server's receiver. Unknown keys, passwords and no key are
// refused, a session without a PTY is told why, and GET /healthz answers.
func TestServeTwoDesksSeeCompleted(t *testing.T) {
	c := newClinic(t)
	srv := c.serve(t)
	if err := srv.Healthz(); err != nil {
		t.Fatal(err)
	}
	stranger := testkit.NewKey(t, "stranger")
	if cl, err := dial(srv.sshAddr, "mallory", srv.fingerprint, gossh.PublicKeys(stranger.Signer)); err == nil {
		cl.Close()
		t.Fatal("a key not in authorized_keys was let in")
	}
	if cl, err := dial(srv.sshAddr, "alice", srv.fingerprint, gossh.Password("hunter2")); err == nil {
		cl.Close()
		t.Fatal("a password was accepted")
	}
	if cl, err := dial(srv.sshAddr, "alice", srv.fingerprint); err == nil {
		cl.Close()
		t.Fatal("a client with no key was let in")
	}
	noPTY(t, srv, c.desk1)

	alice := openDesk(t, srv, "alice", c.desk1, 140, 45)
	bob := openDesk(t, srv, "bob", c.desk2, 180, 45) // wide: the pane shows "by front-desk-1" whole
	alice.WaitText(10*time.Second, "desk front-desk-1", "SANDBOX", "▶ Patient")
	bob.WaitText(10*time.Second, "desk front-desk-2", "SANDBOX", "▶ Patient")

	ch := fillForm(alice, outgoingWithLetter)
	alice.Press("enter")
	alice.WaitText(step, "Sent: referral #1")
	// Both screens are read together; bob's must show the referral in
	// flight (Submitting or Processing) before it completes.
	var bobInFlight bool
	done := func(s string) bool {
		p := paneText(s)
		return strings.Contains(p, "COMPLETED ✓") && strings.Contains(p, "Doe, John") &&
			strings.Contains(p, "EHR id REF-") && strings.Contains(p, ch.From)
	}
	if !testkit.Poll(15*time.Second, 50*time.Millisecond, func() bool {
		b := bob.Screen()
		if p := paneText(b); strings.Contains(p, "PROCESSING") || strings.Contains(p, "SUBMITTING") {
			bobInFlight = true
		}
		return done(alice.Screen()) && done(b)
	}) {
		t.Fatalf("referral #1 did not reach Completed on both screens within 15s\nalice:\n%s\nbob:\n%s", alice.Screen(), bob.Screen())
	}
	if !bobInFlight {
		t.Errorf("bob's pane never showed the referral in flight before Completed")
	}
	if p := paneText(bob.Screen()); !strings.Contains(p, "by front-desk-1") {
		t.Errorf("bob's pane does not say who sent the referral:\n%s", p)
	}
}

// noPTY: an authorised desk whose client asks for no terminal is told to
// use ssh -t and its session ends.
func noPTY(t *testing.T, srv *server, key testkit.Key) {
	t.Helper()
	cl, err := dial(srv.sshAddr, "alice", srv.fingerprint, gossh.PublicKeys(key.Signer))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	sess, err := cl.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out testkit.Buffer // stdout and stderr are copied on two goroutines
	sess.Stdout, sess.Stderr = &out, &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait() }()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("a session without a terminal was not ended")
	}
	if !strings.Contains(out.String(), "needs a terminal") {
		t.Fatalf("a session without a terminal got %q, not the message to use ssh -t", out.String())
	}
}

// TestServeDraftSurvivesDrop: a desk types a referral's reason and its
// connection drops (the TCP connection closed under the session, no exit);
// connecting again with the same user and key offers the draft, and
// resuming it brings the text back.
func TestServeDraftSurvivesDrop(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pause time.Duration // between the last key and the drop
	}{
		{"after a pause", 1500 * time.Millisecond},
		{"at once", 0}, // saved on the disconnect (serve's ShutdownMsg{ReasonDisconnect})
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			c := newClinic(t)
			srv := c.serve(t)
			d := openDesk(t, srv, "carol", c.desk1, 140, 45)
			typeReason(d, "Knee pain since March, MRI")
			time.Sleep(tc.pause)
			d.Drop()

			again := openDesk(t, srv, "carol", c.desk1, 140, 45)
			again.WaitText(10*time.Second, "Resume your draft?", "A referral for Doe, John · DOB 05/15/1980 · MRN 414421")
			again.Type("y")
			again.WaitText(step, "Draft resumed.", "Reason: Knee pain since March, MRI", "Patient: Doe, John · DOB 05/15/1980", "(•) outgoing")
		})
	}
}

// typeReason picks a patient, a direction, and types a reason, stopping
// mid-form (the screen shows the text).
func typeReason(d terminal, reason string) {
	d.WaitText(10*time.Second, "▶ Patient")
	d.Type("doe john")
	d.WaitText(step, "▸ Doe, John")
	d.Press("enter")
	d.WaitText(step, "▶ Direction")
	d.Type("o") // and on to From
	d.WaitText(step, "(•) outgoing", "▶ From")
	for _, f := range []string{"To", "Priority"} { // leave them for later
		d.Press("tab")
		d.WaitText(step, "▶ "+f)
	}
	d.Press("tab")
	d.WaitText(step, "▶ Reason")
	d.Type(reason)
	d.WaitText(step, reason)
}

// TestServeSIGTERM: with two desks connected, one mid-form, SIGTERM makes
// the server tell both desks, end their sessions, and exit 0 within 10 s;
// started again on the same data directory it keeps its host key, and the
// desk that was typing is offered its draft, whether typed 1.5 s before
// SIGTERM (saved by the pause) or just before it (saved on ShutdownMsg).
func TestServeSIGTERM(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pause time.Duration // between the last key and SIGTERM
	}{
		{"after a pause", 1500 * time.Millisecond},
		{"at once", 0},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) { testSIGTERM(t, tc.pause) })
	}
}

func testSIGTERM(t *testing.T, pause time.Duration) {
	c := newClinic(t)
	srv := c.serve(t)
	typing := openDesk(t, srv, "dave", c.desk1, 140, 45)
	idle := openDesk(t, srv, "erin", c.desk2, 100, 30)
	idle.WaitText(10*time.Second, "▶ Patient")
	typeReason(typing, "Shortness of breath, typed just before the restart")
	time.Sleep(pause)

	code, took := srv.Terminate(10 * time.Second)
	if code != 0 {
		t.Fatalf("refdesk serve exited %d after SIGTERM:\n%s", code, srv.Output())
	}
	t.Logf("exited 0, %s after SIGTERM", took.Round(time.Millisecond))
	for name, d := range map[string]*sshTerm{"dave": typing, "erin": idle} {
		if _, ended := d.Ended(10 * time.Second); !ended { // the server has exited: at once, normally
			t.Errorf("%s's session did not end when the server stopped", name)
		}
		if !strings.Contains(d.Raw(), "the server is shutting down") {
			t.Errorf("%s was not told the server is shutting down; last screen:\n%s", name, d.Screen())
		}
	}
	if !strings.Contains(srv.Output(), "shutting down") {
		t.Errorf("the server did not say it was shutting down:\n%s", srv.Output())
	}

	again := c.serve(t)
	if again.fingerprint != srv.fingerprint {
		t.Fatalf("the host key changed across restarts: %s then %s", srv.fingerprint, again.fingerprint)
	}
	d := openDesk(t, again, "dave", c.desk1, 140, 45)
	d.WaitText(10*time.Second, "Resume your draft?")
	d.Type("y")
	d.WaitText(step, "Draft resumed.", "Reason: Shortness of breath, typed just before the restart", "Patient: Doe, John · DOB 05/15/1980")
}
