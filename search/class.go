package search

import (
	"bytes"
	"strings"
)

// The re-ranking on top of sahilm's score. sahilm subtracts one point per
// byte of the text, so a short row with a scattered match ("alv" in "Allen,
// Kevin") outranks a longer row where the query starts a word ("Alvarez,
// Maria · Cardiology · Springfield, IL …"), and an id typed in full can rank
// below rows that merely contain its digits. So every match gets a class,
// compared before the score:
//
//	3  the entry's Key equals the query (trimmed; ASCII case ignored for
//	   keys written all lower or all upper case)
//	2  the whole query (trimmed) is a phrase of the text: it starts at a
//	   word start and ends at a word end ("20002" in "EHR 20002")
//	1  every word of the query starts a word of the text ("alv", "chen ped")
//	0  any other fuzzy match
//
// A word start is byte 0, a byte after one that is not a letter or digit
// (any non-ASCII byte counts as a letter), or an upper-case letter after a
// lower-case one; a word end is the mirror. Comparison is on the folded
// text with ASCII lowered (non-ASCII letters that fold to nothing compare
// byte for byte); the words of a query are separated by ASCII white space.
// Ranking is then: active first, class, sahilm's score,
// recency, entry order. The class is packed above the score in hit.score.

// classShift places the class above any score (scores stay below 2^57,
// see saturate).
const classShift = 60

// pack is the ranking value of a match of class cls and score sc.
func pack(cls int, sc int) int64 { return int64(cls)<<classShift + int64(sc) }

// alnum: ASCII letters (lowered) and digits, and every non-ASCII byte.
func alnum(b byte) bool {
	return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b >= 0x80
}

// upperAt reports whether arena byte at was an upper-case letter.
func upperAt(up []uint64, at int) bool { return up[at>>6]&(1<<(at&63)) != 0 }

// wordStart reports whether byte j of s (an arena text at base) starts a word.
func wordStart(s []byte, up []uint64, base, j int) bool {
	if j == 0 || !alnum(s[j-1]) {
		return true
	}
	return hump(s, up, base, j)
}

// wordEnd reports whether a word of s ends before byte e.
func wordEnd(s []byte, up []uint64, base, e int) bool {
	if e >= len(s) || !alnum(s[e]) {
		return true
	}
	return hump(s, up, base, e)
}

// hump: byte j is an upper-case letter after a lower-case one.
func hump(s []byte, up []uint64, base, j int) bool {
	a, b := s[j-1], s[j]
	return 'a' <= a && a <= 'z' && 'a' <= b && b <= 'z' && !upperAt(up, base+j-1) && upperAt(up, base+j)
}

// endBit is the bit, in a row's wstarts mask, of an ASCII letter (lowered)
// that ends a word: bits 36-61, which charBit leaves free. Other bytes
// have none (a phrase ending in one is always assumed possible).
func endBit(c byte) uint64 {
	if 'a' <= c && c <= 'z' {
		return 1 << (36 + c - 'a')
	}
	return 0
}

// wordChars records, for the ASCII bytes of s found at a word start,
// ws[c] (and single[c] when that byte is a whole word), and returns their
// charBit mask with the endBit of the letters that end a word. The
// caller clears ws and single between texts.
func wordChars(s []byte, up []uint64, base int, ws, single *[128]bool) uint64 {
	var mask uint64
	for j := range s {
		c := s[j]
		if c >= 0x80 {
			continue
		}
		end := wordEnd(s, up, base, j+1)
		if end {
			mask |= endBit(c)
		}
		if !wordStart(s, up, base, j) {
			continue
		}
		ws[c] = true
		mask |= charBit(c)
		if end {
			single[c] = true
		}
	}
	return mask
}

// classPlan is the query side of the classes.
type classPlan struct {
	phrase []byte   // the trimmed query
	words  [][]byte // its words
	wmask  uint64   // charBit of the first byte of every word (ASCII ones)
	pend   uint64   // endBit of the phrase's last byte
	wpairs pairSet  // the adjacent pairs within the words (ASCII ones)
	keyID  int64    // the id whose Key equals the query in this snapshot, or -1
}

// isSpace is ASCII white space, which separates the words of a query.
func isSpace(r rune) bool { return r == ' ' || '\t' <= r && r <= '\r' }

func newClassPlan(norm string) classPlan {
	cp := classPlan{phrase: []byte(strings.TrimFunc(norm, isSpace)), keyID: -1}
	for _, w := range strings.FieldsFunc(norm, isSpace) {
		cp.words = append(cp.words, []byte(w))
		if w[0] < 0x80 {
			cp.wmask |= charBit(w[0])
		}
		ps := pairsOf([]byte(w))
		for i := range ps {
			cp.wpairs[i] |= ps[i]
		}
	}
	if n := len(cp.phrase); n > 0 {
		cp.pend = endBit(cp.phrase[n-1])
	}
	return cp
}

// keyID finds the row whose Key equals the trimmed normalized query, as
// written or in ASCII upper case ("prov-001" finds "PROV-001").
func (sn *snapshot[T]) keyID(norm string) int64 {
	q := strings.TrimFunc(norm, isSpace)
	if q == "" {
		return -1
	}
	for _, k := range []string{q, strings.ToUpper(q)} {
		if id, ok := sn.lookup(k); ok {
			return int64(id)
		}
	}
	return -1
}

// maxClass is a cheap upper bound on the class of row id: -1 means "at
// most 2, compute it", otherwise the class itself (0 or 3).
func (cp *classPlan) maxClass(id uint32, wstarts uint64, pairs *pairSet) int {
	switch {
	case int64(id) == cp.keyID:
		return 3
	case len(cp.words) == 0 || cp.wmask&wstarts != cp.wmask:
		return 0
	}
	for i, w := range cp.wpairs {
		if pairs[i]&w != w {
			return 0
		}
	}
	return -1
}

// isPhrase reports whether a text whose maxClass is -1 is of class 2.
func (cp *classPlan) isPhrase(s []byte, up []uint64, base int, wstarts uint64) bool {
	return wstarts&cp.pend == cp.pend && findWord(s, up, base, cp.phrase, true)
}

// class computes the class (0, 1 or 2) of a text whose maxClass is -1.
func (cp *classPlan) class(s []byte, up []uint64, base int) int {
	for _, w := range cp.words {
		if !findWord(s, up, base, w, false) {
			return 0
		}
	}
	if findWord(s, up, base, cp.phrase, true) {
		return 2
	}
	return 1
}

// findWord reports whether w occurs in s at a word start (and, when
// whole, ending at a word end).
func findWord(s []byte, up []uint64, base int, w []byte, whole bool) bool {
	for from := 0; from+len(w) <= len(s); {
		k := bytes.Index(s[from:], w)
		if k < 0 {
			return false
		}
		at := from + k
		if wordStart(s, up, base, at) && (!whole || wordEnd(s, up, base, at+len(w))) {
			return true
		}
		from = at + 1
	}
	return false
}
