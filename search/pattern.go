package search

import (
	"bytes"
	"unicode/utf8"
)

// The query side of the candidate pass: a prepared pattern, the cheap
// subsequence test that counts rows (matchEnd), and the upper bound on
// sahilm's score that lets a pass skip scoring rows that cannot reach the
// top (bound).

// pattern is a normalized query prepared for scoring.
type pattern struct {
	runes []rune // folded; ASCII letters lowered
	ascii bool   // every rune is ASCII
	bits  []uint64
	pairs []int32 // per rune after the first: hash of (previous, this), or -1
	most  int     // bound with every rune at a word start and every pair adjacent, for n = 0
	classPlan
	// stop[pi][b] is true when byte b may change the matcher's state while it
	// waits for runes[pi]: it matches runes[pi] or runes[pi+1] (any non-ASCII
	// byte when one of those is not ASCII).
	stop [][256]bool
}

func newPattern(norm string) *pattern {
	p := &pattern{runes: []rune(norm), ascii: true, classPlan: newClassPlan(norm)}
	m := len(p.runes)
	p.stop = make([][256]bool, m)
	p.bits = make([]uint64, m)
	for i, r := range p.runes {
		switch {
		case r >= utf8.RuneSelf:
			p.ascii = false // bits[i] = 0: always assume a word start
		default:
			p.bits[i] = charBit(byte(r))
		}
	}
	p.pairs = make([]int32, m)
	for i := 1; i < m; i++ {
		p.pairs[i] = -1
		if a, b := p.runes[i-1], p.runes[i]; a < utf8.RuneSelf && b < utf8.RuneSelf {
			p.pairs[i] = int32(pairHash(byte(a), byte(b)))
		}
	}
	// sahilm adds an adjacency bonus at most once per pattern rune after the
	// first, each 2·(sum so far)+5: 5, 15, 45, ... in total (3^(m-1)-1)·5/2
	// (saturating at saturate, like the score), plus at most 15 for the first
	// rune and 20 for each later one.
	adj, sum := 0, 15
	for range max(m-1, 0) {
		inc := min(adj*2+5, saturate)
		adj = min(adj+inc, saturate)
		sum = min(sum+inc+20, saturate)
	}
	p.most = sum + m
	for pi := range p.runes {
		t := &p.stop[pi]
		for _, r := range p.runes[pi:min(pi+2, len(p.runes))] {
			if r >= utf8.RuneSelf {
				for b := 0x80; b < 256; b++ {
					t[b] = true
				}
			} else {
				t[r] = true
				if 'a' <= r && r <= 'z' {
					t[r-'a'+'A'] = true
				}
			}
		}
	}
	return p
}

// camelBit marks, in a starts mask, a text with a camel hump (a lower-case
// letter followed by an upper-case one).
const camelBit = 1 << 62

// pos1Bit and pos2Bit mark, in a starts mask, a text whose byte 1 (2)
// follows a separator or is a camel hump: only then can the first pattern
// rune earn 15 (10) there.
const (
	pos1Bit = 1 << 61
	pos2Bit = 1 << 60
)

// bound is an upper bound on sahilm's score of a text of n bytes whose
// word-start characters are starts and adjacent pairs are pairs. The first
// rune earns at most 15 (10 at the start, or 20 after a separator or camel
// hump minus 5 for one leading character). A later rune earns either a
// position bonus (20, and only if it is found at some word start) or, if
// the pair before it is present, the adjacency bonus (2·sum of the earlier
// ones + 5, at most once per rune), plus 20 only when its predecessor is a
// separator or the text has a camel hump; the length of the text is
// subtracted.
//
// first is the text's first byte (lowered): the first rune earns 10 at byte
// 0, 15 at byte 1, 10 at byte 2 and at most 5 further on.
func (p *pattern) bound(starts uint64, pairs *pairSet, n int, first byte) int64 {
	b, adj := 0, 0 // b: the bonuses, saturating at saturate like the score's total
	camel := starts&camelBit != 0
	for i, bit := range p.bits {
		capable := bit == 0 || starts&bit != 0
		if i == 0 {
			switch {
			case !capable:
			case bit == 0 || starts&pos1Bit != 0:
				b = 15
			case rune(first) == p.runes[0] || starts&pos2Bit != 0:
				b = 10
			default:
				b = 5
			}
			continue
		}
		pos := 0
		if capable {
			pos = 20
		}
		if h := p.pairs[i]; h < 0 || pairs[h>>6]&(1<<(h&63)) != 0 {
			inc := min(adj*2+5, saturate)
			adj = min(adj+inc, saturate)
			if capable && (camel || isSep(p.runes[i-1])) {
				inc += 20
			}
			pos = max(pos, inc)
		}
		b = min(b+pos, saturate)
	}
	return int64(b + len(p.runes) - n)
}

// matchEnd reports whether sahilm would match s (every rune, in order,
// case-insensitively) and where the greedy leftmost match ends. When the
// first from runes are known to match greedily up to end (end is not
// noEnd), only the rest is searched. This is the cheap test that counts
// rows; only rows that may enter the top are then scored.
func (p *pattern) matchEnd(s []byte, up []uint64, base, from, end int) (int, bool) {
	if !p.ascii {
		_, ok := p.score(s, up, base)
		return noEnd, ok
	}
	pos := 0
	if end != noEnd {
		pos = end
	} else {
		from = 0
	}
	for i := from; i < len(p.runes); i++ {
		k := bytes.IndexByte(s[pos:], byte(p.runes[i])) // the arena is lowered
		if k < 0 {
			return 0, false
		}
		pos += k + 1
	}
	return pos, true
}
