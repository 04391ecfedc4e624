package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// bruteForce is the reference: sahilm.Find over the folded texts of every
// row, ranked active first, then by class (refClass), then by score, then
// by row order.
func bruteForce(rows []Entry, query string, limit int) ([]string, int) {
	return bruteForceFolded(rows, foldAll(rows), query, limit)
}

// refClass is class.go's class of a match, computed the plain way:
// 3 the Key is the query, 2 the query is a whole-word phrase of the text,
// 1 every query word starts a word of the text, else 0.
func refClass(e Entry, folded, norm string) int {
	space := func(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r", r) }
	q := strings.TrimFunc(norm, space)
	if q != "" && (e.Key == q || e.Key == strings.ToUpper(q)) {
		return 3
	}
	words := strings.FieldsFunc(norm, space)
	if len(words) == 0 {
		return 0
	}
	isUpper := func(i int) bool { return 'A' <= folded[i] && folded[i] <= 'Z' }
	isLower := func(i int) bool { return 'a' <= folded[i] && folded[i] <= 'z' }
	alnum := func(i int) bool {
		return isUpper(i) || isLower(i) || '0' <= folded[i] && folded[i] <= '9' || folded[i] >= 0x80
	}
	hump := func(i int) bool { return isLower(i-1) && isUpper(i) }
	start := func(i int) bool { return i == 0 || !alnum(i-1) || hump(i) }
	end := func(i int) bool { return i == len(folded) || !alnum(i) || hump(i) }
	at := func(w string, whole bool) bool {
		for i := 0; i+len(w) <= len(folded); i++ {
			if normQuery(folded[i:i+len(w)]) == w && start(i) && (!whole || end(i+len(w))) {
				return true
			}
		}
		return false
	}
	for _, w := range words {
		if !at(w, false) {
			return 0
		}
	}
	if at(q, true) {
		return 2
	}
	return 1
}

// subsequence reports whether the runes of norm occur in order in text,
// case-insensitively (the folded text against a normalized query).
func subsequence(norm, text string) bool {
	q := []rune(norm)
	for _, r := range normQuery(text) {
		if len(q) > 0 && r == q[0] {
			q = q[1:]
		}
	}
	return len(q) == 0
}

func foldAll(rows []Entry) []string {
	folded := make([]string, len(rows))
	for i, r := range rows {
		folded[i] = string(appendFold(nil, r.Text))
	}
	return folded
}

func bruteForceFolded(rows []Entry, folded []string, query string, limit int) ([]string, int) {
	norm := normQuery(query)
	ms := fuzzy.Find(norm, folded)
	class := make(map[int]int, len(ms))
	for _, m := range ms {
		class[m.Index] = refClass(rows[m.Index], folded[m.Index], norm)
	}
	sort.SliceStable(ms, func(a, b int) bool {
		ia, ib := rows[ms[a].Index].Inactive, rows[ms[b].Index].Inactive
		if ia != ib {
			return ib
		}
		if ca, cb := class[ms[a].Index], class[ms[b].Index]; ca != cb {
			return ca > cb
		}
		if ms[a].Score != ms[b].Score {
			return ms[a].Score > ms[b].Score
		}
		return ms[a].Index < ms[b].Index
	})
	var keys []string
	for _, m := range ms[:min(limit, len(ms))] {
		keys = append(keys, rows[m.Index].Key)
	}
	return keys, len(ms)
}

func keysOf(r Result[Entry]) []string {
	var keys []string
	for _, m := range r.Matches {
		keys = append(keys, m.Entry.Key)
	}
	return keys
}

// checkPositions asserts that each position points at a character of Text
// that folds to the next query character, in order.
func checkPositions(t *testing.T, r Result[Entry]) {
	t.Helper()
	if err := positionsErr(r); err != nil {
		t.Fatal(err)
	}
}

func positionsErr(r Result[Entry]) error {
	q := []rune(normQuery(r.Query))
	for _, m := range r.Matches {
		if len(m.Positions) != len(q) {
			return fmt.Errorf("%q in %q: %d positions for %d query runes", r.Query, m.Entry.Text, len(m.Positions), len(q))
		}
		for k, p := range m.Positions {
			c, _ := utf8.DecodeRuneInString(m.Entry.Text[p:])
			f := []rune(normQuery(string(c)))
			if !slices.Contains(f, q[k]) {
				return fmt.Errorf("%q in %q: position %d is %q, want %q", r.Query, m.Entry.Text, p, c, q[k])
			}
			if k > 0 && p < m.Positions[k-1] {
				return fmt.Errorf("positions not ascending: %v", m.Positions)
			}
		}
	}
	return nil
}

// randomQuery draws a query from a row (a subsequence, a substring) or at random.
func randomQuery(rng *rand.Rand, rows []Entry) string {
	text := []rune(rows[rng.IntN(len(rows))].Text)
	switch rng.IntN(6) {
	case 4: // a whole word of the text, or two
		ws := strings.Fields(string(text))
		i := rng.IntN(len(ws))
		return strings.Join(ws[i:min(len(ws), i+1+rng.IntN(2))], " ")
	case 5: // the key, or the whole text
		if rng.IntN(2) == 0 {
			return strings.ToUpper(rows[rng.IntN(len(rows))].Key)
		}
		return string(text)
	case 0: // substring
		i := rng.IntN(len(text))
		return string(text[i:min(len(text), i+1+rng.IntN(8))])
	case 1: // subsequence
		var q []rune
		for _, r := range text {
			if rng.IntN(6) == 0 {
				q = append(q, r)
			}
		}
		return string(q)
	case 2: // random letters
		q := make([]byte, 1+rng.IntN(4))
		for i := range q {
			q[i] = "abcdeilmnorstuz 0123456789-,·"[rng.IntN(28)]
		}
		return string(q)
	}
	return strings.ToUpper(string(text[:1+rng.IntN(5)]))
}

func TestIndexScorerIsSahilm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := genRows(400, 7)
	alphabet := []string{"a", "b", "A", "B", "c", "C", " ", "-", "_", ".", "/", "\\", "é", "É", "ß", "·", "x", "\xff", "ǅ", "ж", "Ж", "aB", "ab"}
	for iter := 0; iter < 20000; iter++ {
		var text, query string
		if iter%2 == 0 {
			text = rows[rng.IntN(len(rows))].Text
			query = randomQuery(rng, rows)
		} else { // adversarial short strings: camel case, separators, runs
			var tb, qb strings.Builder
			for range 1 + rng.IntN(14) {
				tb.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			for range 1 + rng.IntN(4) {
				qb.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			text, query = tb.String(), qb.String()
		}
		norm := normQuery(query)
		if norm == "" {
			continue
		}
		folded := appendFold(nil, text)
		ms := fuzzy.Find(norm, []string{string(folded)})
		up := make([]uint64, len(folded)/64+2)
		base := 7 // any offset in the arena
		splitCase(folded, up, base)
		sc, ok := newPattern(norm).score(folded, up, base)
		if utf8.RuneCountInString(norm) > 30 {
			// sahilm's adjacency bonus may overflow (see saturate): check the
			// port's match and positions against the plain subsequence.
			var pos []int
			_, ok := newPattern(norm).scorePos(folded, up, base, &pos)
			if want := subsequence(norm, string(folded)); ok != want {
				t.Fatalf("%q in %q: long query: port %v, subsequence %v", norm, text, ok, want)
			}
			if ok {
				checkPositions(t, Result[Entry]{Query: query, Matches: []Match[Entry]{{Entry: Entry{Text: text}, Positions: mapPositions(text, pos)}}})
			}
			continue
		}
		if end, ok2 := newPattern(norm).matchEnd(folded, up, base, 0, 0); ok2 != ok || ok && end > len(folded) && end != noEnd {
			t.Fatalf("%q in %q: matchEnd %d %v, score says %v", norm, folded, end, ok2, ok)
		}
		if ok != (len(ms) == 1) || ok && sc != ms[0].Score {
			t.Fatalf("%q in %q: port (%d, %v), sahilm %+v", norm, text, sc, ok, ms)
		}
		var pos []int
		if _, ok := newPattern(norm).scorePos(folded, up, base, &pos); ok && !slices.Equal(pos, ms[0].MatchedIndexes) {
			t.Fatalf("%q in %q: port positions %v, sahilm %v", norm, text, pos, ms[0].MatchedIndexes)
		}
		var chars [128]byte
		var scores [128]int
		var starts uint64
		k := oneScores(folded, up, base, &chars, &scores, &starts)
		pairs := pairsOf(folded)
		if b := newPattern(norm).bound(starts, &pairs, len(folded), folded[0]); ok && int64(sc) > b {
			t.Fatalf("%q in %q: score %d above its bound %d", norm, text, sc, b)
		}
		for x, c := range chars[:k] {
			ms := fuzzy.Find(string(rune(c)), []string{string(appendFold(nil, text))})
			if len(ms) != 1 || ms[0].Score != scores[x] {
				t.Fatalf("%q in %q: one-char %d, sahilm %+v", c, folded, scores[x], ms)
			}
		}
	}
}

func TestIndexMatchesBruteForce(t *testing.T) {
	rows := genRows(40000, 3) // above the parallel threshold
	folded := foldAll(rows)
	ix := New(rows)
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 60; iter++ {
		q := randomQuery(rng, rows)
		limit := 1 + rng.IntN(40)
		wantKeys, wantTotal := bruteForceFolded(rows, folded, q, limit)
		got := ix.Search(q, limit)
		if got.Total != wantTotal || !slices.Equal(keysOf(got), wantKeys) {
			t.Fatalf("%q: total %d keys %v, want %d %v", q, got.Total, keysOf(got), wantTotal, wantKeys)
		}
		if got.Size != len(rows) {
			t.Fatalf("size %d", got.Size)
		}
		checkPositions(t, got)
	}
}

func TestSearcherNarrowingEqualsFreshSearch(t *testing.T) {
	rows := genRows(8000, 11)
	ix := New(rows)
	s := ix.NewSearcher()
	ix.Touch(rows[10].Key)
	for _, q := range []string{"alvarez card", "chen pediatric", "springfield ortho", "1234567", "muñoz", "NGUYỄN"} {
		seq := []string{}
		for i := range utf8.RuneCountInString(q) + 1 {
			seq = append(seq, string([]rune(q)[:i]))
		}
		for i := len(seq) - 2; i >= 0; i-- { // backspace to empty
			seq = append(seq, seq[i])
		}
		seq = append(seq, q[:2], "x"+q) // jump to an unrelated query
		for _, typed := range seq {
			a, b := s.Search(typed, 25), ix.Search(typed, 25)
			if a.Total != b.Total || !slices.Equal(keysOf(a), keysOf(b)) || a.Query != typed {
				t.Fatalf("%q: searcher %d %v, fresh %d %v", typed, a.Total, keysOf(a), b.Total, keysOf(b))
			}
			for k := range a.Matches {
				if !slices.Equal(a.Matches[k].Positions, b.Matches[k].Positions) {
					t.Fatalf("%q: positions differ", typed)
				}
			}
		}
	}
}

func TestIndexRanking(t *testing.T) {
	rows := []Entry{
		{Key: "1", Name: "Chenoweth, Al", Text: "Chenoweth, Al · Neurology · Boston, MA"},
		{Key: "2", Name: "Chen, Wei", Text: "Chen, Wei · Cardiology · Chicago, IL", Inactive: true},
		{Key: "3", Name: "Chen, Wei", Text: "Chen, Wei · Cardiology · Chicago, IL"},
		{Key: "4", Name: "Achenbach, Ruth", Text: "Achenbach, Ruth · Pediatrics · Austin, TX"},
		{Key: "5", Name: "Álvarez, María", Text: "Álvarez, María · Orthopedics · San José, CA"},
	}
	ix := New(rows)
	r := ix.Search("chen, wei", 10)
	if got := keysOf(r); !slices.Equal(got, []string{"3", "2"}) || r.Total != 2 {
		t.Fatalf("chen, wei: %v total %d", got, r.Total)
	}
	if !r.Matches[1].Entry.Inactive {
		t.Fatal("inactive row not marked")
	}
	if got := keysOf(ix.Search("chen", 10)); got[0] != "3" || got[len(got)-1] != "2" {
		t.Fatalf("chen: %v (want the exact name first, the inactive last)", got)
	}
	if got := keysOf(ix.Search("", 10)); !slices.Equal(got, []string{"1", "3", "4", "5", "2"}) {
		t.Fatalf("empty query before touches: %v", got)
	}
	ix.Touch("4")
	ix.Touch("5")
	ix.Touch("2")
	if got := keysOf(ix.Search("", 10)); !slices.Equal(got, []string{"5", "4", "1", "3", "2"}) {
		t.Fatalf("empty query after touches: %v (recent first, inactive last)", got)
	}
	ix.Touch("4")
	ix.Touch("4")
	if got := keysOf(ix.Search("", 2)); !slices.Equal(got, []string{"4", "5"}) {
		t.Fatalf("after three touches of 4: %v", got)
	}
	// Recency breaks a tie of equal scores: rows 1 and 3 both score the
	// same for "c" only if their texts agree there; use identical texts.
	tie := []Entry{{Key: "a", Text: "Lee, Ann · Urology"}, {Key: "b", Text: "Lee, Ann · Urology"}}
	ix2 := New(tie)
	ix2.Touch("b")
	for _, q := range []string{"l", "lee", "uro"} {
		if got := keysOf(ix2.Search(q, 2)); !slices.Equal(got, []string{"b", "a"}) {
			t.Fatalf("%q: tie not broken by recency: %v", q, got)
		}
	}
	// Accents: found unaccented, positions on the accented letters.
	r = ix.Search("alvarez maria", 1)
	if keysOf(r)[0] != "5" {
		t.Fatalf("alvarez: %v", keysOf(r))
	}
	checkPositions(t, r)
	if r.Matches[0].Positions[0] != 0 || r.Matches[0].Positions[1] != 2 {
		t.Fatalf("positions %v: want Á at 0 and l at 2", r.Matches[0].Positions)
	}
	if e, ok := ix.Lookup("5"); !ok || e.Name != "Álvarez, María" || ix.Len() != 5 {
		t.Fatalf("lookup %v %v len %d", e, ok, ix.Len())
	}
	if _, ok := ix.Lookup("nope"); ok {
		t.Fatal("lookup of a missing key")
	}
	// Keys in no particular order are still found.
	shuffled := genRows(500, 9)
	rand.New(rand.NewPCG(3, 3)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	ix3 := New(shuffled)
	for _, e := range shuffled {
		if got, ok := ix3.Lookup(e.Key); !ok || got.Key != e.Key || got.Text != e.Text {
			t.Fatalf("lookup %s: %v %v", e.Key, got.Key, ok)
		}
	}
}
