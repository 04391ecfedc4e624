package search

import (
	"unicode"
	"unicode/utf8"
)

// A byte-level port of sahilm/fuzzy v0.1.3's matching loop (FindFromIterNoSort)
// for the candidate pass: same rules, same scores, same matches, but no
// allocation per row and a fast skip over bytes that cannot change the
// matcher's state. sahilm itself still computes the highlighted positions of
// the rows returned (snapshot.result), and the tests check this port against
// sahilm.Find on random rows and queries (scores and match sets).

// lowerASCII lowers ASCII letters; other bytes map to themselves.
var lowerASCII = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

// eqRune is sahilm's equalFold for a text rune c and a pattern rune p (ASCII
// lowered). In folded text no non-ASCII rune folds to an ASCII one (the
// Kelvin sign and long s are folded away), so mixed pairs never match.
func eqRune(c, p rune) bool {
	if c < utf8.RuneSelf {
		return p < utf8.RuneSelf && rune(lowerASCII[c]) == p
	}
	return p >= utf8.RuneSelf && equalFold(c, p)
}

// equalFold is sahilm's equalFold (taken from strings.EqualFold).
func equalFold(tr, sr rune) bool {
	if tr == sr {
		return true
	}
	if tr < sr {
		tr, sr = sr, tr
	}
	if tr < utf8.RuneSelf {
		return 'A' <= sr && sr <= 'Z' && tr == sr+'a'-'A'
	}
	r := unicode.SimpleFold(sr)
	for r != sr && r < tr {
		r = unicode.SimpleFold(r)
	}
	return r == tr
}

func isLower(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z'
	}
	return unicode.IsLower(r)
}

func isUpper(r rune) bool {
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.IsUpper(r)
}

func isSep(r rune) bool {
	return r == '/' || r == '-' || r == '_' || r == ' ' || r == '.' || r == '\\'
}

// cased restores the case of arena byte b at arena offset at.
func cased(b byte, up []uint64, at int) rune {
	if up[at>>6]&(1<<(at&63)) != 0 {
		return rune(b - 'a' + 'A')
	}
	return rune(b)
}

// splitCase lowers the ASCII letters of a folded text in place and
// records which were upper case in up, from bit base on.
func splitCase(s []byte, up []uint64, base int) {
	for j, b := range s {
		if 'A' <= b && b <= 'Z' {
			s[j] = b + 'a' - 'A'
			up[(base+j)>>6] |= 1 << ((base + j) & 63)
		}
	}
}

// saturate caps sahilm's adjacency bonus and the running total. sahilm's
// bonus triples with each adjacent character (5, 15, 45, ...), so a query
// of about 40 adjacent characters overflows int64: sahilm then returns
// negative scores, repeated positions, or no match at all (a 44-character
// query typed from a row's text found nothing). Saturating at 2^56 keeps
// sahilm's scores exactly wherever they stay below it (about 35 adjacent
// characters).
const saturate = 1 << 56

// score runs sahilm's matcher over the folded text s and reports its score
// and whether every pattern rune matched.
//
// s is a text as the arena keeps it (ASCII letters lowered); up has a bit
// set at base+j when byte j was an upper-case letter (for the camel-case
// bonus).
func (p *pattern) score(s []byte, up []uint64, base int) (int, bool) {
	return p.scorePos(s, up, base, nil)
}

// scorePos is score that also appends, when pos is not nil, the byte
// offsets in s of the matched characters (sahilm's MatchedIndexes).
func (p *pattern) scorePos(s []byte, up []uint64, base int, pos *[]int) (int, bool) {
	m, n := len(p.runes), len(s)
	if m == 0 || n == 0 {
		return 0, false
	}
	total, matched := 0, 0
	pi, best, mi, curr, lastMatch := 0, -1, -1, 0, -1
	var last rune
	lastIndex := 0
	for j := 0; j < n; {
		// Skip runes that neither match runes[pi] nor precede a rune that
		// may match runes[pi+1] (or the end): they only move last/lastIndex.
		// s[k] is a rune start: skipped bytes are ASCII, or every non-ASCII
		// byte stops.
		t := &p.stop[pi]
		k := j
		for k < n && !t[s[k]] {
			k++
		}
		if k > j && mi < 0 {
			// No candidate is pending, so no commit can happen before k.
			if k == n {
				break // and none can come: runes[pi] does not occur again
			}
			if s[k-1] < utf8.RuneSelf {
				last, lastIndex = cased(s[k-1], up, base+k-1), k-1
			} else {
				var size int
				last, size = utf8.DecodeLastRune(s[:k])
				lastIndex = k - size
			}
			j = k
		} else if k-1 > j {
			j = k - 1
			if s[j] >= utf8.RuneSelf { // inside a skipped multi-byte rune
				_, size := utf8.DecodeLastRune(s[:k])
				j = k - size
			}
			if j > 0 && s[j-1] < utf8.RuneSelf {
				last, lastIndex = cased(s[j-1], up, base+j-1), j-1
			} else if j > 0 {
				var size int
				last, size = utf8.DecodeLastRune(s[:j])
				lastIndex = j - size
			}
		}
		c, size := cased(s[j], up, base+j), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRune(s[j:])
		}
		if eqRune(c, p.runes[pi]) {
			sc := 0
			if j == 0 {
				sc += 10
			}
			if isLower(last) && isUpper(c) {
				sc += 20
			}
			if j != 0 && isSep(last) {
				sc += 20
			}
			if matched > 0 && lastMatch == lastIndex {
				b := min(curr*2+5, saturate)
				sc += b
				curr = min(curr+b, saturate)
			}
			if sc > best {
				best, mi = sc, j
			}
		}
		if mi > -1 {
			var nextp, nextc rune
			if pi < m-1 {
				nextp = p.runes[pi+1]
			}
			if j+size < n {
				if nextc = rune(s[j+size]); nextc >= utf8.RuneSelf {
					nextc, _ = utf8.DecodeRune(s[j+size:])
				}
			}
			if nextc == 0 || eqRune(nextc, nextp) {
				if matched == 0 {
					best += max(mi*-5, -15)
				}
				total = min(total+best, saturate)
				matched++
				if pos != nil {
					*pos = append(*pos, mi)
				}
				lastMatch = mi
				best, mi = -1, -1
				pi++
				if pi == m { // only at the last rune: nextp is 0 there
					break
				}
			}
		}
		lastIndex, last = j, c
		j += size
	}
	return total + matched - n, matched == m
}

// oneScores computes, in one pass over the folded text s, sahilm's score
// for every one-byte ASCII query that matches s, for each lowered ASCII
// byte c present in s: it fills chars[:k] and
// scores[:k] and returns k. It also sets in *starts the charBit of every
// character found where sahilm gives a position bonus (a word start).
func oneScores(s []byte, up []uint64, base int, chars *[128]byte, scores *[128]int, starts *uint64) int {
	var best, at [128]int16
	n := len(s)
	var seen [128]bool
	order := chars
	k := 0
	var last rune
	for j := 0; j < n; {
		c, size := cased(s[j], up, base+j), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRune(s[j:])
		}
		hump := isLower(last) && isUpper(c)
		if hump {
			*starts |= camelBit
		}
		if hump || j != 0 && isSep(last) {
			switch j {
			case 1:
				*starts |= pos1Bit
			case 2:
				*starts |= pos2Bit
			}
		}
		if c < utf8.RuneSelf {
			lc := lowerASCII[c]
			sc := int16(0)
			if j == 0 {
				sc += 10
			}
			if hump {
				sc += 20
			}
			if j != 0 && isSep(last) {
				sc += 20
			}
			if !seen[lc] {
				seen[lc] = true
				order[k] = lc
				k++
				best[lc], at[lc] = sc, int16(min(j, 1<<14))
			} else if sc > best[lc] {
				best[lc], at[lc] = sc, int16(min(j, 1<<14))
			}
		}
		last = c
		j += size
	}
	for x, lc := range order[:k] {
		scores[x] = int(best[lc]) + max(int(at[lc])*-5, -15) + 1 - n
		if best[lc] > 0 {
			*starts |= charBit(lc)
		}
	}
	return k
}
