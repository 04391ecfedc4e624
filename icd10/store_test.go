package icd10

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// embeddedTSV is the embedded set as text, edited by f line by line.
func embeddedTSV(t *testing.T, f func(i int, line string) string) string {
	t.Helper()
	text, err := gunzip(embeddedFY2027)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i := range lines {
		lines[i] = f(i, lines[i])
	}
	return strings.Join(lines, "\n") + "\n"
}

// orderLine writes a TSV line as CMS's order file does: order number,
// code without its dot at 7-13, flag at 15, short description at 17-76,
// long description from 78.
func orderLine(i int, line string) string {
	f := strings.Split(line, "\t")
	short := f[1]
	if len(short) > 60 {
		short = short[:60]
	}
	return fmt.Sprintf("%05d %-7s %s %-60s %s", i+1, strings.ReplaceAll(f[0], ".", ""), f[2], short, f[1])
}

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportNewerWins(t *testing.T) {
	data := t.TempDir()
	if s, err := Open(data); err != nil || s != Embedded() {
		t.Fatalf("an empty data directory uses the embedded set: %v", err)
	}
	tsv := embeddedTSV(t, func(_ int, l string) string {
		return strings.Replace(l, "I10\tEssential (primary) hypertension", "I10\tEssential hypertension, FY2028 wording", 1)
	})
	s, err := Import(data, write(t, "icd10cm-codes-fy2028.tsv", tsv), 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Year() != 2028 || s.Describe("I10") != "Essential hypertension, FY2028 wording" {
		t.Fatalf("imported: %s %q", s.Name(), s.Describe("I10"))
	}
	got, err := Open(data)
	if err != nil || got.Name() != "ICD-10-CM FY2028" || got.Describe("i10") != "Essential hypertension, FY2028 wording" {
		t.Fatalf("Open after import: %v %s", err, got.Version())
	}
	if !strings.Contains(got.Version(), "imported") || !strings.Contains(got.Version(), "98,403 codes") {
		t.Errorf("version: %s", got.Version())
	}
	// An older set loaded later does not win.
	if _, err := Import(data, write(t, "icd10cm-order-2026.txt", embeddedTSV(t, orderLine)), 0); err != nil {
		t.Fatal(err)
	}
	if got, _ := Open(data); got.Year() != 2028 {
		t.Fatalf("the newest set must win, got %s", got.Name())
	}
}

func TestImportOrderFile(t *testing.T) {
	data := t.TempDir()
	order := embeddedTSV(t, orderLine)
	s, err := Import(data, write(t, "icd10cm-order-2029.txt", order), 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 98403 || s.Billable() != 74879 || s.Describe("Z87.39") != Embedded().Describe("Z87.39") {
		t.Fatalf("order file read as %d codes, %d billable", s.Len(), s.Billable())
	}
	if c, err := s.Check("i4201"); err != nil || c != "I42.01" {
		t.Fatalf("check on the imported set: %q %v", c, err)
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct{ name, text, want string }{
		{"icd10cm-codes-fy2028.tsv", embeddedTSV(t, func(i int, l string) string {
			if i == 499 {
				return l[:strings.LastIndex(l, "\t")] + "\tyes"
			}
			return l
		}), "line 500:"},
		{"icd10cm-codes-fy2028.tsv", embeddedTSV(t, func(i int, l string) string {
			if i == 9 {
				return "10I\tnot a code\t1"
			}
			return l
		}), "line 10:"},
		{"icd10cm-order-2028.txt", embeddedTSV(t, func(i int, l string) string {
			if i == 1234 {
				return orderLine(i, l)[:40]
			}
			return orderLine(i, l)
		}), "line 1235:"},
		{"icd10cm-codes-fy2028.tsv", "I10\tEssential (primary) hypertension\t1\n", "holds 1 codes"},
		{"codes.tsv", "I10\tEssential (primary) hypertension\t1\n", "--year"},
	} {
		_, err := Import(data, write(t, c.name, c.text), 0)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.want, err, c.want)
		}
		var le *LineError
		if strings.HasPrefix(c.want, "line") && !errors.As(err, &le) {
			t.Errorf("%s: not a LineError: %v", c.want, err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(data, Dir))
	if len(ents) != 0 {
		t.Fatalf("a refused file left %d files behind", len(ents))
	}
	if s, _ := Open(data); s != Embedded() {
		t.Fatal("a refused import changed the set in use")
	}
}

func TestYearFromName(t *testing.T) {
	for name, want := range map[string]int{"icd10cm-order-2028.txt": 2028, "icd10cm_order_2029.txt": 2029,
		"/x/icd10cm-codes-fy2030.tsv.gz": 2030, "2031-code-descriptions.txt": 2031} {
		if y, ok := YearFromName(name); !ok || y != want {
			t.Errorf("%s: %d %v", name, y, ok)
		}
	}
	if _, ok := YearFromName("icd10cm.txt"); ok {
		t.Error("a year read from no year")
	}
}
