package search

import (
	"context"
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// Package search is the fuzzy index the pickers search (issue 4): one per
// directory, shared by every session. It knows nothing of referrals: an
// entry is anything with a Doc (a key, a text, an inactive flag).
//
// Matching and scoring are sahilm/fuzzy's (a faithful allocation-free port,
// checked against sahilm by the tests, scores the candidates and gives the
// highlighted positions of the rows returned; it saturates where sahilm's
// arithmetic overflows, see saturate), over the text folded so that accented
// letters match their plain form. Ranking puts an exact Key, a whole-word
// phrase and word prefixes before sahilm's score (class.go). Speed comes
// from a character prefilter, one-character answers precomputed when the
// index is built, narrowing from the previous keystroke (Searcher), both
// cores, and a top-K heap.

// Doc is what the index reads of an entry.
type Doc struct {
	Key      string // unique; Lookup and Touch find the entry by it, and typing it in full ranks it first
	Text     string // what is matched and highlighted
	Inactive bool   // ranks last
}

// Item is an entry an Index can hold.
type Item interface {
	Doc() Doc
}

// Match is one hit; Positions are byte offsets into the entry's Doc().Text
// of the matched characters, for highlighting.
type Match[T Item] struct {
	Entry     T
	Positions []int
}

// Result answers one Search.
type Result[T Item] struct {
	Query   string
	Matches []Match[T] // best first, at most the limit asked for
	Total   int        // how many entries match in all
	Size    int        // how many entries the index holds
}

// Index is one directory's in-memory index, shared by every session. Safe
// for concurrent use; Replace swaps the contents atomically.
type Index[T Item] struct {
	snap atomic.Pointer[snapshot[T]]
	view atomic.Pointer[recency[T]] // touches resolved against snap; nil when stale

	mu      sync.Mutex // guards touches and seq
	touches map[string]float64
	seq     int
}

// recency is the recency state resolved to row numbers of one snapshot.
type recency[T Item] struct {
	snap  *snapshot[T]
	frec  map[uint32]float64 // nil when nothing was touched
	order []uint32           // touched rows, most recent/frequent first
}

// Recency: every Touch adds 1 to a key's weight and all weights halve
// every halfLife touches (of the index), so a key's weight is how often it
// was chosen lately, an old choice counting less: a key chosen ten times
// over the last few hundred touches comes before one chosen once just now
// (the clinic's most used; a Searcher's Prefer puts one user's latest
// choices first). The stored value is log(weight) + seq·forget, which
// orders keys the same way at any later time without rewriting them.
const (
	halfLife   = 100
	forget     = math.Ln2 / halfLife
	maxTouched = 2048
)

// New builds an index over entries. The index keeps entries: the caller
// must not modify the slice afterwards.
func New[T Item](entries []T) *Index[T] {
	ix := &Index[T]{touches: map[string]float64{}}
	ix.snap.Store(build(entries))
	return ix
}

// Search returns the best matches for query: active first, then by class
// (the Key typed in full, the query as a whole-word phrase, every query word
// starting a word: class.go), then by sahilm's score; recent and
// frequent choices first for an empty query and as tie-breaks. It keeps no
// state between calls; a picker should use a Searcher, which narrows from
// the previous keystroke.
func (ix *Index[T]) Search(query string, limit int) Result[T] {
	sn := ix.snap.Load()
	r, _, _ := sn.search(context.Background(), query, normQuery(query), limit, ix.viewOf(sn), nil, false, nil)
	return r
}

// Replace swaps the contents (after a sync). Searches running meanwhile
// finish on the old contents. Recency survives for keys still present.
func (ix *Index[T]) Replace(entries []T) {
	sn := build(entries)
	ix.mu.Lock()
	sn.gen = ix.snap.Load().gen + 1
	ix.snap.Store(sn)
	ix.view.Store(nil)
	ix.mu.Unlock()
}

// Touch records that key was chosen, for recency ranking.
func (ix *Index[T]) Touch(key string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.seq++
	now := float64(ix.seq) * forget
	if old, ok := ix.touches[key]; ok {
		hi, lo := max(old, now), min(old, now)
		ix.touches[key] = hi + math.Log1p(math.Exp(lo-hi))
	} else {
		ix.touches[key] = now
		if len(ix.touches) > maxTouched {
			ix.evictLocked()
		}
	}
	ix.view.Store(nil)
}

// evictLocked forgets the least recent/frequent quarter of the keys.
func (ix *Index[T]) evictLocked() {
	vals := make([]float64, 0, len(ix.touches))
	for _, v := range ix.touches {
		vals = append(vals, v)
	}
	sort.Float64s(vals)
	cut := vals[len(vals)/4]
	for k, v := range ix.touches {
		if v < cut {
			delete(ix.touches, k)
		}
	}
}

// viewOf returns the recency view for sn, building it if stale.
func (ix *Index[T]) viewOf(sn *snapshot[T]) *recency[T] {
	if v := ix.view.Load(); v != nil && v.snap == sn {
		return v
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	v := &recency[T]{snap: sn}
	if len(ix.touches) > 0 {
		v.frec = make(map[uint32]float64, len(ix.touches))
		for k, f := range ix.touches {
			if i, ok := sn.lookup(k); ok {
				v.frec[i] = f
				v.order = append(v.order, i)
			}
		}
		sort.Slice(v.order, func(a, b int) bool {
			fa, fb := v.frec[v.order[a]], v.frec[v.order[b]]
			if fa != fb {
				return fa > fb
			}
			return v.order[a] < v.order[b]
		})
	}
	if ix.snap.Load() == sn {
		ix.view.Store(v)
	}
	return v
}

// Lookup finds an entry by key.
func (ix *Index[T]) Lookup(key string) (T, bool) {
	sn := ix.snap.Load()
	if id, ok := sn.lookup(key); ok {
		return sn.entries[sn.orig[id]], true
	}
	var zero T
	return zero, false
}

// Generation counts the Replace calls so far: a caller can tell whether the
// contents were swapped.
func (ix *Index[T]) Generation() uint64 { return ix.snap.Load().gen }

// Len is the number of entries.
func (ix *Index[T]) Len() int { return len(ix.snap.Load().entries) }
