package search

import (
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// oneTopK is how many ranked rows are precomputed per one-character query;
// a larger limit falls back to a scan.
const oneTopK = 256

// snapshot is one immutable generation of an Index: Replace builds a new one
// and swaps a pointer, so a Search never sees half of each.
//
// Rows are renumbered shortest folded text first (an "id"; entries keep
// their own order): a pass visits short rows first, and since sahilm's
// score falls with the length of the text, the top-K fills early and most
// longer rows only need the cheap subsequence test that counts them (see
// pattern.bound). Per row it keeps the folded, lowered text in one arena
// (no per-row pointers) with a bit per byte for its case, a bit per
// character present, masks of characters found at word starts (sahilm's
// and the classes'), a hashed set of adjacent pairs (32 bytes), an inactive
// bit and four 4-byte slots.
type snapshot[T Item] struct {
	entries  []T
	gen      uint64    // Index.Generation
	arena    []byte    // folded texts, ASCII lowered, back to back, in id order
	upper    []uint64  // bit per arena byte: it was an upper-case letter
	offs     []uint32  // id i is arena[offs[i]:offs[i+1]]
	orig     []uint32  // id → index in entries
	inv      []uint32  // index in entries → id
	inactive []uint64  // bit per id
	meta     []rowMeta // per id: what bounds its score and class
	byKey    []uint32  // ids sorted by Key, for Lookup
	chars    [128][]uint64
	one      [128]oneAnswer // precomputed one-character answers
}

// rowMeta is what a pass reads of a row besides its text, in one cache
// line: the characters at sahilm's word starts (starts), those that start
// or end a word for the classes (wstarts, class.go), and the hashed
// set of adjacent pairs.
type rowMeta struct {
	starts, wstarts uint64
	pairs           pairSet
}

// oneAnswer is the answer to a one-character query, before recency tie-breaks.
type oneAnswer struct {
	top   []hit // best first, at most oneTopK
	total int
}

func (sn *snapshot[T]) text(i uint32) []byte { return sn.arena[sn.offs[i]:sn.offs[i+1]] }

func (sn *snapshot[T]) isInactive(i uint32) bool { return sn.inactive[i>>6]&(1<<(i&63)) != 0 }

func build[T Item](entries []T) *snapshot[T] {
	n := len(entries)
	sn := &snapshot[T]{entries: entries, offs: make([]uint32, n+1), inactive: make([]uint64, (n+63)/64),
		meta: make([]rowMeta, n), orig: make([]uint32, n), inv: make([]uint32, n)}
	folded := make([]byte, 0, 1<<12)
	flen := make([]uint32, n)
	size, longest := 0, 0
	for i := range entries {
		folded = appendFold(folded[:0], entries[i].Doc().Text)
		flen[i] = uint32(len(folded))
		size += len(folded)
		longest = max(longest, len(folded))
	}
	// Counting sort by folded length (stable: entry order within a length).
	at := make([]int, longest+2)
	for _, l := range flen {
		at[l+1]++
	}
	for l := 1; l < len(at); l++ {
		at[l] += at[l-1]
	}
	for i, l := range flen {
		sn.orig[at[l]] = uint32(i)
		at[l]++
	}
	sn.arena = make([]byte, 0, size)
	sn.upper = make([]uint64, size/64+1)
	for id, i := range sn.orig {
		sn.inv[i] = uint32(id)
		base := len(sn.arena)
		sn.arena = appendFold(sn.arena, entries[i].Doc().Text)
		splitCase(sn.arena[base:], sn.upper, base)
		sn.offs[id+1] = uint32(len(sn.arena))
		if entries[i].Doc().Inactive {
			sn.inactive[id>>6] |= 1 << (id & 63)
		}
	}
	// Key order: directories usually arrive sorted by key; sort otherwise.
	byEntry := make([]uint32, n)
	sorted := true
	for i := range byEntry {
		byEntry[i] = uint32(i)
		sorted = sorted && (i == 0 || entries[i-1].Doc().Key <= entries[i].Doc().Key)
	}
	if !sorted {
		slices.SortFunc(byEntry, func(a, b uint32) int { return strings.Compare(entries[a].Doc().Key, entries[b].Doc().Key) })
	}
	sn.byKey = byEntry
	for j, i := range byEntry {
		sn.byKey[j] = sn.inv[i]
	}
	sn.buildChars()
	return sn
}

// pairSet is a 256-bit hashed set of the adjacent character pairs of a
// text (lowered; a pair with a non-ASCII rune is not recorded, and the
// bound assumes such pattern pairs present). It bounds sahilm's adjacency
// bonus, which needs the two pattern characters side by side.
type pairSet [4]uint64

func pairHash(a, b byte) uint32 { return (uint32(a)<<8 | uint32(b)) * 0x9E3779B1 >> 24 }

func pairsOf(s []byte) (ps pairSet) {
	for j := 1; j < len(s); j++ {
		a, b := s[j-1], s[j]
		if a < 0x80 && b < 0x80 {
			h := pairHash(lowerASCII[a], lowerASCII[b])
			ps[h>>6] |= 1 << (h & 63)
		}
	}
	return ps
}

// charBit is the bit of a lowered ASCII byte in a starts mask: letters
// and digits have their own, everything else shares bit 63.
func charBit(c byte) uint64 {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 << (c - 'a')
	case '0' <= c && c <= '9':
		return 1 << (26 + c - '0')
	}
	return 1 << 63
}

// buildChars fills the character bitsets and the one-character answers, in
// parallel over blocks of 64 rows (so no two workers share a bitset word).
func (sn *snapshot[T]) buildChars() {
	n := len(sn.entries)
	words := (n + 63) / 64
	for c := range sn.chars {
		sn.chars[c] = nil
	}
	workers := workersFor(n)
	type part struct {
		tops   [128]*topK
		counts [128]int
	}
	parts := make([]part, workers)
	// Bitsets are allocated for every ASCII byte up front, then dropped
	// if empty: 128 × n/8 bytes transiently.
	all := make([]uint64, 128*words)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*words/workers, (w+1)*words/workers
		wg.Add(1)
		go func(pt *part) {
			defer wg.Done()
			rk := &ranker{inactive: sn.inactive, orig: sn.orig}
			var chars [128]byte
			var scores [128]int
			var ws, single [128]bool
			for row := lo * 64; row < min(hi*64, n); row++ {
				i := uint32(row)
				k := oneScores(sn.text(i), sn.upper, int(sn.offs[i]), &chars, &scores, &sn.meta[i].starts)
				sn.meta[i].pairs = pairsOf(sn.text(i))
				ws, single = [128]bool{}, [128]bool{}
				sn.meta[i].wstarts = wordChars(sn.text(i), sn.upper, int(sn.offs[i]), &ws, &single)
				for x, c := range chars[:k] {
					cls := 0 // a one-character query's class (class.go)
					switch {
					case c == ' ' || '\t' <= c && c <= '\r': // no words
					case single[c]:
						cls = 2
					case ws[c]:
						cls = 1
					}
					all[int(c)*words+row>>6] |= 1 << (row & 63)
					if pt.tops[c] == nil {
						pt.tops[c] = newTopK(rk, oneTopK)
					}
					pt.tops[c].push(hit{idx: i, score: pack(cls, scores[x])})
					pt.counts[c]++
				}
			}
		}(&parts[w])
	}
	wg.Wait()
	rk := &ranker{inactive: sn.inactive, orig: sn.orig}
	for c := 0; c < 128; c++ {
		total := 0
		top := newTopK(rk, oneTopK)
		for w := range parts {
			total += parts[w].counts[c]
			if t := parts[w].tops[c]; t != nil {
				for _, h := range t.h {
					top.push(h)
				}
			}
		}
		if total == 0 {
			continue
		}
		set := make([]uint64, words)
		copy(set, all[c*words:(c+1)*words])
		sn.chars[c] = set
		sn.one[c] = oneAnswer{top: top.sorted(), total: total}
	}
}

// lookup finds the id of the row whose Key is key.
func (sn *snapshot[T]) lookup(key string) (uint32, bool) {
	k := sort.Search(len(sn.byKey), func(i int) bool { return sn.entries[sn.orig[sn.byKey[i]]].Doc().Key >= key })
	if k < len(sn.byKey) && sn.entries[sn.orig[sn.byKey[k]]].Doc().Key == key {
		return sn.byKey[k], true
	}
	return 0, false
}

// workersFor is how many goroutines share a pass over n items: one below
// 32k items (about 2 ms of work, where waiting for a second goroutine the
// OS has paused costs more than it saves), else one per core.
func workersFor(n int) int {
	w := runtime.GOMAXPROCS(0)
	if n < 1<<15 || w < 1 {
		return 1
	}
	return w
}
