package icd10

import (
	"math/bits"
	"strings"
)

// Match is one search result.
type Match struct {
	Code
	// Codes is, for a header, how many billable codes it holds.
	Codes int
	// CodeHit is how many leading bytes of Code the query matched (a code
	// prefix search); Hits are the byte ranges of Desc its words matched.
	CodeHit int
	Hits    [][2]int
}

// Result is a search's answer: the best matches, at most the limit asked,
// and how many codes matched in all.
type Result struct {
	Matches []Match
	Total   int
	ByCode  bool // the query was read as a code prefix
}

// CodePrefix reports whether q reads as the start of a code (a letter then
// a digit: "i1", "Z87.3", "e119") rather than words.
func CodePrefix(q string) bool {
	q = strings.TrimSpace(q)
	if len(q) < 2 || strings.ContainsAny(q, " \t,;") {
		return false
	}
	c := strings.ToUpper(strings.ReplaceAll(q, ".", ""))
	if c == "" || c[0] < 'A' || c[0] > 'Z' || len(c) > 7 {
		return false
	}
	digit := false
	for i := 1; i < len(c); i++ {
		switch {
		case c[i] >= '0' && c[i] <= '9':
			if i <= 2 {
				digit = true
			}
		case c[i] >= 'A' && c[i] <= 'Z':
		default:
			return false
		}
	}
	return digit && abbreviation(strings.ToLower(c)) == nil
}

// Search finds codes by a code prefix ("I1", "z87.3") or by words of the
// description, each word a prefix ("essential hypert"). Billable codes
// come first; then, among words, codes matching more words whole, those
// whose description starts with the first word, shorter descriptions.
func (s *Set) Search(query string, limit int) Result {
	d := s.get()
	if limit <= 0 {
		limit = 50
	}
	if CodePrefix(query) {
		if r := d.searchCode(Canonical(query), limit); r.Total > 0 {
			return r
		}
	}
	return d.searchWords(query, limit)
}

// searchCode lists the codes under prefix p: p itself first, then the
// billable codes in code order, then headers.
func (d *data) searchCode(p string, limit int) Result {
	lo, hi := d.under(p)
	res := Result{Total: hi - lo, ByCode: true}
	var heads []int
	for i := lo; i < hi && len(res.Matches) < limit; i++ {
		switch {
		case d.codeAt(i) == p:
			res.Matches = append([]Match{d.match(i)}, res.Matches...)
		case d.entries[i].billable:
			res.Matches = append(res.Matches, d.match(i))
		case len(heads) < limit:
			heads = append(heads, i)
		}
	}
	for _, i := range heads {
		if len(res.Matches) >= limit {
			break
		}
		res.Matches = append(res.Matches, d.match(i))
	}
	for i := range res.Matches {
		res.Matches[i].CodeHit = min(len(p), len(res.Matches[i].Code.Code))
	}
	return res
}

func (d *data) match(i int) Match {
	m := Match{Code: d.code(i)}
	if !m.Billable {
		_, m.Codes = d.children(i, 0)
	}
	return m
}

// terms are the query's words, lower case, abbreviations spelt out.
func terms(q string) []string {
	var out []string
	tokens(q, make([]byte, 0, 32), func(w []byte, _ int) {
		t := string(w)
		words := abbreviation(t)
		if words == nil {
			words = []string{t}
		}
		for _, t := range words {
			if !containsString(out, t) {
				out = append(out, t)
			}
		}
	})
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// abbreviation spells out a few abbreviations front desks use.
func abbreviation(t string) []string {
	switch t {
	case "t2dm", "dm2":
		return []string{"type", "2", "diabetes"}
	case "t1dm", "dm1":
		return []string{"type", "1", "diabetes"}
	case "htn":
		return []string{"hypertension"}
	case "copd":
		return []string{"chronic", "obstructive", "pulmonary"}
	case "chf":
		return []string{"heart", "failure"}
	case "afib":
		return []string{"atrial", "fibrillation"}
	case "ckd":
		return []string{"chronic", "kidney", "disease"}
	case "uti":
		return []string{"urinary", "tract", "infection"}
	case "gerd":
		return []string{"gastro", "esophageal", "reflux"}
	}
	return nil
}

func (d *data) searchWords(q string, limit int) Result {
	ts := terms(q)
	if len(ts) == 0 || len(d.entries) == 0 {
		return Result{}
	}
	d.indexed.Do(d.build)
	n := len(d.entries)
	type span struct{ lo, hi int }
	spans := make([]span, len(ts))
	smallest := 0
	for i, t := range ts {
		lo, hi := d.prefixRange(t)
		if lo == hi {
			return Result{}
		}
		spans[i] = span{lo, hi}
		if d.postOff[hi]-d.postOff[lo] < d.postOff[spans[smallest].hi]-d.postOff[spans[smallest].lo] {
			smallest = i
		}
	}
	cand := newBitset(n)
	d.addWords(cand, spans[smallest].lo, spans[smallest].hi)
	for i, sp := range spans {
		if i == smallest {
			continue
		}
		other := newBitset(n)
		d.addWords(other, sp.lo, sp.hi)
		for j := range cand {
			cand[j] &= other[j]
		}
	}
	// exact[i]: codes holding term i as a whole word.
	exact := make([]bitset, len(ts))
	for i, t := range ts {
		if d.words[spans[i].lo] == t {
			exact[i] = newBitset(n)
			d.addWords(exact[i], spans[i].lo, spans[i].lo+1)
		}
	}
	// Buckets by (billable, whole words matched, a common code, starts
	// with the first term); within a bucket, rank order, so the first few
	// of each are its best.
	k := len(ts)
	buckets := make([][]uint32, 2*(k+1)*2*2)
	res := Result{}
	for w, word := range cand {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << b
			r := uint32(w*64 + b)
			res.Total++
			whole := 0
			for _, e := range exact {
				if e != nil && e.has(r) {
					whole++
				}
			}
			starts := 1
			if f := int(d.first[r]); f >= spans[0].lo && f < spans[0].hi {
				starts = 0
			}
			paid := 0
			if int(r) >= d.nBillable {
				paid = 1
			}
			rare := 1
			if d.common.has(r) {
				rare = 0
			}
			bk := ((paid*(k+1)+(k-whole))*2+rare)*2 + starts
			if len(buckets[bk]) < limit {
				buckets[bk] = append(buckets[bk], r)
			}
		}
	}
	for _, bk := range buckets {
		for _, r := range bk {
			if len(res.Matches) >= limit {
				break
			}
			m := d.match(int(d.byRank[r]))
			m.Hits = hits(m.Desc, ts)
			res.Matches = append(res.Matches, m)
		}
	}
	return res
}

// hits are the byte ranges of desc whose words begin with a term.
func hits(desc string, ts []string) [][2]int {
	var out [][2]int
	tokens(desc, make([]byte, 0, 32), func(w []byte, start int) {
		best := 0
		for _, t := range ts {
			if len(t) > best && strings.HasPrefix(string(w), t) {
				best = len(t)
			}
		}
		if best > 0 {
			out = append(out, [2]int{start, start + best})
		}
	})
	return out
}
