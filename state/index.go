package state

import (
	"context"
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// The directory index (issue 4): one per directory, shared by every session.
// Matching and scoring are sahilm/fuzzy's (a faithful allocation-free port,
// checked against sahilm by the tests, scores the candidates and gives the
// highlighted positions of the rows returned; it saturates where sahilm's
// arithmetic overflows, see ixSat), over the text folded so that accented
// letters match their plain form. Ranking puts an exact Key, a whole-word
// phrase and word prefixes before sahilm's score (search_class.go). Speed
// comes from a character prefilter, one-character answers precomputed when
// the index is built, narrowing from the previous keystroke (Searcher), both
// cores, and a top-K heap.

// Entry is one searchable row of a directory.
type Entry struct {
	Key      string // what is sent: the EHR id, or the patient's MRN
	Name     string // "Alvarez, Maria" / "Doe, John"
	Detail   string // speciality · city · NPI for providers; DOB and MRN for patients
	Text     string // what the matcher searches and the picker shows (Name + Detail + ids + DOB forms)
	Inactive bool   // inactive providers rank last and are marked
}

// Match is one hit; Positions are byte offsets into Entry.Text of the
// matched characters, for highlighting.
type Match struct {
	Entry     Entry
	Positions []int
}

// Result answers one Search.
type Result struct {
	Query   string
	Matches []Match // best first, at most the limit asked for
	Total   int     // how many entries match in all
	Size    int     // how many entries the index holds
}

// Index is one directory's in-memory index, shared by every session. Safe
// for concurrent use; Replace swaps the contents atomically.
type Index struct {
	snap atomic.Pointer[ixSnap]
	view atomic.Pointer[ixView] // touches resolved against snap; nil when stale

	mu      sync.Mutex // guards touches and seq
	touches map[string]float64
	seq     int
}

// ixView is the recency state resolved to row numbers of one snapshot.
type ixView struct {
	snap  *ixSnap
	frec  map[uint32]float64 // nil when nothing was touched
	order []uint32           // touched rows, most recent/frequent first
}

// Recency: every Touch adds 1 to a key's weight and all weights decay by
// ixDecay per Touch (of the index), so both frequency and recency count.
// The stored value is log(weight) + seq·log(1/ixDecay), which orders keys
// the same way at any later time without rewriting them.
const (
	ixDecay      = 0.9
	ixMaxTouched = 2048
)

// NewIndex builds an index over entries. The index keeps entries: the caller
// must not modify the slice afterwards.
func NewIndex(entries []Entry) *Index {
	ix := &Index{touches: map[string]float64{}}
	ix.snap.Store(ixBuild(entries))
	return ix
}

// Search returns the best matches for query: active first, then by class
// (the Key typed in full, the query as a whole-word phrase, every query word
// starting a word: search_class.go), then by sahilm's score; recent and
// frequent choices first for an empty query and as tie-breaks. It keeps no
// state between calls; a picker should use a Searcher, which narrows from
// the previous keystroke.
func (ix *Index) Search(query string, limit int) Result {
	sn := ix.snap.Load()
	r, _, _ := sn.search(context.Background(), query, ixNormQuery(query), limit, ix.viewOf(sn), nil, false)
	return r
}

// Replace swaps the contents (after a sync). Searches running meanwhile
// finish on the old contents. Recency survives for keys still present.
func (ix *Index) Replace(entries []Entry) {
	sn := ixBuild(entries)
	ix.mu.Lock()
	ix.snap.Store(sn)
	ix.view.Store(nil)
	ix.mu.Unlock()
}

// Touch records that key was chosen, for recency ranking.
func (ix *Index) Touch(key string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.seq++
	now := float64(ix.seq) * math.Log(1/ixDecay)
	if old, ok := ix.touches[key]; ok {
		hi, lo := max(old, now), min(old, now)
		ix.touches[key] = hi + math.Log1p(math.Exp(lo-hi))
	} else {
		ix.touches[key] = now
		if len(ix.touches) > ixMaxTouched {
			ix.evictLocked()
		}
	}
	ix.view.Store(nil)
}

// evictLocked forgets the least recent/frequent quarter of the keys.
func (ix *Index) evictLocked() {
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
func (ix *Index) viewOf(sn *ixSnap) *ixView {
	if v := ix.view.Load(); v != nil && v.snap == sn {
		return v
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	v := &ixView{snap: sn}
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
func (ix *Index) Lookup(key string) (Entry, bool) {
	sn := ix.snap.Load()
	if id, ok := sn.lookup(key); ok {
		return sn.entries[sn.orig[id]], true
	}
	return Entry{}, false
}

// Len is the number of entries.
func (ix *Index) Len() int { return len(ix.snap.Load().entries) }

// MemBytes estimates the memory the index adds on top of its entries
// (folded texts, bitsets, precomputed answers).
func (ix *Index) MemBytes() int { return ix.snap.Load().memBytes() }
