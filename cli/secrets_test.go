package cli

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
)

// Credentials only this test uses, so any appearance is a leak.
const (
	leakClientID     = "ci_LEAKCHECK_ID_31337"
	leakClientSecret = "cs_LEAKCHECK_SECRET_8f2b1c"
	leakAccessToken  = "at_LEAKCHECK_TOKEN_77aa09"
	leakWebhook      = "whsec_LEAKCHECK_HOOK_c0ffee"
	wrongSecret      = "cs_LEAKCHECK_WRONG_deadbeef"
)

// phi lists the ways a patient can be recognised in text.
func phi(p sandbox.PatientRow) []string {
	us := p.DOB[5:7] + "/" + p.DOB[8:10] + "/" + p.DOB[:4]
	return []string{p.MRN, p.LastName, p.FirstName + " " + p.LastName, p.LastName + ", " + p.FirstName, p.DOB, us}
}

// scan fails for every forbidden value found in text.
func scan(t *testing.T, where, text string, forbidden []string) {
	t.Helper()
	for _, f := range forbidden {
		if f != "" && strings.Contains(text, f) {
			i := strings.Index(text, f)
			t.Errorf("%s contains %q: …%s…", where, f, text[max(0, i-80):min(len(text), i+len(f)+40)])
		}
	}
}

// checkModes fails unless dir is 0700 and every file under it 0600 (or
// tighter), every folder 0700.
func checkModes(t *testing.T, dir string, want ...string) {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		seen[d.Name()] = true
		switch {
		case d.IsDir() && fi.Mode().Perm() != 0o700:
			t.Errorf("%s is %v, want 0700", p, fi.Mode().Perm())
		case fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0:
			t.Errorf("%s is %v, want 0600", p, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		if !seen[name] {
			t.Errorf("%s has no %s (the mode check would prove nothing)", dir, name)
		}
	}
}

func referralJSON(p sandbox.PatientRow, from, to, doc string) string {
	docs := ""
	if doc != "" {
		docs = fmt.Sprintf(`,"documents":[{"filename":%q,"content_base64":%q}]`, doc, base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 letter")))
	}
	return fmt.Sprintf(`{"patient_mrn":%q,"referring_from_provider_ehr_id":%q,"referring_to_provider_ehr_id":%q,"direction":"outgoing","priority":"urgent","reason":"Chest pain","diagnosis_codes":["I10"]%s}`,
		p.MRN, from, to, docs)
}

// The main flows (sync, submit with a document named after the patient,
// a completion, a failure, a refused referral, wrong credentials, the
// list) leave no secret in any output or log, and no patient's name, MRN
// or date of birth in the log or on stderr. The data directory is 0700,
// the database and the log 0600.
func TestNoSecretsOrPHIInLogsAndErrors(t *testing.T) {
	rig := sandboxtest.Start(t, sandboxtest.Options{Sandbox: sandbox.Options{Seed: 11, Providers: 20,
		ReferringProviders: 40, Patients: 30,
		ClientID: leakClientID, ClientSecret: leakClientSecret, AccessToken: leakAccessToken,
		FailureRate: sandbox.Rate(0), DelayMin: 20 * time.Millisecond, DelayMax: 50 * time.Millisecond}})
	data := t.TempDir()
	env := append(rig.Environ(), "COBALT_WEBHOOK_SECRET="+leakWebhook, "REFDESK_DATA_DIR="+data, "HOME="+t.TempDir())
	sb := rig.Sandbox
	dir := sb.Directory()
	from, to := dir.Provider(0).EHRID, dir.ReferringProvider(0).EHRID
	patients := []sandbox.PatientRow{dir.Patient(0), dir.Patient(5), dir.Patient(6)}
	secrets := []string{leakClientSecret, leakAccessToken, leakWebhook, wrongSecret}
	var forbidden []string
	for _, p := range patients {
		forbidden = append(forbidden, phi(p)...)
	}
	var stderr, stdout strings.Builder
	// step runs refdesk; wantCode -1 accepts any failure.
	step := func(wantCode int, envv []string, args ...string) string {
		t.Helper()
		code, out, errs := run(t, envv, args...)
		if code != wantCode && (wantCode != -1 || code == ExitOK) {
			t.Fatalf("%v: exit %d, want %d; stderr %q", args, code, wantCode, errs)
		}
		stderr.WriteString(errs)
		stdout.WriteString(out)
		return out
	}

	step(ExitOK, env, "sync")
	two := "[" + referralJSON(patients[0], from, to, patients[0].LastName+"_"+patients[0].FirstName+"_letter.pdf") +
		"," + referralJSON(patients[1], from, to, "") + "]"
	step(ExitOK, env, "submit", "--wait", "--timeout", "30s", writeFile(t, "two.json", two))
	sb.SetFailureRate(1)
	step(ExitFailed, env, "submit", "--wait", "--timeout", "30s", writeFile(t, "fail.json", referralJSON(patients[2], from, to, "")))
	// Refused before sending (no extension), and refused by Cobalt (an
	// unknown provider): the messages are Cobalt's, without PHI.
	step(ExitUsage, env, "submit", writeFile(t, "noext.json", referralJSON(patients[0], from, to, "letter")))
	step(ExitUsage, env, "submit", "--yes", writeFile(t, "unknown.json", referralJSON(patients[1], from, "NO-SUCH-PROV", "")))
	// Cobalt failing (5xx on every call): the desk logs what happened.
	sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	step(-1, env, "submit", "--yes", writeFile(t, "5xx.json", referralJSON(patients[1], from, to, "")))
	sb.SetFaults(sandbox.Faults{})
	listing := step(ExitOK, env, "referrals")
	if !strings.Contains(listing, patients[0].LastName) {
		t.Errorf("the listing does not show the patient (the PHI scan may be looking for the wrong text): %q", listing)
	}
	step(ExitOK, env, "referrals", "--json")
	bad := append(append([]string{}, env...), "COBALT_CLIENT_SECRET="+wrongSecret)
	if loadConfig(bad).ClientSecret != wrongSecret {
		t.Fatal("the wrong secret is not the one in force")
	}
	step(ExitUnreachable, bad, "sync")

	// The embedded sandbox with a webhook receiver: completions by webhook
	// signed with the configured secret.
	data2 := t.TempDir()
	env2 := []string{"COBALT_WEBHOOK_SECRET=" + leakWebhook, "REFDESK_DATA_DIR=" + data2, "HOME=" + t.TempDir()}
	step(ExitFailed, env2, "submit", "--wait", "--timeout", "30s", "--failure-rate", "1", "--delay", "20ms-50ms",
		writeFile(t, "page.json", referralJSON(patients[0], "PROV-001", "PROV-002", "")))
	embedded := sandbox.New(sandbox.Options{}).Directory().Patient(0) // the same synthetic patient
	forbidden = append(forbidden, phi(embedded)...)

	scan(t, "stdout", stdout.String(), secrets)
	scan(t, "stderr", stderr.String(), append(append([]string{}, secrets...), forbidden...))
	// The operator's lines must be there for the scan to cover them.
	mustLog := map[string][]string{
		data:  {`"msg":"directory sync"`, `"msg":"referral status"`, `"status":"completed"`, `"status":"failed"`},
		data2: {`"msg":"webhook accepted"`, `"msg":"referral status"`},
	}
	for _, d := range []string{data, data2} {
		log, err := os.ReadFile(filepath.Join(d, "refdesk.log"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(log), `"level"`) {
			t.Fatalf("the log is empty (%d bytes): the scan would prove nothing", len(log))
		}
		for _, line := range mustLog[d] {
			if !strings.Contains(string(log), line) {
				t.Errorf("log %s has no %s line", filepath.Base(d), line)
			}
		}
		t.Logf("%s: %d log lines scanned", filepath.Base(d), strings.Count(string(log), "\n"))
		scan(t, "log "+filepath.Base(d), string(log), append(append([]string{}, secrets...), forbidden...))
	}
	checkModes(t, data, "refdesk.db", "refdesk.log")
	checkModes(t, data2, "sandbox.db", "refdesk.log")
}
