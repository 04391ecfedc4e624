package state

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"refdesk/api/sandbox"
)

// BenchmarkDeskRecent measures what a desk's empty picker costs on a store
// of 20,000 referrals from 20 desks, against the sandbox's default clinic
// (5,000 referring providers): reading a desk's history the first time
// (cold, once per desk and process), RecentFor afterwards (warm), and the
// empty search of a desk's picker next to the clinic-wide one.
func BenchmarkDeskRecent(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, envOpts{sandbox: sandbox.Options{Providers: 150, ReferringProviders: 5000, Patients: 2000}})
	var refs []string
	for _, m := range e.d.Index(ReferringProviders).Search("", 400).Matches {
		refs = append(refs, m.Entry.Key)
	}
	err := e.d.st.write(ctx, func(tx *sql.Tx) error {
		for i := range 20_000 {
			in := sampleInput()
			in.ToEHRID, in.Reason = refs[(i*37)%len(refs)], fmt.Sprintf("Consultation %d", i)
			if _, err := e.d.insertReferral(ctx, tx, fmt.Sprintf("desk%02d", i%20), in, "bench"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e.d.recent.mu.Lock()
			e.d.recent.users = nil
			e.d.recent.mu.Unlock()
			if got := e.d.RecentFor(ctx, "desk07", ReferringProviders); len(got) != deskRecent {
				b.Fatalf("%v", got)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got := e.d.RecentFor(ctx, "desk07", ReferringProviders); len(got) != deskRecent {
				b.Fatalf("%v", got)
			}
		}
	})
	for _, c := range []struct {
		name string
		s    *Searcher
	}{
		{"empty-search-clinic", e.d.Index(ReferringProviders).NewSearcher()},
		{"empty-search-desk", e.d.IndexFor(ctx, "desk07", ReferringProviders).NewSearcher()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := c.s.Search("", 50); len(r.Matches) != 50 {
					b.Fatalf("%d rows", len(r.Matches))
				}
			}
		})
	}
}
