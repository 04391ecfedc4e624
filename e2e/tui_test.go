package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stored is a referral as `refdesk referrals --json` prints it.
type stored struct {
	ID            int    `json:"id"`
	Status        string `json:"status"`
	Sender        string `json:"sender"`
	PatientName   string `json:"patient_name"`
	Direction     string `json:"direction"`
	Priority      string `json:"priority"`
	FromID        string `json:"from_provider_ehr_id"`
	ToID          string `json:"to_provider_ehr_id"`
	Reason        string `json:"reason"`
	EHRID         string `json:"ehr_id"`
	FailureReason string `json:"failure_reason"`
}

// The two referrals the desk test sends, alternately, until one has
// completed and one has failed.
var (
	outgoingWithLetter = referral{
		PatientQuery: "doe john", Patient: "Doe, John", Direction: "o",
		From: pick{Query: "PROV-001", Want: "PROV-001"}, To: pick{Query: "1500000009", Want: "Okafor, Ngozi"},
		Priority: "u", Reason: []string{"Chest pain on exertion.", "ECG attached."}, Codes: "I10, Z87.39",
		Document: "referral-letter.pdf",
	}
	incomingNoProvider = referral{
		PatientQuery: "09/21/1975", Patient: "Rivera, Jordan", Direction: "i",
		From: pick{None: true}, To: pick{Query: "PROV-001", Want: "PROV-001"},
		Priority: "s", Reason: []string{"Hip fracture follow-up"}, Codes: "S72.001A",
	}
)

// TestDeskCompletesAndFails is issue 5's end-to-end test: the real binary
// on the embedded sandbox in a 140×45 terminal; the form is filled in with
// keys (patient search by name and by date of birth, direction, both
// pickers including "No provider on this side", priority, a two-line
// reason, diagnosis codes, a document from --documents-dir), sent through
// the review, and the live pane shows one referral Completed (with its EHR
// id) and one Failed with Cobalt's reason. The details screen shows the
// reason in full and the history; after quitting, `refdesk referrals
// --json` on the same data directory agrees with what the screen showed.
//
// The sandbox fails half the jobs (seed 2 makes the first Completed and
// the second Failed); the test sends up to four referrals until it has one
// of each, so a change in the sandbox's draws does not break it.
func TestDeskCompletesAndFails(t *testing.T) {
	dir := t.TempDir()
	data, docs := filepath.Join(dir, "data"), filepath.Join(dir, "scans")
	if err := os.MkdirAll(docs, 0o700); err != nil {
		t.Fatal(err)
	}
	letter := append([]byte("%PDF-1.4\n"), []byte(strings.Repeat("referral letter ", 200))...)
	if err := os.WriteFile(filepath.Join(docs, "referral-letter.pdf"), letter, 0o600); err != nil {
		t.Fatal(err)
	}
	tm := startTmux(t, 140, 45, appEnv(data, "TERM=xterm-256color"), refdeskBin,
		"--documents-dir", docs, "--delay", "300ms-800ms", "--failure-rate", "0.5", "--seed", "2")
	start := time.Now()
	tm.WaitText(15*time.Second, "SANDBOX", "synthetic data", "▶ Patient", "2,000 in directory")
	t.Logf("form ready %s after start (first start: includes the directory sync)", time.Since(start).Round(time.Millisecond))

	var outcomes []string // per referral #1, #2…: "COMPLETED" or "FAILED"
	for n := 1; n <= 4 && !(has(outcomes, "COMPLETED") && has(outcomes, "FAILED")); n++ {
		r := outgoingWithLetter
		if n%2 == 0 {
			r = incomingNoProvider
		}
		c := fillForm(tm, r)
		review := tm.Screen()
		for _, want := range []string{r.Patient, c.From, c.To, r.Reason[0], strings.SplitN(r.Codes, ",", 2)[0]} {
			if !strings.Contains(review, want) {
				t.Fatalf("referral #%d: the review does not show %q:\n%s", n, want, review)
			}
		}
		if r.Document != "" && !strings.Contains(review, r.Document) {
			t.Fatalf("referral #%d: the review does not list the document:\n%s", n, review)
		}
		tm.Press("enter")
		tm.WaitText(step, fmt.Sprintf("Sent: referral #%d", n))
		// The pane marks each finished referral with ✓ (Completed) or ✗
		// (Failed): #n's outcome is the mark that appeared.
		var done int
		tm.WaitFor(20*time.Second, fmt.Sprintf("referral #%d Completed or Failed in the live pane", n), func(s string) bool {
			p := paneText(s)
			done = strings.Count(p, "COMPLETED ✓")
			return done+strings.Count(p, "FAILED ✗") == n && !strings.Contains(p, "PROCESSING")
		})
		word := "FAILED"
		if done > count(outcomes, "COMPLETED") {
			word = "COMPLETED"
		}
		outcomes = append(outcomes, word)
		t.Logf("referral #%d: %s", n, word)
	}
	if !has(outcomes, "COMPLETED") || !has(outcomes, "FAILED") {
		t.Fatalf("after %d referrals the sandbox (failure rate 0.5) gave %v, not one Completed and one Failed", len(outcomes), outcomes)
	}
	screen := tm.Screen()
	pane := paneText(screen)
	wants := []string{"EHR id REF-", "Failed: "}
	if lastIndex(outcomes, "COMPLETED")%2 == 0 { // an odd referral #: the one with the letter
		wants = append(wants, "docs 1 attached")
	}
	for _, want := range wants {
		if !strings.Contains(pane, want) {
			t.Fatalf("the live pane does not show %q:\n%s", want, screen)
		}
	}

	// Open the failed referral's details: the pane lists newest first.
	failed := lastIndex(outcomes, "FAILED") + 1
	tm.Press("ctrl+t")
	for i := len(outcomes); i > failed; i-- {
		tm.Press("down")
	}
	tm.Press("enter")
	detail := tm.WaitText(step, fmt.Sprintf("Referral #%d", failed), "Failure:", "History", "→ Failed", "referral.failed (webhook)")
	t.Logf("details of #%d: %s", failed, paneText(detail))
	completed := lastIndex(outcomes, "COMPLETED") + 1
	tm.Press("esc")
	tm.WaitText(step, "Referrals · ")
	tm.Press("ctrl+c")
	tm.WaitText(step, "[exited 0]")

	// What the desk stored, read by the CLI after the desk has quit.
	cmd := exec.Command(refdeskBin, "referrals", "--sandbox", "--json")
	cmd.Env = appEnv(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("refdesk referrals --json: %v\n%s", err, out)
	}
	var refs []stored
	if err := json.Unmarshal(out, &refs); err != nil {
		t.Fatalf("refdesk referrals --json printed something else: %v\n%s", err, out)
	}
	if len(refs) != len(outcomes) {
		t.Fatalf("the store has %d referrals, the screen showed %d: %s", len(refs), len(outcomes), out)
	}
	byID := map[int]stored{}
	for _, r := range refs {
		byID[r.ID] = r
	}
	f, c := byID[failed], byID[completed]
	if f.Status != "failed" || f.FailureReason == "" {
		t.Fatalf("referral #%d is %q with reason %q in the store; the screen said Failed", failed, f.Status, f.FailureReason)
	}
	if !strings.Contains(paneText(detail), squash(f.FailureReason)) {
		t.Fatalf("the details do not show Cobalt's reason %q in full:\n%s", f.FailureReason, detail)
	}
	if c.Status != "completed" || c.EHRID == "" || !strings.Contains(pane, "EHR id "+c.EHRID) {
		t.Fatalf("referral #%d is %q with EHR id %q in the store; the pane showed:\n%s", completed, c.Status, c.EHRID, screen)
	}
	for _, r := range refs {
		want := outgoingWithLetter
		if r.ID%2 == 0 {
			want = incomingNoProvider
		}
		if r.PatientName != want.Patient || r.Reason != strings.Join(want.Reason, "\n") {
			t.Errorf("referral #%d stored as patient %q reason %q; typed %q %q", r.ID, r.PatientName, r.Reason, want.Patient, want.Reason)
		}
		if r.ID%2 == 0 && (r.FromID != "0" || r.ToID != "PROV-001" || r.Direction != "incoming" || r.Priority != "stat") {
			t.Errorf("referral #%d stored as %s %s from %q to %q; typed incoming stat, no provider → PROV-001", r.ID, r.Direction, r.Priority, r.FromID, r.ToID)
		}
		if r.ID%2 == 1 && (r.FromID != "PROV-001" || r.Direction != "outgoing" || r.Priority != "urgent") {
			t.Errorf("referral #%d stored as %s %s from %q; typed outgoing urgent from PROV-001", r.ID, r.Direction, r.Priority, r.FromID)
		}
	}
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func has(list []string, s string) bool { return lastIndex(list, s) >= 0 }

func lastIndex(list []string, s string) int {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i] == s {
			return i
		}
	}
	return -1
}

// TestDeskFindsPatientByMRN: typing a patient's whole MRN puts that
// patient first, ready for Enter (issue 5: search by name, MRN or date of
// birth). "2000002" matches 601 of 2,000 patients fuzzily: the exact MRN
// must still come first.
func TestDeskFindsPatientByMRN(t *testing.T) {
	tm := startTmux(t, 140, 45, appEnv(filepath.Join(t.TempDir(), "data"), "TERM=xterm-256color"), refdeskBin)
	tm.WaitText(15*time.Second, "▶ Patient", "2,000 in directory")
	for _, mrn := range []string{"1234567", "2000002"} {
		tm.Type(mrn)
		tm.WaitFor(step, "the patient with MRN "+mrn+" highlighted", func(s string) bool {
			return strings.Contains(s, "› "+mrn) && highlighted(s, "MRN "+mrn+" ") != ""
		})
		tm.Press("esc")
		tm.WaitText(step, "› type to search")
	}
}
