package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
)

const pageExample = `{
    "patient_mrn": "1234567",
    "referring_from_provider_ehr_id": "PROV-001",
    "referring_to_provider_ehr_id": "PROV-002",
    "direction": "outgoing",
    "priority": "urgent",
    "reason": "Cardiology consultation",
    "diagnosis_codes": ["I10", "Z87.39"]
}`

// externalSandbox runs a sandbox on loopback and returns the environment
// that points refdesk at it as if it were a Cobalt account (no webhook
// receiver: completion comes by polling).
func externalSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, []string) {
	t.Helper()
	rig := sandboxtest.Start(t, sandboxtest.Options{Sandbox: opts})
	return rig.Sandbox, append(rig.Environ(), "REFDESK_DATA_DIR="+t.TempDir(), "HOME="+t.TempDir())
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSubmitWaitCompletedByPolling(t *testing.T) {
	sb, env := externalSandbox(t, sandbox.Options{FailureRate: sandbox.Rate(0), DelayMin: 50e6, DelayMax: 100e6})
	file := writeFile(t, "ref.json", pageExample)
	// Flags after the file, as the README writes it.
	code, out, errs := run(t, env, "submit", file, "--wait", "--timeout", "30s", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errs, out)
	}
	var res []submitResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if len(res) != 1 || res[0].Status != "completed" || res[0].EHRID == "" || res[0].ReferralID == "" {
		t.Fatalf("result %+v", res)
	}
	if n := sb.Stats().Referrals; n != 1 {
		t.Fatalf("the sandbox holds %d referrals, want 1", n)
	}
}

func TestSubmitForcedFailureExits1WithReason(t *testing.T) {
	// The embedded sandbox this time, completions by webhook.
	env := []string{"REFDESK_DATA_DIR=" + t.TempDir(), "HOME=" + t.TempDir()}
	file := writeFile(t, "ref.json", pageExample)
	code, out, errs := run(t, env, "submit", "--wait", "--timeout", "30s", "--failure-rate", "1", "--delay", "50ms-100ms", file)
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, out, errs)
	}
	if !strings.Contains(out, "Failed: ") || !strings.Contains(errs, "embedded sandbox") {
		t.Fatalf("stdout %q lacks Cobalt's reason, or stderr %q does not say sandbox", out, errs)
	}
}

func TestSubmitInvalidInputSendsNothing(t *testing.T) {
	sb, env := externalSandbox(t, sandbox.Options{})
	cases := []struct{ name, body, want string }{
		{"missing", `{"patient_mrn": "1234567", "referring_from_provider_ehr_id": "PROV-001", "referring_to_provider_ehr_id": "PROV-002", "direction": "outgoing", "priority": "urgent"}`,
			"Missing required fields: reason."},
		{"priority", strings.Replace(pageExample, `"urgent"`, `"soon"`, 1), "Invalid priority. Must be one of: routine, urgent, stat."},
		{"direction", strings.Replace(pageExample, `"outgoing"`, `"sideways"`, 1), "Invalid direction. Must be one of: incoming, outgoing."},
		{"document", strings.Replace(pageExample, `"diagnosis_codes"`, `"documents": [{"filename": "scan", "content_base64": "aGk="}], "diagnosis_codes"`, 1),
			`documents[0].filename must include a file extension (e.g. "report.pdf").`},
		{"patient", strings.Replace(pageExample, `"1234567"`, `"999999999"`, 1), "999999999"},
		{"array second bad", "[" + pageExample + "," + strings.Replace(pageExample, `"urgent"`, `"soon"`, 1) + "]", "referral 2: Invalid priority."},
		{"not json", `{"patient_mrn": `, "not valid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := run(t, env, "submit", writeFile(t, "r.json", c.body))
			if code != ExitUsage || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errs, c.want)
			}
		})
	}
	if n := sb.Stats().Referrals; n != 0 {
		t.Fatalf("invalid input reached the sandbox: %d referrals", n)
	}
}

func TestSubmitDuplicateNeedsYes(t *testing.T) {
	sb, env := externalSandbox(t, sandbox.Options{})
	file := writeFile(t, "ref.json", pageExample)
	if code, _, errs := run(t, env, "submit", file); code != ExitOK {
		t.Fatalf("first submit: exit %d %q", code, errs)
	}
	code, _, errs := run(t, env, "submit", file)
	if code != ExitUsage || !strings.Contains(errs, "--yes") {
		t.Fatalf("duplicate: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := run(t, env, "submit", "--yes", file); code != ExitOK {
		t.Fatalf("--yes: exit %d %q", code, errs)
	}
	if n := sb.Stats().Referrals; n != 2 {
		t.Fatalf("sandbox holds %d referrals, want 2", n)
	}
}

func TestSubmitDocumentByPath(t *testing.T) {
	sb, env := externalSandbox(t, sandbox.Options{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "consult-note.pdf"), []byte("%PDF-1.4 test"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(pageExample, `"diagnosis_codes"`, `"documents": [{"path": "consult-note.pdf"}], "diagnosis_codes"`, 1)
	p := filepath.Join(dir, "ref.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := run(t, env, "submit", p); code != ExitOK || !strings.Contains(out, "referral_id=") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if n := sb.Stats().Referrals; n != 1 {
		t.Fatalf("sandbox holds %d referrals", n)
	}
}

func TestReferralsJSONAndCSVAgree(t *testing.T) {
	_, env := externalSandbox(t, sandbox.Options{FailureRate: sandbox.Rate(0)})
	second := strings.NewReplacer(`"Cardiology consultation"`, `"=HYPERLINK(\"x\"), follow-up, \"quoted\""`).Replace(pageExample)
	for _, body := range []string{pageExample, second} {
		if code, _, errs := run(t, env, "submit", "--yes", writeFile(t, "r.json", body)); code != ExitOK {
			t.Fatalf("submit: exit %d %q", code, errs)
		}
	}
	code, jsonOut, errs := run(t, env, "referrals", "--json")
	if code != ExitOK {
		t.Fatalf("referrals --json: %d %q", code, errs)
	}
	var rows []referralRow
	if err := json.Unmarshal([]byte(jsonOut), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("json rows %d, err %v\n%s", len(rows), err, jsonOut)
	}
	// Which one: the patient's DOB, the providers' details (submit fills
	// them from the directories); the table shows them too.
	if r := rows[0]; r.PatientDOB == "" || !strings.Contains(r.FromProvider, "NPI ") || !strings.Contains(r.ToProvider, "EHR PROV-002") {
		t.Fatalf("row without what tells namesakes apart: %+v", r)
	}
	if code, table, _ := run(t, env, "referrals"); code != ExitOK || !strings.Contains(table, "· DOB ") || !strings.Contains(table, "· MRN 1234567") {
		t.Fatalf("table (exit %d):\n%s", code, table)
	}
	code, csvOut, _ := run(t, env, "referrals", "--csv")
	if code != ExitOK {
		t.Fatalf("referrals --csv exit %d", code)
	}
	recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("csv records %d, err %v", len(recs), err)
	}
	for i, r := range rows {
		want := r.fields()
		for j, got := range recs[i+1] {
			// Cells a spreadsheet would run as formulas are written with a
			// leading apostrophe: the only change CSV makes.
			if strings.HasPrefix(got, "'") && strings.ContainsRune("=+-@", rune(want[j][0])) {
				got = got[1:]
			}
			if got != want[j] {
				t.Errorf("row %d column %s: csv %q, json %q", i, referralColumns[j], got, want[j])
			}
		}
	}
	if !strings.HasPrefix(rows[0].Reason, "=HYPERLINK") {
		t.Fatalf("newest first expected, got %q", rows[0].Reason)
	}
	code, out, _ := run(t, env, "referrals", "--status", "completed,nonsense")
	if code != ExitUsage {
		t.Fatalf("bad status: exit %d %q", code, out)
	}
}

func TestSyncReportsCounts(t *testing.T) {
	_, env := externalSandbox(t, sandbox.Options{ReferringProviders: 1200, Patients: 250, Providers: 40})
	code, out, errs := run(t, env, "sync")
	if code != ExitOK {
		t.Fatalf("sync exit %d: %s", code, errs)
	}
	for _, want := range []string{"providers", "40 rows", "1200 rows", "250 rows", "took"} {
		if !strings.Contains(out, want) {
			t.Errorf("sync output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "synced referring providers: 1200") {
		t.Errorf("progress lines missing: %q", errs)
	}
}

func TestUnreachableCobaltExits3(t *testing.T) {
	env := append([]string{"COBALT_BASE_URL=http://127.0.0.1:1/v1", "REFDESK_DATA_DIR=" + t.TempDir()}, secretEnv...)
	code, out, errs := run(t, env, "sync")
	if code != ExitUnreachable {
		t.Fatalf("exit %d, want 3; stderr %q", code, errs)
	}
	assertNoSecrets(t, "unreachable-Cobalt error", out+errs)
}

// The size: a clinic group's 100,000 referring providers.
func TestSync100kReferringProviders(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000-row sync skipped with -short")
	}
	_, env := externalSandbox(t, sandbox.Options{ReferringProviders: 100_000})
	code, out, errs := run(t, env, "sync")
	if code != ExitOK || !strings.Contains(out, "100000 rows") {
		t.Fatalf("sync exit %d, stdout %q, stderr %q", code, out, errs)
	}
	t.Log(strings.TrimSpace(out))
}

// The listing as a table and as CSV shows what the screen shows (issue 19,
// finding 6): no bidi control, format character or line separator from a
// reason (CSV), a sender, a patient's name or Cobalt's note (table) reaches
// the terminal or the file.
func TestReferralsListingIsInert(t *testing.T) {
	hostile := "clerk\u202eevil\u2066\u2028x\u200b\u061c\x1b]0;t\x07\u00ad"
	var table strings.Builder
	if err := writeTable(&table, []referralRow{{ID: 1, Status: "failed", Sender: hostile, PatientName: hostile,
		To: hostile, EHRID: hostile, FailureReason: hostile, Priority: hostile}}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\u202e", "\u2066", "\u2028", "\u200b", "\u061c", "\u00ad", "\x1b", "\x07"} {
		if strings.Contains(table.String(), bad) {
			t.Errorf("the table prints %+q raw:\n%q", bad, table.String())
		}
	}
	if strings.Count(table.String(), "clerkevil x") != 6 {
		t.Errorf("the table lost text:\n%s", table.String())
	}

	_, env := externalSandbox(t, sandbox.Options{FailureRate: sandbox.Rate(0)})
	body := strings.NewReplacer(`"Cardiology consultation"`, `"Cardio\u202elogy\u2028consult\u2069ation\u00ad"`).Replace(pageExample)
	if code, _, errs := run(t, env, "submit", "--yes", writeFile(t, "r.json", body)); code != ExitOK {
		t.Fatalf("submit: exit %d %q", code, errs)
	}
	for _, args := range [][]string{{"referrals", "--csv"}} {
		code, out, errs := run(t, env, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d %q", args, code, errs)
		}
		for _, bad := range []string{"\u202e", "\u2066", "\u2069", "\u2028", "\u200b", "\u061c", "\u00ad", "\x1b", "\x07"} {
			if strings.Contains(out, bad) {
				t.Errorf("%v prints %+q raw:\n%q", args, bad, out)
			}
		}
		if !strings.Contains(out, "Cardiology consultation") {
			t.Errorf("%v lost the reason:\n%s", args, out)
		}
	}
}
