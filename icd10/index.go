package icd10

import (
	"slices"
	"sort"
	"strings"
)

// index finds codes by the words of their descriptions. Codes are
// numbered by rank (billable first, then shorter descriptions, then code
// order), and each word's postings list the ranks of the codes whose
// description holds it, ascending: a prefix of a word is a contiguous run
// of words, hence of postings, and walking a match set in rank order
// yields the best codes first.
type index struct {
	words     []string // the vocabulary, lower case, sorted
	postOff   []uint32 // postings of words[i]: post[postOff[i]:postOff[i+1]]
	post      []uint32 // ranks
	byRank    []uint32 // rank -> entry
	first     []uint32 // rank -> the word id of its description's first word
	nBillable int      // ranks below this are billable
	common    bitset   // ranks of commonCodes
}

// commonCodes are among the diagnoses most often on an outpatient referral.
// A search by words lists them first among equals, so "hypertension" finds
// I10 and "diabetes" E11.9 on top. (A code missing from a set is skipped.)
const commonCodes = "I10 E11.9 E78.5 E78.2 E03.9 E55.9 E66.9 F32.9 F32.A F41.1 F41.9 G47.33 I25.10 " +
	"I48.91 J06.9 J44.9 J45.909 K21.9 M54.50 N39.0 R07.9 R10.9 R51.9 Z00.00 Z00.01 Z23"

// tokens calls f with each word of s (a run of letters and digits), lower
// cased into buf, and its byte offset in s.
func tokens(s string, buf []byte, f func(w []byte, start int)) {
	start := -1
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
		if alnum {
			if start < 0 {
				start = i
				buf = buf[:0]
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			continue
		}
		if start >= 0 {
			f(buf, start)
			start = -1
		}
	}
}

// build makes the index from the entries.
func (d *data) build() {
	n := len(d.entries)
	ix := &d.index
	// Rank: billable first, then shorter descriptions, then code order (a
	// counting sort: stable, linear).
	key := func(e entry) int {
		k := int(e.descLen)
		if !e.billable {
			k += 1 << 16
		}
		return k
	}
	count := make([]uint32, 1<<17+1)
	for _, e := range d.entries {
		count[key(e)+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	ix.byRank = make([]uint32, n)
	for i, e := range d.entries {
		k := key(e)
		ix.byRank[count[k]] = uint32(i)
		count[k]++
	}
	ix.nBillable = d.billable
	rankOf := make([]uint32, n)
	for r, e := range ix.byRank {
		rankOf[e] = uint32(r)
	}
	ix.common = newBitset(n)
	for _, c := range strings.Fields(commonCodes) {
		if i, ok := d.find(c); ok {
			ix.common.set(rankOf[i])
		}
	}

	// First pass: number words as they come, and keep each rank's words.
	vocab := newVocab()
	toks := make([]uint32, 0, n*10)
	tokOff := make([]uint32, n+1)
	ix.first = make([]uint32, n)
	buf := make([]byte, 0, 64)
	for r := 0; r < n; r++ {
		mark := len(toks)
		desc := d.descAt(int(ix.byRank[r]))
		for i := 0; i < len(desc); {
			// One word: a run of letters and digits, lower-cased into buf.
			buf = buf[:0]
			h := uint32(2166136261)
			for ; i < len(desc); i++ {
				c := desc[i]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				} else if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
					break
				}
				buf = append(buf, c)
				h = (h ^ uint32(c)) * 16777619
			}
			i++
			if len(buf) == 0 {
				continue
			}
			id := vocab.id(buf, h)
			if len(toks) == mark {
				ix.first[r] = id
			}
			if !slices.Contains(toks[mark:], id) {
				toks = append(toks, id)
			}
		}
		tokOff[r+1] = uint32(len(toks))
	}

	names := vocab.names
	// Sort the vocabulary and renumber.
	order := make([]uint32, len(names))
	for i := range order {
		order[i] = uint32(i)
	}
	sort.Slice(order, func(a, b int) bool { return names[order[a]] < names[order[b]] })
	renum := make([]uint32, len(names))
	ix.words = make([]string, len(names))
	for newID, old := range order {
		renum[old] = uint32(newID)
		ix.words[newID] = names[old]
	}
	for r := range ix.first {
		ix.first[r] = renum[ix.first[r]]
	}

	// Second pass: count, then fill postings in rank order (ascending).
	ix.postOff = make([]uint32, len(names)+1)
	for _, t := range toks {
		ix.postOff[renum[t]+1]++
	}
	for i := 1; i < len(ix.postOff); i++ {
		ix.postOff[i] += ix.postOff[i-1]
	}
	fill := slices.Clone(ix.postOff[:len(names)])
	ix.post = make([]uint32, len(toks))
	for r := 0; r < n; r++ {
		for _, t := range toks[tokOff[r]:tokOff[r+1]] {
			w := renum[t]
			ix.post[fill[w]] = uint32(r)
			fill[w]++
		}
	}
}

// prefixRange is the range of words that begin with p.
func (ix *index) prefixRange(p string) (int, int) {
	lo := sort.SearchStrings(ix.words, p)
	hi := lo + sort.Search(len(ix.words)-lo, func(i int) bool { return !strings.HasPrefix(ix.words[lo+i], p) })
	return lo, hi
}

// bitset is a set of ranks.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i uint32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// addWords sets the ranks of every code holding a word in [lo, hi).
func (ix *index) addWords(b bitset, lo, hi int) {
	for _, r := range ix.post[ix.postOff[lo]:ix.postOff[hi]] {
		b.set(r)
	}
}

// vocab numbers words as they come: an open-addressing table on the
// FNV-1a hash computed while the word is read (faster than a map keyed by
// a string made of the bytes, for the ~960,000 words of a set).
type vocab struct {
	names []string
	slots []int32 // id+1, 0 empty
}

func newVocab() *vocab { return &vocab{slots: make([]int32, 1<<15)} }

func (v *vocab) id(w []byte, h uint32) uint32 {
	mask := uint32(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := v.slots[i]
		if s == 0 {
			id := uint32(len(v.names))
			v.names = append(v.names, string(w))
			v.slots[i] = int32(id + 1)
			if len(v.names)*2 > len(v.slots) {
				v.grow()
			}
			return id
		}
		if v.names[s-1] == string(w) {
			return uint32(s - 1)
		}
	}
}

func (v *vocab) grow() {
	v.slots = make([]int32, len(v.slots)*2)
	mask := uint32(len(v.slots) - 1)
	for id, name := range v.names {
		h := uint32(2166136261)
		for j := 0; j < len(name); j++ {
			h = (h ^ uint32(name[j])) * 16777619
		}
		i := h & mask
		for v.slots[i] != 0 {
			i = (i + 1) & mask
		}
		v.slots[i] = int32(id + 1)
	}
}
