package search

import (
	"slices"
	"testing"
)

// A Searcher's preferred keys come first on an empty query, in their
// order, then the index's recent and frequent choices, then the rest;
// unknown, repeated and inactive keys are skipped, typed queries are
// ranked as before, and the list is asked for again at each empty search.
func TestSearcherPreferOnEmptyQuery(t *testing.T) {
	rows := []Entry{
		{Key: "1", Text: "Smith, John · Cardiology"},
		{Key: "2", Text: "Chen, Wei · Cardiology", Inactive: true},
		{Key: "3", Text: "Chen, Wei · Cardiology"},
		{Key: "4", Text: "Achenbach, Ruth · Pediatrics"},
		{Key: "5", Text: "Alvarez, Maria · Orthopedics"},
		{Key: "6", Text: "Okafor, Ngozi · Urology"},
	}
	ix := New(rows)
	ix.Touch("6")
	s := ix.NewSearcher()
	if got := keysOf(s.Search("", 10)); !slices.Equal(got, []string{"6", "1", "3", "4", "5", "2"}) {
		t.Fatalf("without Prefer: %v", got)
	}
	prefer := []string{"5", "nope", "2", "5", "3"}
	calls := 0
	s.Prefer(func() []string { calls++; return prefer })
	if got := keysOf(s.Search("", 10)); !slices.Equal(got, []string{"5", "3", "6", "1", "4", "2"}) {
		t.Fatalf("with Prefer(5, nope, 2, 5, 3): %v (preferred active first, then touched, then the rest, inactive last)", got)
	}
	if got := keysOf(s.Search("", 3)); !slices.Equal(got, []string{"5", "3", "6"}) {
		t.Fatalf("limit 3: %v", got)
	}
	if got := keysOf(s.Search("", 1)); !slices.Equal(got, []string{"5"}) {
		t.Fatalf("limit 1: %v", got)
	}
	if r := s.Search("", 10); r.Total != len(rows) || r.Size != len(rows) {
		t.Fatalf("total %d size %d", r.Total, r.Size)
	}
	// Typed queries keep their ranking: the exact key, then the score.
	if got := keysOf(s.Search("chen", 10)); got[0] != "3" || slices.Index(got, "5") >= 0 {
		t.Fatalf("chen: %v", got)
	}
	before := calls
	s.Search("ch", 10)
	if calls != before {
		t.Fatal("Prefer's list was asked for a typed query")
	}
	prefer = []string{"4"}
	if got := keysOf(s.Search("", 2)); !slices.Equal(got, []string{"4", "6"}) {
		t.Fatalf("after the list changed: %v", got)
	}
	// Another Searcher of the same index is not affected.
	if got := keysOf(ix.NewSearcher().Search("", 2)); !slices.Equal(got, []string{"6", "1"}) {
		t.Fatalf("another searcher: %v", got)
	}
	s.Prefer(nil)
	if got := keysOf(s.Search("", 2)); !slices.Equal(got, []string{"6", "1"}) {
		t.Fatalf("Prefer(nil): %v", got)
	}
}

// The index's own order counts how often a key was chosen, not only how
// lately: the clinic's most used come before one chosen once just now,
// while a key chosen as often but longer ago comes after.
func TestRecencyCountsFrequency(t *testing.T) {
	rows := genRows(1000, 3)
	ix := New(rows)
	often, once, old := rows[10].Key, rows[20].Key, rows[30].Key
	for range 5 {
		ix.Touch(old)
	}
	for i := range 300 { // three half-lives of other choices
		ix.Touch(rows[100+i].Key)
	}
	for i := range 10 { // often: every 20th choice of the last 200
		ix.Touch(often)
		for j := range 19 {
			ix.Touch(rows[500+19*i+j].Key)
		}
	}
	ix.Touch(once)
	got := keysOf(ix.Search("", 3))
	if len(got) < 2 || got[0] != often || got[1] != once {
		t.Fatalf("empty query: %v, want %s (chosen 10 times among the last 201) then %s (once, last)", got, often, once)
	}
	all := keysOf(ix.Search("", 600))
	at := func(k string) int { return slices.Index(all, k) }
	// old: 5 choices 500 ago; rows[399]: once, 201 ago; rows[100]: once,
	// just after old.
	if !(at(rows[399].Key) < at(old) && at(old) < at(rows[100].Key)) {
		t.Fatalf("chosen 5 times long ago ranks %d, want between %d (once, lately) and %d (once, as long ago)",
			at(old), at(rows[399].Key), at(rows[100].Key))
	}
}
