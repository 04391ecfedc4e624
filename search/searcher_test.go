package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestIndexConcurrentSearchReplaceTouch(t *testing.T) {
	a, b := genRows(36000, 1), genRows(3000, 2) // a is searched in parallel
	ix := New(a)
	done := make(chan struct{})
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		go func() {
			s := ix.NewSearcher()
			for i := 0; i < 60; i++ {
				q := "alvarez card"[:i%12]
				r := s.Search(q, 10)
				r2 := ix.Search(q, 10)
				if r.Size != 36000 && r.Size != 3000 || r.Total > r.Size || r2.Total > r2.Size {
					errs <- fmt.Errorf("inconsistent result %d/%d", r.Total, r.Size)
					return
				}
				if err := positionsErr(r); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	go func() {
		for i := 0; i < 6; i++ {
			if i%2 == 0 {
				ix.Replace(b)
			} else {
				ix.Replace(a)
			}
			ix.Touch(fmt.Sprintf("prv-%07d", i))
		}
		close(done)
	}()
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	<-done
	ix.Replace(b)
	if r := ix.NewSearcher().Search("", 5); r.Size != 3000 || r.Total != 3000 {
		t.Fatalf("after replace: %d/%d", r.Total, r.Size)
	}
}

func TestIndexEdges(t *testing.T) {
	empty := New[Entry](nil)
	for _, q := range []string{"", "a", "ab", "é"} {
		if r := empty.Search(q, 10); r.Total != 0 || len(r.Matches) != 0 || r.Size != 0 {
			t.Fatalf("empty index, %q: %+v", q, r)
		}
	}
	// Generation counts the swaps, not the searches or touches.
	empty.Touch("x")
	empty.Replace(genRows(3, 1))
	empty.Replace(nil)
	if g := empty.Generation(); g != 2 {
		t.Fatalf("generation %d after two Replace calls, want 2", g)
	}
	rows := genRows(3000, 21)
	ix := New(rows)
	// A limit above the precomputed one-character answers, and limit 0.
	for _, q := range []string{"a", "z", "ch"} {
		want, wantTotal := bruteForce(rows, q, 400)
		if got := ix.Search(q, 400); got.Total != wantTotal || !slices.Equal(keysOf(got), want) {
			t.Fatalf("%q limit 400: %d %d", q, got.Total, wantTotal)
		}
		if got := ix.Search(q, 0); got.Total != wantTotal || len(got.Matches) != 0 {
			t.Fatalf("%q limit 0: %+v", q, got.Total)
		}
	}
	// Touches between keystrokes change the ranking a Searcher remembers.
	s := ix.NewSearcher()
	for i, q := range []string{"s", "sm", "smi", "sm", "s", "sm"} {
		r := s.Search(q, 5)
		ix.Touch(r.Matches[len(r.Matches)-1].Entry.Key) // promote the last shown
		if i%2 == 0 {
			ix.Touch(rows[i*7].Key)
		}
		a, b := s.Search(q, 5), ix.Search(q, 5)
		if !slices.Equal(keysOf(a), keysOf(b)) {
			t.Fatalf("%q after touch: searcher %v, fresh %v", q, keysOf(a), keysOf(b))
		}
	}
}

func TestSearcherCancel(t *testing.T) {
	rows := genRows(20000, 4)
	ix := New(rows)
	s := ix.NewSearcher()
	s.Search("c", 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.SearchContext(ctx, "ch", 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled search: err %v", err)
	}
	// Nothing half-done was remembered: the next answers are complete.
	for _, q := range []string{"ch", "che", "ch"} {
		a, b := s.Search(q, 10), ix.Search(q, 10)
		if a.Total != b.Total || !slices.Equal(keysOf(a), keysOf(b)) {
			t.Fatalf("%q after a cancelled search: %d vs %d", q, a.Total, b.Total)
		}
		if want, total := bruteForce(rows, q, 10); a.Total != total || !slices.Equal(keysOf(a), want) {
			t.Fatalf("%q: %d, brute force %d", q, a.Total, total)
		}
	}
}
