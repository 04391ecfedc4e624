package search

import (
	"slices"
	"strings"
	"testing"
)

// The pickers' tester's three findings (class.go, saturate).
func TestSearchWholeTextExactIDAndWordPrefix(t *testing.T) {
	rows := []Entry{
		{Key: "20002", Name: "Kowalski, Priya", Text: "Kowalski, Priya · NPI 1103209528 · EHR 20002"},
		{Key: "20025", Name: "Kowalski, Priya", Text: "Kowalski, Priya · NPI 1103200028 · EHR 20025"},
		{Key: "20100", Name: "Allen, Kevin", Text: "Allen, Kevin · EHR 20100"},
		{Key: "20101", Name: "Alvarez, Maria", Text: "Alvarez, Maria · Cardiology · Springfield, IL · NPI 1234567893 · EHR 20101"},
		{Key: "20102", Name: "Álvarez-Smith, José", Text: "Álvarez-Smith, José · Pediatric Cardiology · San José, CA · NPI 1234567801 · EHR 20102"},
		{Key: "PROV-001", Name: "Okafor, Ngozi", Text: "Okafor, Ngozi · NPI 1992000201 · EHR PROV-001"},
		{Key: "20200", Name: "Provost, Olga", Text: "Provost, Olga · NPI 2000200020 · EHR 20200"},
	}
	ix := New(rows)
	s := ix.NewSearcher()
	search := func(q string, limit int) Result[Entry] {
		a, b := ix.Search(q, limit), s.Search(q, limit)
		if a.Total != b.Total || !slices.Equal(keysOf(a), keysOf(b)) {
			t.Fatalf("%q: index %v, searcher %v", q, keysOf(a), keysOf(b))
		}
		checkPositions(t, a)
		return a
	}
	// (a) Every prefix of a row's whole text finds it, the whole text too.
	text := rows[0].Text
	for i := range []rune(text) {
		q := string([]rune(text)[:i+1])
		if r := search(q, 5); r.Total == 0 || (i > 20 && keysOf(r)[0] != "20002") {
			t.Fatalf("%d runes of the text: %v (total %d)", i+1, keysOf(r), r.Total)
		}
	}
	for _, e := range rows {
		if r := search(e.Text, 5); len(r.Matches) == 0 || r.Matches[0].Entry.Key != e.Key {
			t.Fatalf("whole text of %s: %v", e.Key, keysOf(r))
		}
	}
	// (b) The Key typed in full ranks first, and a whole id token next.
	if got := keysOf(search("20002", 10)); len(got) == 0 || got[0] != "20002" {
		t.Fatalf("20002: %v", got)
	}
	if got := keysOf(search("prov-001", 10)); len(got) == 0 || got[0] != "PROV-001" {
		t.Fatalf("prov-001: %v", got)
	}
	if got := keysOf(search("1103200028", 10)); len(got) == 0 || got[0] != "20025" {
		t.Fatalf("an NPI: %v", got)
	}
	// (c) A word prefix beats a scattered match in a shorter row.
	got := keysOf(search("alv", 10))
	if len(got) < 3 || !slices.Equal(got[:2], []string{"20101", "20102"}) || got[2] != "20100" {
		t.Fatalf("alv: %v (Alvarez rows before Allen, Kevin)", got)
	}
	if got := keysOf(search("alvarez card", 10)); !slices.Equal(got, []string{"20101", "20102"}) {
		t.Fatalf("alvarez card: %v", got)
	}
	// One-character queries (precomputed answers) follow the same classes.
	one := New([]Entry{{Key: "1", Text: "Baker, Ann · b"}, {Key: "2", Text: "Xb Yb"}, {Key: "b", Text: "Cobb"}, {Key: "3", Text: "Bo"}})
	if got := keysOf(one.Search("b", 10)); !slices.Equal(got, []string{"b", "1", "3", "2"}) {
		t.Fatalf("b: %v (key, whole word, word start, other)", got)
	}
}

// A query far longer than sahilm's arithmetic allows still matches, with
// sane positions, and rows are still skipped without overflow.
func TestSearchLongQueries(t *testing.T) {
	rows := genRows(3000, 17)
	ix := New(rows)
	s := ix.NewSearcher()
	for i := 0; i < len(rows); i += 97 {
		r := ix.Search(rows[i].Text, 3)
		if len(r.Matches) == 0 || r.Matches[0].Entry.Key != rows[i].Key {
			t.Fatalf("whole text of row %d: %v", i, keysOf(r))
		}
		checkPositions(t, r)
		// Typed one key at a time through a Searcher: found all the way.
		if i%5 == 0 {
			typed := []rune(rows[i].Text)
			for k := range typed {
				if r := s.Search(string(typed[:k+1]), 3); r.Total == 0 {
					t.Fatalf("row %d, %d runes typed: nothing", i, k+1)
				}
			}
		}
	}
	// Scattered long queries (no long adjacent runs): as sahilm ranks them.
	for _, q := range []string{strings.Repeat("a", 12), strings.Repeat("a ", 8), strings.Repeat("e", 9)} {
		want, total := bruteForce(rows, q, 10)
		if got := ix.Search(q, 10); got.Total != total || !slices.Equal(keysOf(got), want) {
			t.Fatalf("%q: %d %v, want %d %v", q, got.Total, keysOf(got), total, want)
		}
	}
}
