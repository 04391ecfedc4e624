// Package icd10 is the U.S. ICD-10-CM code set: parse it, look a code up,
// search by words or code prefix, and check codes before they are sent.
// It depends on nothing else in refdesk.
//
// The FY2027 set is embedded (data/, see data/SOURCE.md). A Set is parsed
// lazily, once, on first use, and is immutable afterwards, so one Set is
// shared by every SSH session of a process.
package icd10

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed data/icd10cm-codes-fy2027.tsv.gz
var embeddedFY2027 []byte

// EmbeddedYear is the fiscal year of the embedded set.
const EmbeddedYear = 2027

// embedded is the embedded set. It is package-level but immutable: the
// *Set never changes after it is made, and its contents are parsed once
// behind its own sync.Once on first use. Sharing it costs no memory per
// session and no parse per session.
var embedded = sync.OnceValue(func() *Set {
	return newLazy(EmbeddedYear, "embedded", func() (string, error) { return gunzip(embeddedFY2027) })
})

// Embedded is the FY2027 set built into the program.
func Embedded() *Set { return embedded() }

// Code is one entry of the set.
type Code struct {
	Code     string // canonical: upper case, dot after the third character
	Desc     string // the official long description
	Billable bool   // valid for submission; false for a header (category)
}

// Set is one fiscal year's code list. Its methods are safe for concurrent
// use; the list is parsed on first use.
type Set struct {
	year   int
	origin string // "embedded" or the file it was loaded from
	once   sync.Once
	read   func() (string, error)
	d      *data
	err    error
}

func newLazy(year int, origin string, read func() (string, error)) *Set {
	return &Set{year: year, origin: origin, read: read}
}

// Year is the fiscal year (2027 for FY2027).
func (s *Set) Year() int { return s.year }

// Name is the set's name as shown to users: "ICD-10-CM FY2027".
func (s *Set) Name() string { return fmt.Sprintf("ICD-10-CM FY%d", s.year) }

// Origin says where the set came from: "embedded" or a file path.
func (s *Set) Origin() string { return s.origin }

// Expires is when the next fiscal year's set takes effect (October 1st of
// Year): from then on this set may be out of date.
func (s *Set) Expires() time.Time { return time.Date(s.year, time.October, 1, 0, 0, 0, 0, time.UTC) }

// Stale reports whether the set may be out of date at now.
func (s *Set) Stale(now time.Time) bool { return !now.Before(s.Expires()) }

// Load parses the set now if it is not parsed yet, and reports a parse
// error (only an imported file can have one; the embedded set is tested).
func (s *Set) Load() error {
	s.get()
	return s.err
}

// get parses once. A set that fails to parse behaves as empty.
func (s *Set) get() *data {
	s.once.Do(func() {
		var b string
		b, s.err = s.read()
		if s.err == nil {
			s.d, s.err = parseTSV(b)
		}
		if s.err != nil {
			s.d = &data{}
		}
		s.read = nil
	})
	return s.d
}

// Len is the number of codes, headers included.
func (s *Set) Len() int { return len(s.get().entries) }

// Billable is the number of billable codes.
func (s *Set) Billable() int { return s.get().billable }

// Lookup finds a code written in any case, with or without its dot.
func (s *Set) Lookup(code string) (Code, bool) {
	d := s.get()
	i, ok := d.find(Canonical(code))
	if !ok {
		return Code{}, false
	}
	return d.code(i), true
}

// Describe is the description of a code, or "" when it is not in the set.
func (s *Set) Describe(code string) string {
	c, _ := s.Lookup(code)
	return c.Desc
}

// Canonical writes a code as the set does: upper case, spaces removed, a
// dot after the third character when there are more than three.
func Canonical(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	c = strings.ReplaceAll(c, ".", "")
	if len(c) > 3 {
		c = c[:3] + "." + c[3:]
	}
	return c
}

// entry is one code, as offsets into data.blob: the code is
// blob[off:off+codeLen], the description follows after a tab.
type entry struct {
	off      uint32
	descLen  uint16
	codeLen  uint8
	billable bool
}

// data is a parsed set. Entries are in code order; index holds the word
// index for search, built on the first search by words (a check or a
// lookup does not need it).
type data struct {
	blob     string
	entries  []entry
	billable int
	indexed  sync.Once
	index
}

func (d *data) codeAt(i int) string {
	e := d.entries[i]
	return d.blob[e.off : e.off+uint32(e.codeLen)]
}

func (d *data) descAt(i int) string {
	e := d.entries[i]
	start := e.off + uint32(e.codeLen) + 1
	return d.blob[start : start+uint32(e.descLen)]
}

func (d *data) code(i int) Code {
	return Code{Code: d.codeAt(i), Desc: d.descAt(i), Billable: d.entries[i].billable}
}

// find is the index of a canonical code.
func (d *data) find(c string) (int, bool) {
	i := sort.Search(len(d.entries), func(i int) bool { return d.codeAt(i) >= c })
	return i, i < len(d.entries) && d.codeAt(i) == c
}

// under is the range [lo, hi) of codes that begin with the canonical
// prefix p (p itself first when it is a code). Dotted codes sort as their
// undotted forms do, since every dot is after the third character.
func (d *data) under(p string) (int, int) {
	lo := sort.Search(len(d.entries), func(i int) bool { return d.codeAt(i) >= p })
	hi := lo + sort.Search(len(d.entries)-lo, func(i int) bool {
		return !strings.HasPrefix(d.codeAt(lo+i), p)
	})
	return lo, hi
}

// children lists the billable codes under a header, at most max, and how
// many there are.
func (d *data) children(i, limit int) ([]Code, int) {
	lo, hi := d.under(d.codeAt(i))
	var out []Code
	n := 0
	for j := lo; j < hi; j++ {
		if d.entries[j].billable {
			n++
			if len(out) < limit {
				out = append(out, d.code(j))
			}
		}
	}
	return out, n
}

// gunzip decompresses b into a string without a second copy (the
// strings.Builder's buffer becomes the string).
func gunzip(b []byte) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	defer zr.Close()
	var sb strings.Builder
	sb.Grow(9 << 20)
	if _, err := io.Copy(&sb, zr); err != nil {
		return "", err
	}
	return sb.String(), nil
}
