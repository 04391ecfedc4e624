package search

import (
	"context"
	"strings"
	"sync"
	"unicode/utf8"
)

// Searcher is one picker's view of an Index: it remembers the answers to the
// prefixes of the query being typed, so a key that extends the query only
// rescans the previous matches and a backspace costs nothing. Create one per
// session and picker with Index.NewSearcher. A Searcher is safe for
// concurrent use, but calls are serialized: the UI should run Search off its
// own goroutine and drop stale answers.
type Searcher[T Item] struct {
	ix     *Index[T]
	mu     sync.Mutex
	snap   *snapshot[T]
	levels []*level[T]     // answers for growing prefixes of the current query
	prefer func() []string // Prefer's; nil when none
}

// level is the complete answer to one normalized query.
type level[T Item] struct {
	norm  string
	found *hitList // every match (nil when not kept)
	limit int
	view  *recency[T]
	res   Result[T]
}

// NewSearcher returns a Searcher over ix.
func (ix *Index[T]) NewSearcher() *Searcher[T] { return &Searcher[T]{ix: ix} }

// Search answers like Index.Search, narrowing from earlier answers. The
// Result may be shared with later calls: do not modify it.
func (s *Searcher[T]) Search(query string, limit int) Result[T] {
	r, _ := s.SearchContext(context.Background(), query, limit)
	return r
}

// SearchContext is Search that gives up, with ctx's error and nothing
// remembered, once ctx is done: cancel the previous keystroke's search when
// the next key arrives. (Calls on one Searcher run one at a time.)
func (s *Searcher[T]) SearchContext(ctx context.Context, query string, limit int) (Result[T], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := s.ix.snap.Load()
	if err := ctx.Err(); err != nil { // given up while waiting for the lock
		return Result[T]{Query: query, Size: len(sn.entries)}, err
	}
	v := s.ix.viewOf(sn)
	if sn != s.snap { // Replace happened: nothing remembered is valid
		for len(s.levels) > 0 {
			s.pop()
		}
		s.snap = sn
	}
	norm := normQuery(query)
	for len(s.levels) > 0 && !strings.HasPrefix(norm, s.levels[len(s.levels)-1].norm) {
		s.pop()
	}
	if k := len(s.levels); k > 0 && s.levels[k-1].norm == norm {
		if lv := s.levels[k-1]; lv.limit == limit && lv.view == v {
			r := lv.res
			r.Query = query
			return r, nil
		}
		s.pop() // stale ranking: recompute from the parent
	}
	var prev *level[T]
	if k := len(s.levels); k > 0 {
		prev = s.levels[k-1]
	}
	var prefer []string
	if norm == "" && s.prefer != nil {
		prefer = s.prefer()
	}
	res, lv, err := sn.search(ctx, query, norm, limit, v, prev, true, prefer)
	if err != nil {
		return Result[T]{Query: query, Size: len(sn.entries)}, err
	}
	if norm != "" {
		lv.limit, lv.view, lv.res = limit, v, res
		s.levels = append(s.levels, lv)
	}
	return res, nil
}

// pop forgets the longest remembered prefix (and lets its lists be freed).
func (s *Searcher[T]) pop() {
	s.levels[len(s.levels)-1] = nil
	s.levels = s.levels[:len(s.levels)-1]
}

// search answers one query on this snapshot. prev, when it has its match
// list, is the answer to a prefix of norm: only its matches are rescanned.
// keep asks for the new match list in the returned level. prefer are the
// keys an empty query lists first (Prefer).
func (sn *snapshot[T]) search(ctx context.Context, query, norm string, limit int, v *recency[T], prev *level[T], keep bool, prefer []string) (Result[T], *level[T], error) {
	rk := &ranker{inactive: sn.inactive, orig: sn.orig, frec: v.frec}
	lv := &level[T]{norm: norm}
	limit = max(limit, 0)
	var hits []hit
	total := 0
	var p *pattern
	if norm != "" {
		p = newPattern(norm)
		p.keyID = sn.keyID(norm)
	}
	switch {
	case norm == "":
		hits, total = sn.emptyTop(limit, rk, v, sn.preferred(prefer, limit)), len(sn.entries)
	case len(norm) == 1 && limit <= oneTopK:
		hits, total = sn.oneTop(p, limit, rk, v)
	default:
		c := candidates{}
		if prev != nil && prev.found != nil {
			c.prev, c.from = prev.found, utf8.RuneCountInString(prev.norm)
		} else {
			for _, r := range norm {
				if r >= utf8.RuneSelf {
					continue
				}
				set := sn.chars[r]
				if set == nil { // a character no row has: nothing matches
					if keep {
						lv.found = &hitList{}
					}
					return sn.result(query, p, nil, 0), lv, nil
				}
				c.sets = append(c.sets, set)
			}
		}
		var err error
		hits, total, lv.found, err = sn.pass(ctx, p, &c, limit, rk, keep)
		if err != nil {
			return Result[T]{}, nil, err
		}
	}
	return sn.result(query, p, hits, total), lv, nil
}

// emptyTop ranks every row for an empty query: the preferred rows first,
// in their order, then touched rows, then the rest.
func (sn *snapshot[T]) emptyTop(limit int, rk *ranker, v *recency[T], pref []uint32) []hit {
	skip := func(id uint32) bool {
		for _, p := range pref {
			if p == id {
				return true
			}
		}
		return false
	}
	limit -= len(pref)
	top := newTopK(rk, limit)
	for _, i := range v.order {
		if !skip(i) {
			top.push(hit{idx: i})
		}
	}
	found := 0 // untouched active rows pushed; later ones rank below them
	for _, id := range sn.inv {
		if found >= limit {
			break
		}
		if _, ok := v.frec[id]; ok || skip(id) {
			continue
		}
		top.push(hit{idx: id})
		if !sn.isInactive(id) {
			found++
		}
	}
	if len(pref) == 0 {
		return top.sorted()
	}
	out := make([]hit, 0, len(pref)+len(top.h))
	for _, id := range pref {
		out = append(out, hit{idx: id})
	}
	return append(out, top.sorted()...)
}

// oneTop answers a one-byte query from the precomputed answer, letting
// touched rows and the row whose Key is the query move up.
func (sn *snapshot[T]) oneTop(p *pattern, limit int, rk *ranker, v *recency[T]) ([]hit, int) {
	one := &sn.one[p.runes[0]]
	top := newTopK(rk, limit)
	pre := one.top[:min(limit, len(one.top))]
	in := make(map[uint32]bool, len(pre)+1)
	if p.keyID >= 0 {
		in[uint32(p.keyID)] = true
		if h, ok := sn.hit(p, uint32(p.keyID)); ok {
			top.push(h)
		}
	}
	for _, h := range pre {
		if !in[h.idx] {
			top.push(h)
			in[h.idx] = true
		}
	}
	if one.total > 0 {
		for _, i := range v.order {
			if in[i] {
				continue
			}
			if h, ok := sn.hit(p, i); ok {
				top.push(h)
			}
		}
	}
	return top.sorted(), one.total
}

// hit scores and classes row id, if it matches.
func (sn *snapshot[T]) hit(p *pattern, id uint32) (hit, bool) {
	text, base := sn.text(id), int(sn.offs[id])
	sc, ok := p.score(text, sn.upper, base)
	if !ok {
		return hit{}, false
	}
	cls := p.maxClass(id, sn.meta[id].wstarts, &sn.meta[id].pairs)
	if cls < 0 {
		cls = p.class(text, sn.upper, base)
	}
	return hit{idx: id, score: pack(cls, sc)}, true
}

// result builds the answer with the matched positions of the rows returned
// (the port's, which are sahilm's MatchedIndexes; the tests check it) mapped
// back into Entry.Text. p is nil for the empty query.
func (sn *snapshot[T]) result(query string, p *pattern, hits []hit, total int) Result[T] {
	r := Result[T]{Query: query, Total: total, Size: len(sn.entries), Matches: make([]Match[T], len(hits))}
	var pos []int
	for k, h := range hits {
		e := sn.entries[sn.orig[h.idx]]
		r.Matches[k].Entry = e
		if p == nil {
			continue
		}
		pos = pos[:0]
		if _, ok := p.scorePos(sn.text(h.idx), sn.upper, int(sn.offs[h.idx]), &pos); ok {
			r.Matches[k].Positions = mapPositions(e.Doc().Text, pos)
		}
	}
	return r
}
