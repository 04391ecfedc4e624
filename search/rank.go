package search

import (
	"context"
	"math/bits"
	"sort"
	"sync"
	"sync/atomic"
)

// hit is a scored row; score is its class and sahilm score (pack).
type hit struct {
	idx   uint32
	score int64
}

// ranker orders hits: active before inactive, then higher class and
// score, then more recently/frequently chosen (frec), then earlier entry.
type ranker struct {
	inactive []uint64
	orig     []uint32           // id → entry index
	frec     map[uint32]float64 // by id; nil when nothing was touched
}

func (r *ranker) better(a, b hit) bool {
	ia := r.inactive[a.idx>>6]&(1<<(a.idx&63)) != 0
	ib := r.inactive[b.idx>>6]&(1<<(b.idx&63)) != 0
	if ia != ib {
		return ib
	}
	if a.score != b.score {
		return a.score > b.score
	}
	if r.frec != nil {
		if fa, fb := r.frec[a.idx], r.frec[b.idx]; fa != fb {
			return fa > fb
		}
	}
	return r.orig[a.idx] < r.orig[b.idx]
}

// topK keeps the k best hits in a heap whose root is the worst kept.
type topK struct {
	r *ranker
	k int
	h []hit
}

func newTopK(r *ranker, k int) *topK {
	return &topK{r: r, k: k, h: make([]hit, 0, min(k, 1024))}
}

func (t *topK) push(x hit) {
	if t.k <= 0 {
		return
	}
	h := t.h
	if len(h) < t.k {
		h = append(h, x)
		for i := len(h) - 1; i > 0; { // sift up: worse goes to the root
			p := (i - 1) / 2
			if !t.r.better(h[p], h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		t.h = h
		return
	}
	if !t.r.better(x, h[0]) {
		return
	}
	h[0] = x
	for i := 0; ; {
		l, w := 2*i+1, i
		if l < len(h) && t.r.better(h[w], h[l]) {
			w = l
		}
		if r := l + 1; r < len(h) && t.r.better(h[w], h[r]) {
			w = r
		}
		if w == i {
			break
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// sorted returns the kept hits, best first.
func (t *topK) sorted() []hit {
	out := append([]hit(nil), t.h...)
	sort.Slice(out, func(a, b int) bool { return t.r.better(out[a], out[b]) })
	return out
}

// hitList is a set of matching ids in pass order (short texts first), with,
// for each, where the greedy leftmost match of the query ends in its text
// (noEnd when unknown): the next keystroke only has to find its new
// characters after that point. It is kept in the parts the workers of the
// pass produced, without copying them together.
type hitList struct {
	parts []listPart
}

type listPart struct {
	ids  []uint32
	ends []uint16
}

const noEnd = 0xFFFF

// candidates is the set of rows a pass scores: the previous query's matches
// (whose pattern has from runes), or the rows whose bits are set in every
// one of sets (every ASCII character of the query), or all rows.
type candidates struct {
	prev *hitList
	from int
	sets [][]uint64
}

// chunkIDs is how many ids (bitset: 64 per word) make one unit of work.
const chunkIDs = 512

// pass matches and scores candidates over all cores. It returns the best
// k, the number matching, and (when keep) every match; or ctx's error,
// checked between chunks, when the caller no longer wants the answer.
func (sn *snapshot[T]) pass(ctx context.Context, p *pattern, c *candidates, k int, rk *ranker, keep bool) ([]hit, int, *hitList, error) {
	n := len(sn.entries)
	size := n
	if c.prev != nil {
		size = 0
		for _, pt := range c.prev.parts {
			size += len(pt.ids)
		}
	}
	workers := workersFor(size)
	// The chunks: ranges of the previous parts, or of bitset words.
	type chunk struct{ part, lo, hi int }
	words, per := (n+63)/64, chunkIDs/64
	var table []chunk
	if c.prev != nil { // round robin over the parts: short rows first
		for lo, more := 0, true; more; lo += chunkIDs {
			more = false
			for x, pt := range c.prev.parts {
				if lo < len(pt.ids) {
					table = append(table, chunk{x, lo, min(lo+chunkIDs, len(pt.ids))})
					more = true
				}
			}
		}
	} else {
		table = make([]chunk, (words+per-1)/per)
	}
	var next atomic.Int64
	type out struct {
		top   *topK
		total int
		found listPart
	}
	outs := make([]out, workers)
	work := func(w int) {
		o := &outs[w]
		o.top = newTopK(rk, k)
		visit := func(id uint32, from, end int) {
			text := sn.text(id)
			base := int(sn.offs[id])
			end, ok := p.matchEnd(text, sn.upper, base, from, end)
			if !ok {
				return
			}
			o.total++
			if keep {
				o.found.ids = append(o.found.ids, id)
				o.found.ends = append(o.found.ends, uint16(min(end, noEnd)))
			}
			cls := p.maxClass(id, sn.meta[id].wstarts, &sn.meta[id].pairs)
			if len(o.top.h) == o.top.k {
				if k == 0 {
					return
				}
				worst := o.top.h[0]
				wi, ri := sn.isInactive(worst.idx), sn.isInactive(id)
				if ri && !wi {
					return
				}
				// Cannot enter the top: counted, not scored. The class is
				// bounded first (2 when unknown), computed only if needed.
				if ri == wi {
					ub := cls
					if cls < 0 {
						ub = 2
					}
					sb := int64(p.most - len(text)) // a bound on the score
					if pack(ub, 0)+sb < worst.score {
						return
					}
					if sb = min(sb, p.bound(sn.meta[id].starts, &sn.meta[id].pairs, len(text), text[0])); pack(ub, 0)+sb < worst.score {
						return
					}
					switch {
					case cls >= 0:
					case pack(1, 0)+sb < worst.score: // only a phrase can enter
						if !p.isPhrase(text, sn.upper, base, sn.meta[id].wstarts) {
							return
						}
						cls = 2
					default:
						if cls = p.class(text, sn.upper, base); pack(cls, 0)+sb < worst.score {
							return
						}
					}
				}
			}
			if sc, ok := p.score(text, sn.upper, base); ok {
				if cls < 0 {
					cls = p.class(text, sn.upper, base)
				}
				o.top.push(hit{idx: id, score: pack(cls, sc)})
			}
		}
		if keep {
			guess := size/workers/4 + 64
			if c.prev == nil {
				guess = n/workers/2 + 64
			}
			o.found.ids = make([]uint32, 0, guess)
			o.found.ends = make([]uint16, 0, guess)
		}
		// Chunks are handed out in order (short rows first) to whichever
		// worker is free, so a worker the OS pauses does not hold the rest up.
		for {
			ch := int(next.Add(1) - 1)
			if ch >= len(table) || ctx.Err() != nil {
				return
			}
			if c.prev != nil {
				t := table[ch]
				pt := &c.prev.parts[t.part]
				for y, id := range pt.ids[t.lo:t.hi] {
					visit(id, c.from, int(pt.ends[t.lo+y]))
				}
				continue
			}
			for wi := ch * per; wi < min((ch+1)*per, words); wi++ {
				m := ^uint64(0)
				if wi == words-1 && n%64 != 0 {
					m = 1<<(n%64) - 1
				}
				for _, s := range c.sets {
					m &= s[wi]
				}
				for m != 0 {
					b := bits.TrailingZeros64(m)
					m &= m - 1
					visit(uint32(wi*64+b), 0, 0)
				}
			}
		}
	}
	if workers == 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for w := 1; w < workers; w++ {
			wg.Add(1)
			go func() { defer wg.Done(); work(w) }()
		}
		work(0)
		wg.Wait()
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, nil, err
	}
	top := outs[0].top
	total := outs[0].total
	for _, o := range outs[1:] {
		total += o.total
		for _, h := range o.top.h {
			top.push(h)
		}
	}
	if !keep {
		return top.sorted(), total, nil, nil
	}
	l := &hitList{parts: make([]listPart, workers)}
	for w := range outs {
		l.parts[w] = outs[w].found
	}
	return top.sorted(), total, l, nil
}
