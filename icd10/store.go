package icd10

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Dir is the folder, inside the data directory, that holds imported sets.
const Dir = "codes"

// MinCodes is the fewest codes a file must hold to be taken for a full set
// (FY2027 has 98,403): a shorter file is a fragment, refused.
const MinCodes = 50000

var (
	storedName = regexp.MustCompile(`^icd10cm-codes-fy(\d{4})\.tsv$`)
	yearInName = regexp.MustCompile(`(?i)(?:fy|order[-_]?|codes[-_]?|^|[^0-9])(20[2-9][0-9])(?:[^0-9]|$)`)
)

// Open returns the newest set: the embedded one, or one imported into
// dataDir with Import when its fiscal year is later. An imported set is
// parsed at once (so a damaged file is reported at start, and the embedded
// set used instead, with the error).
func Open(dataDir string) (*Set, error) {
	best, year := "", EmbeddedYear
	ents, _ := os.ReadDir(filepath.Join(dataDir, Dir))
	for _, e := range ents {
		m := storedName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if y, _ := strconv.Atoi(m[1]); y > year {
			best, year = filepath.Join(dataDir, Dir, e.Name()), y
		}
	}
	if best == "" {
		return Embedded(), nil
	}
	s := newLazy(year, best, func() (string, error) {
		b, err := os.ReadFile(best)
		return string(b), err
	})
	if err := s.Load(); err != nil {
		return Embedded(), fmt.Errorf("the imported code set %s cannot be read (%v); using the embedded %s", best, err, Embedded().Name())
	}
	return s, nil
}

// YearFromName finds the fiscal year in a file's name
// ("icd10cm-order-2028.txt", "icd10cm_order_2028.txt", "codes-fy2028.tsv").
func YearFromName(name string) (int, bool) {
	m := yearInName.FindStringSubmatch(filepath.Base(name))
	if m == nil {
		return 0, false
	}
	y, _ := strconv.Atoi(m[1])
	return y, true
}

// Import reads a code set from file (CMS's order file, or the TSV form;
// gzip allowed), checks all of it, and stores it in dataDir as the set of
// fiscal year year (0: from the file's name). A bad file is refused whole
// with the line number, and nothing is stored; the store is written to a
// temporary file and renamed, so it is never half there.
func Import(dataDir, file string, year int) (*Set, error) {
	if year == 0 {
		y, ok := YearFromName(file)
		if !ok {
			return nil, fmt.Errorf("%s: the fiscal year is not in the file's name; give it with --year (e.g. --year 2028)", file)
		}
		year = y
	}
	if year < 2015 || year > 2100 {
		return nil, fmt.Errorf("fiscal year %d is not plausible", year)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	text := string(raw)
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		if text, err = gunzip(raw); err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
	}
	tsv, err := normalize(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	d, err := parseTSV(tsv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(d.entries) < MinCodes {
		return nil, fmt.Errorf("%s holds %d codes; a full ICD-10-CM set has about 98,000: refused", file, len(d.entries))
	}
	dir := filepath.Join(dataDir, Dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	dst := filepath.Join(dir, fmt.Sprintf("icd10cm-codes-fy%d.tsv", year))
	if err := writeAtomic(dst, tsv); err != nil {
		return nil, err
	}
	s := newLazy(year, dst, nil)
	s.once.Do(func() { s.d = d })
	return s, nil
}

// normalize turns either format into the TSV form: the TSV is kept (line
// endings made \n, a last empty line dropped), the order file converted.
func normalize(text string) (string, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimRight(text, "\n") + "\n"
	firstLine, _, _ := strings.Cut(text, "\n")
	if strings.Contains(firstLine, "\t") {
		return text, nil
	}
	return orderToTSV(text)
}

func writeAtomic(dst, text string) error {
	f, err := os.CreateTemp(filepath.Dir(dst), ".import-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // gone after the rename; removes a failed one
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// Version describes the set: its name, where it came from, when it took
// effect and its size.
func (s *Set) Version() string {
	from := "embedded"
	if s.origin != "embedded" {
		from = "imported, " + s.origin
	}
	return fmt.Sprintf("%s (%s): effective %d-10-01 to %d-09-30; %s codes, %s billable",
		s.Name(), from, s.year-1, s.year, thousands(s.Len()), thousands(s.Billable()))
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
