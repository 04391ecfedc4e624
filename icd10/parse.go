package icd10

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// LineError is a file refused whole: the first bad line and why.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string {
	if e.Line <= 0 {
		return e.Msg
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// validCode reports whether c has the canonical form of an ICD-10-CM code:
// a letter, two letters or digits, then optionally a dot and 1 to 4 more.
func validCode(c string) bool {
	if len(c) < 3 || len(c) > 8 || len(c) == 4 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		switch {
		case i == 3:
			if b != '.' {
				return false
			}
		case i == 0:
			if b < 'A' || b > 'Z' {
				return false
			}
		default:
			if !(b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
				return false
			}
		}
	}
	return true
}

// parseTSV reads CODE<TAB>DESCRIPTION<TAB>BILLABLE lines, sorted by code
// with no repeats, and builds the search index. It refuses the whole text
// at the first bad line.
func parseTSV(blob string) (*data, error) {
	d := &data{blob: blob}
	d.entries = make([]entry, 0, strings.Count(blob, "\n")+1)
	prev := ""
	for off, line := 0, 1; off < len(blob); line++ {
		end := strings.IndexByte(blob[off:], '\n')
		if end < 0 {
			end = len(blob) - off
		}
		text := blob[off : off+end]
		e, err := parseLine(text, off)
		if err != nil {
			return nil, &LineError{Line: line, Msg: err.Error()}
		}
		code := text[:e.codeLen]
		if code <= prev {
			return nil, &LineError{Line: line, Msg: fmt.Sprintf("%s is out of order or repeated (after %s); codes must be sorted", code, prev)}
		}
		prev = code
		if e.billable {
			d.billable++
		}
		d.entries = append(d.entries, e)
		off += end + 1
	}
	if len(d.entries) == 0 {
		return nil, &LineError{Line: 1, Msg: "no codes"}
	}
	if len(blob) > math.MaxUint32 {
		return nil, &LineError{Line: len(d.entries), Msg: "file too large"}
	}
	return d, nil
}

func parseLine(text string, off int) (entry, error) {
	// Three fields, cut without allocating (98,000 lines on first use).
	var f [3]string
	rest := text
	for i := range f {
		j := strings.IndexByte(rest, '\t')
		if i == 2 {
			j = len(rest)
			if strings.IndexByte(rest, '\t') >= 0 {
				j = -1
			}
		}
		if j < 0 {
			return entry{}, fmt.Errorf("want CODE<TAB>DESCRIPTION<TAB>BILLABLE (3 fields), found %d", strings.Count(text, "\t")+1)
		}
		f[i] = rest[:j]
		if j < len(rest) {
			rest = rest[j+1:]
		} else {
			rest = ""
		}
	}
	if !validCode(f[0]) {
		return entry{}, fmt.Errorf("%q is not an ICD-10-CM code written with its dot (e.g. I10, Z87.39)", f[0])
	}
	if strings.TrimSpace(f[1]) == "" || len(f[1]) > math.MaxUint16 {
		return entry{}, fmt.Errorf("%s has no description", f[0])
	}
	if f[2] != "0" && f[2] != "1" {
		return entry{}, fmt.Errorf("%s: billable must be 1 or 0, not %q", f[0], f[2])
	}
	return entry{off: uint32(off), codeLen: uint8(len(f[0])), descLen: uint16(len(f[1])), billable: f[2] == "1"}, nil
}

// orderToTSV converts CMS's order file (icd10cm-order-YYYY.txt: fixed
// columns, code at 7-13 without its dot, the valid flag at 15, the short
// description at 17-76 and the long one from 78) to the TSV form, sorted.
func orderToTSV(text string) (string, error) {
	type row struct{ code, desc, flag string }
	var rows []row
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(line) < 78 {
			return "", &LineError{Line: i + 1, Msg: fmt.Sprintf("too short for an order file line (%d characters; the long description starts at column 78)", len(line))}
		}
		code := Canonical(strings.TrimSpace(line[6:13]))
		flag := line[14:15]
		desc := strings.TrimSpace(line[77:])
		switch {
		case !validCode(code):
			return "", &LineError{Line: i + 1, Msg: fmt.Sprintf("columns 7-13 hold %q, not an ICD-10-CM code", strings.TrimSpace(line[6:13]))}
		case flag != "0" && flag != "1":
			return "", &LineError{Line: i + 1, Msg: fmt.Sprintf("column 15 holds %q; the valid flag must be 1 or 0", flag)}
		case desc == "" || strings.Contains(desc, "\t"):
			return "", &LineError{Line: i + 1, Msg: code + " has no long description from column 78"}
		}
		rows = append(rows, row{code, desc, flag})
	}
	// The order file is in tabular order, not code order: sort.
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.code, b.code) })
	var b strings.Builder
	for i, r := range rows {
		if i > 0 && rows[i-1].code == r.code {
			return "", &LineError{Line: 0, Msg: r.code + " appears twice"}
		}
		b.WriteString(r.code + "\t" + r.desc + "\t" + r.flag + "\n")
	}
	return b.String(), nil
}
