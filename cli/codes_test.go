package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"refdesk/api/sandbox"
)

// submit refuses a file with a code outside the set before anything is
// sent: exit 2, the referral and the code named, the sandbox untouched.
func TestSubmitRefusesBadCodes(t *testing.T) {
	sb, env := externalSandbox(t, sandbox.Options{FailureRate: sandbox.Rate(0)})
	for code, want := range map[string]string{
		"I1O":          "referral 2: diagnosis_codes: I1O is not a code; did you mean I10 (Essential (primary) hypertension)?",
		"I42.0":        "referral 2: diagnosis_codes: I42.0 is a category; choose one of its codes: I42.00, I42.01, I42.09.",
		"hypertension": "referral 2: diagnosis_codes: “hypertension” is not a code; search for it",
	} {
		bad := strings.Replace(pageExample, `"Z87.39"`, `"`+code+`"`, 1)
		file := writeFile(t, "refs.json", "["+pageExample+","+bad+"]")
		c, out, errs := run(t, env, "submit", file)
		if c != ExitUsage || !strings.Contains(errs, want) || !strings.Contains(errs, "Nothing was sent") {
			t.Errorf("%s: exit %d\nstderr %q\nwant %q", code, c, errs, want)
		}
		if out != "" {
			t.Errorf("%s: printed %q", code, out)
		}
	}
	if n := sb.Stats().Referrals; n != 0 {
		t.Fatalf("the sandbox received %d referrals", n)
	}
	// Codes in any case, without dots, are sent canonical.
	file := writeFile(t, "ok.json", strings.Replace(pageExample, `["I10", "Z87.39"]`, `["i10", "z8739", "F64.A"]`, 1))
	if c, _, errs := run(t, env, "submit", file); c != ExitOK {
		t.Fatalf("FY2027 codes refused: %d %s", c, errs)
	}
	c, out, _ := run(t, env, "referrals", "--json")
	var rows []referralRow
	if c != ExitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 {
		t.Fatalf("referrals --json: %d %s", c, out)
	}
	got := rows[0].DiagnosisCodes
	if len(got) != 3 || got[0].Code != "I10" || got[0].Description != "Essential (primary) hypertension" ||
		got[1].Code != "Z87.39" || got[2].Description != "Gender identity disorder, in remission" {
		t.Errorf("codes with descriptions: %+v", got)
	}
	_, out, _ = run(t, env, "referrals", "--csv")
	if !strings.Contains(out, "diagnosis_codes,diagnosis_descriptions") ||
		!strings.Contains(out, `I10; Z87.39; F64.A,"Essential (primary) hypertension; Personal history`) {
		t.Errorf("csv:\n%s", out)
	}
}

func TestCodesCommand(t *testing.T) {
	env := []string{"REFDESK_DATA_DIR=" + t.TempDir(), "HOME=" + t.TempDir()}
	c, out, _ := run(t, env, "codes", "essential", "hypert", "--limit", "3")
	if c != ExitOK || !regexp.MustCompile(`^I10 +Essential \(primary\) hypertension\n`).MatchString(out) || strings.Count(out, "\n") != 3 {
		t.Fatalf("codes essential hypert: %d\n%s", c, out)
	}
	c, out, _ = run(t, env, "codes", "--json", "i42.0")
	var rows []codeRow
	if c != ExitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 4 ||
		rows[0] != (codeRow{"I42.0", "Dilated cardiomyopathy", false, 3}) || !rows[1].Billable {
		t.Fatalf("codes --json i42.0: %d %s", c, out)
	}
	c, _, errs := run(t, env, "codes", "I1O")
	if c != ExitFailed || !strings.Contains(errs, "did you mean I10") {
		t.Fatalf("codes I1O: %d %s", c, errs)
	}
	c, out, _ = run(t, env, "codes", "--version")
	if c != ExitOK || !strings.Contains(out, "\nICD-10-CM FY2027 (embedded)") {
		t.Fatalf("--version: %s", out)
	}
}

func TestCodesImport(t *testing.T) {
	data := t.TempDir()
	env := []string{"REFDESK_DATA_DIR=" + data, "HOME=" + t.TempDir()}
	c, _, errs := run(t, env, "codes", "import", writeFile(t, "codes.tsv", "I10\tEssential (primary) hypertension\t1\n"))
	if c != ExitUsage || !strings.Contains(errs, "--year") || !strings.Contains(errs, "Nothing was loaded") {
		t.Fatalf("import without a year: %d %s", c, errs)
	}
	c, _, errs = run(t, env, "codes", "import", "--year", "2028", writeFile(t, "codes.tsv", "I10\tEssential (primary) hypertension\t1\nI11\tbad\n"))
	if c != ExitUsage || !strings.Contains(errs, "line 2:") {
		t.Fatalf("bad file: %d %s", c, errs)
	}
	if ents, _ := os.ReadDir(filepath.Join(data, "codes")); len(ents) != 0 {
		t.Fatalf("a refused file left %d files", len(ents))
	}
}
