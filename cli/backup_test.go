package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"refdesk/state"
)

// backup --to-dir writes a checked 0600 copy and keeps the newest N; bad
// requests say what to do and write nothing.
func TestBackupToDirKeepsNewest(t *testing.T) {
	data := t.TempDir()
	d, err := state.Open(context.Background(), state.Options{Path: filepath.Join(data, "refdesk.db")})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SaveDraft(context.Background(), "front-desk-1", state.ReferralInput{Reason: "Chest pain"}); err != nil {
		t.Fatal(err)
	}
	defer d.Close() // open while backing up, as serve would be
	env := []string{"REFDESK_DATA_DIR=" + data, "HOME=" + t.TempDir()}
	dir := filepath.Join(t.TempDir(), "backups")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{"refdesk-20200101T000000Z.db", "refdesk-20200102T000000Z.db", "refdesk-20200103T000000Z.db", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, old), []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := run(t, env, "backup", "--to-dir", dir, "--keep", "2")
	if code != ExitOK {
		t.Fatalf("backup: exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "1 drafts") || !strings.Contains(out, "integrity_check ok") {
		t.Errorf("backup said %q", out)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 3 || names[0] != "notes.txt" || names[1] != "refdesk-20200103T000000Z.db" || !strings.HasPrefix(names[2], "refdesk-20") {
		t.Fatalf("the folder holds %v; want notes.txt, the newest old backup and the new one", names)
	}
	newest := filepath.Join(dir, names[2])
	if fi, _ := os.Stat(newest); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("%s is %v, want 0600", newest, fi.Mode().Perm())
	}
	if rep, err := state.Verify(context.Background(), newest); err != nil || rep.Drafts != 1 {
		t.Errorf("the new backup: %+v, %v", rep, err)
	}

	for _, bad := range [][]string{
		{"backup"},
		{"backup", "a.db", "b.db"},
		{"backup", "--to-dir", dir, "x.db"},
		{"backup", "--keep", "-1", "--to-dir", dir},
		{"backup", filepath.Join(data, "refdesk.db")},
		{"backup", "--sandbox", filepath.Join(dir, "s.db")}, // no sandbox.db here
	} {
		code, _, errs := run(t, env, bad...)
		if code != ExitUsage || !strings.Contains(errs, "refdesk backup: ") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", bad, code, errs)
		}
	}
	code, _, errs = run(t, append(env, "REFDESK_DATABASE_URL=postgres://refdesk:pw@db/refdesk"), "backup", "x.db")
	if code != ExitUsage || !strings.Contains(errs, "pg_dump") || strings.Contains(errs, "pw@") {
		t.Errorf("PostgreSQL: exit %d, stderr %q; want 2, the pg_dump command, no password", code, errs)
	}
	if after, _ := os.ReadDir(dir); len(after) != 3 {
		t.Errorf("a refused backup changed the folder: %d entries", len(after))
	}
}

// version --json names the schema the binary writes, which a backup
// reports too, and the code set in use.
func TestVersionJSON(t *testing.T) {
	code, out, _ := run(t, nil, "version", "--json")
	var v struct {
		Version string `json:"version"`
		Schema  int    `json:"schema"`
		CodeSet string `json:"code_set"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &v) != nil || v.Version != Version || v.Schema != state.SchemaVersion() || v.Schema < 1 ||
		v.CodeSet != "ICD-10-CM FY2027" {
		t.Fatalf("version --json: exit %d, %q", code, out)
	}
}

// referrals reads the clinic's database (refdesk.db) whether or not
// credentials are set; the sandbox's (sandbox.db) only with --sandbox, as
// backup does. A missing database says which one and what to do.
func TestReferralsSandboxIsExplicit(t *testing.T) {
	data := t.TempDir()
	env := []string{"REFDESK_DATA_DIR=" + data, "HOME=" + t.TempDir()} // no credentials
	open := func(name string) {
		d, err := state.Open(context.Background(), state.Options{Path: filepath.Join(data, name)})
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
	}
	open("sandbox.db")
	code, out, errs := run(t, env, "referrals")
	if code != ExitUsage || !strings.Contains(errs, filepath.Join(data, "refdesk.db")) || !strings.Contains(errs, "--sandbox") {
		t.Errorf("only sandbox.db, no --sandbox: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, errs := run(t, env, "referrals", "--sandbox", "--json"); code != ExitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("--sandbox: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if err := os.Remove(filepath.Join(data, "sandbox.db")); err != nil {
		t.Fatal(err)
	}
	open("refdesk.db")
	if code, out, errs := run(t, env, "referrals", "--json"); code != ExitOK || strings.TrimSpace(out) != "[]" || errs != "" {
		t.Errorf("refdesk.db without credentials: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, _, errs = run(t, env, "referrals", "--sandbox")
	if code != ExitUsage || !strings.Contains(errs, filepath.Join(data, "sandbox.db")) {
		t.Errorf("--sandbox without sandbox.db: exit %d, stderr %q", code, errs)
	}
}
