package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"refdesk/api/sandbox"

	"refdesk/internal/testkit"
)

// TestServeOperatorLog: serve --log-file writes one line per refused and
// accepted SSH login (desk, key fingerprint, address), per webhook refused
// and accepted (event id, type, sender), per referral status change and per
// sync; no line names a patient. After logrotate moves the file away,
// SIGHUP makes serve write a new one. The desk's header dates the last
// verified webhook.
func TestServeOperatorLog(t *testing.T) {
	c := newClinic(t)
	logPath := filepath.Join(t.TempDir(), "refdesk.log")
	srv := c.serve(t, "--log-file", logPath)
	stranger := testkit.NewKey(t, "stranger")
	if cl, err := dial(srv.sshAddr, "mallory", srv.fingerprint, gossh.PublicKeys(stranger.Signer)); err == nil {
		cl.Close()
		t.Fatal("a key not in authorized_keys was let in")
	}
	req, _ := http.NewRequest("POST", "http://"+srv.webhookAddr+"/webhooks/cobalt",
		strings.NewReader(`{"id":"evt_forged","type":"referral.completed","data":{}}`))
	req.Header.Set("Cobalt-Verification", strings.Repeat("ab", 32))
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a forged webhook got %d, want 401", resp.StatusCode)
	}

	alice := openDesk(t, srv, "alice", c.desk1, 140, 45)
	alice.WaitText(10*time.Second, "▶ Patient", "(no verified webhook yet)")
	fillForm(alice, outgoingWithLetter)
	alice.Press("enter")
	alice.WaitText(step, "Sent: referral #1")
	alice.WaitFor(15*time.Second, "referral #1 Completed and the header dating the webhook", func(s string) bool {
		return strings.Contains(paneText(s), "COMPLETED ✓") && strings.Contains(s, "(last webhook just now)")
	})

	strangerFP := gossh.FingerprintSHA256(stranger.Signer.PublicKey())
	deskFP := gossh.FingerprintSHA256(c.desk1.Signer.PublicKey())
	want := []struct {
		msg    string
		fields map[string]any
	}{
		{"ssh login refused", map[string]any{"ssh_user": "mallory", "fingerprint": strangerFP}},
		{"ssh login accepted", map[string]any{"desk": "front-desk-1", "ssh_user": "alice", "fingerprint": deskFP}},
		{"webhook refused", map[string]any{"status": 401.0, "forwarded_for": "203.0.113.7"}},
		{"webhook accepted", map[string]any{"type": "referral.created"}}, // Cobalt: the referral is in the EHR
		{"event applied", map[string]any{"type": "referral.created", "source": "webhook", "result": "applied"}},
		{"referral status", map[string]any{"referral": 1.0, "from": "draft", "status": "submitting"}},
		{"referral status", map[string]any{"referral": 1.0, "status": "completed"}},
		{"directory sync", map[string]any{"patients": 2000.0}},
	}
	var lines []map[string]any
	missing := func() []string {
		lines = readLog(t, logPath)
		var out []string
		for _, w := range want {
			if findLine(lines, w.msg, w.fields) == nil {
				out = append(out, fmt.Sprintf("%s %v", w.msg, w.fields))
			}
		}
		return out
	}
	if !testkit.Poll(5*time.Second, 50*time.Millisecond, func() bool { return len(missing()) == 0 }) {
		b, _ := os.ReadFile(logPath)
		t.Fatalf("the log lacks %v:\n%s", missing(), b)
	}
	for _, msg := range []string{"ssh login refused", "ssh login accepted", "webhook refused", "webhook accepted"} {
		if l := findLine(lines, msg, nil); l["remote"] == nil || !strings.HasPrefix(l["remote"].(string), "127.0.0.1:") {
			t.Errorf("%q does not give the sender's address: %v", msg, l)
		}
	}
	if l := findLine(lines, "webhook accepted", nil); l["event_id"] == "" || l["event_id"] == nil {
		t.Errorf("the accepted webhook's line has no event id: %v", l)
	}

	// logrotate: move the file away, SIGHUP, and the next line goes to a
	// new file at the same path.
	if err := os.Rename(logPath, logPath+".1"); err != nil {
		t.Fatal(err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !testkit.Poll(5*time.Second, 50*time.Millisecond, func() bool {
		if cl, err := dial(srv.sshAddr, "mallory", srv.fingerprint, gossh.PublicKeys(stranger.Signer)); err == nil {
			cl.Close()
		}
		return findLine(readLog(t, logPath), "ssh login refused", nil) != nil
	}) {
		t.Fatalf("after SIGHUP no new log file was written at %s", logPath)
	}
	if fi, err := os.Stat(logPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the reopened log: %v, %v; want 0600", fi.Mode(), err)
	}

	dir := sandbox.New(sandbox.Options{}).Directory()
	var phi []string
	for _, p := range []sandbox.PatientRow{dir.Patient(0), dir.Patient(1)} { // Rivera, Jordan; Doe, John
		us := p.DOB[5:7] + "/" + p.DOB[8:10] + "/" + p.DOB[:4]
		phi = append(phi, p.MRN, p.LastName, p.FirstName+" "+p.LastName, p.DOB, us)
	}
	old, _ := os.ReadFile(logPath + ".1")
	cur, _ := os.ReadFile(logPath)
	for where, text := range map[string]string{"the log": string(old), "the new log": string(cur), "serve's output": srv.Output()} {
		for _, f := range phi {
			if i := strings.Index(text, f); i >= 0 {
				t.Errorf("%s names a patient (%q): …%s…", where, f, text[max(0, i-80):min(len(text), i+40)])
			}
		}
	}
	t.Logf("%d log lines checked", bytes.Count(old, []byte("\n"))+bytes.Count(cur, []byte("\n")))
}

// readLog parses a JSON-lines log; a missing file has no lines.
func readLog(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("a log line is not JSON (%v): %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

// findLine is the first line with msg whose fields hold every value given.
func findLine(lines []map[string]any, msg string, fields map[string]any) map[string]any {
next:
	for _, l := range lines {
		if l["msg"] != msg {
			continue
		}
		for k, v := range fields {
			if l[k] != v {
				continue next
			}
		}
		return l
	}
	return nil
}
