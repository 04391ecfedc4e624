package search

import (
	"strconv"
	"testing"
)

// benchEmpty opens a picker's empty list (limit 50) on n rows after 500
// choices over 200 keys, as a clinic's index holds after start-up; with
// prefer, the Searcher also lists a desk's 5 latest choices first.
func benchEmpty(b *testing.B, n int, prefer bool) {
	rows := genRows(n, 42)
	ix := New(rows)
	for i := range 500 {
		ix.Touch(rows[(i*7919)%200*(n/200)].Key)
	}
	s := ix.NewSearcher()
	if prefer {
		keys := []string{rows[n-1].Key, rows[n/3].Key, rows[5].Key, rows[n/2].Key, "gone"}
		s.Prefer(func() []string { return keys })
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := s.Search("", 50); len(r.Matches) != 50 {
			b.Fatalf("%d rows", len(r.Matches))
		}
	}
}

// BenchmarkSearchEmpty is the cost of opening a picker with nothing typed.
func BenchmarkSearchEmpty(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run("clinic/n="+strconv.Itoa(n), func(b *testing.B) { benchEmpty(b, n, false) })
		b.Run("desk/n="+strconv.Itoa(n), func(b *testing.B) { benchEmpty(b, n, true) })
	}
}
