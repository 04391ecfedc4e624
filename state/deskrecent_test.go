package state

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"refdesk/api"
)

// Two desks with different histories see their own recent choices first
// on an empty search, in all three pickers, then the clinic's most
// referred-to; a desk with no history sees the clinic's; it all survives
// a restart, and a choice made in a desk's picker counts for that desk only.
func TestEachDeskSeesItsOwnRecentChoicesFirst(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	active := func(dir Directory, n int) []string {
		var keys []string
		for _, m := range e.d.Index(dir).Search("", 1000).Matches {
			if !m.Entry.Inactive {
				keys = append(keys, m.Entry.Key)
			}
		}
		if len(keys) < n {
			t.Fatalf("%s: %d active entries", dir, len(keys))
		}
		return keys[len(keys)-n:] // the end of the list: nothing touched there
	}
	provs, refs, pats := active(Providers, 4), active(ReferringProviders, 6), active(Patients, 4)
	n := 0
	send := func(user, from, to, mrn string) {
		t.Helper()
		n++
		in := sampleInput()
		in.FromEHRID, in.ToEHRID, in.PatientMRN = from, to, mrn
		in.Reason = fmt.Sprintf("Consultation %d", n)
		if _, err := e.d.Submit(ctx, user, in); err != nil {
			t.Fatalf("Submit by %s: %v", user, err)
		}
	}
	// The clinic's most referred-to: refs[0], four times, by a third desk.
	for range 4 {
		send("carol", provs[3], refs[0], pats[3])
	}
	// Before amy's first referral, amy's list is read (empty) and stays
	// current as amy sends: the live path.
	if got := e.d.RecentFor(ctx, "amy", ReferringProviders); len(got) != 0 {
		t.Fatalf("amy before sending: %v", got)
	}
	send("amy", provs[0], refs[1], pats[0])
	send("amy", provs[0], refs[2], pats[0])
	send("bob", provs[1], refs[3], pats[1])
	send("bob", provs[2], refs[4], pats[2])

	top := func(user string, dir Directory, k int) []string {
		t.Helper()
		var keys []string
		for _, m := range e.d.IndexFor(ctx, user, dir).NewSearcher().Search("", k).Matches {
			keys = append(keys, m.Entry.Key)
		}
		return keys
	}
	check := func(when string) {
		t.Helper()
		want := map[string]map[Directory][]string{
			"amy":  {ReferringProviders: {refs[2], refs[1], refs[0]}, Providers: {provs[0]}, Patients: {pats[0]}},
			"bob":  {ReferringProviders: {refs[4], refs[3], refs[0]}, Providers: {provs[2], provs[1]}, Patients: {pats[2], pats[1]}},
			"dave": {ReferringProviders: {refs[0]}, Providers: {provs[3]}},
		}
		for user, dirs := range want {
			for dir, w := range dirs {
				if got := top(user, dir, len(w)); !slices.Equal(got, w) {
					t.Errorf("%s: %s's empty %s search starts %v, want %v", when, user, dir, got, w)
				}
			}
		}
		// Typed searches are not reordered by a desk: both see the same.
		q := e.d.Index(ReferringProviders).Search("a", 5)
		for _, user := range []string{"amy", "bob"} {
			got := e.d.IndexFor(ctx, user, ReferringProviders).NewSearcher().Search("a", 5)
			for i := range q.Matches {
				if got.Matches[i].Entry.Key != q.Matches[i].Entry.Key {
					t.Errorf("%s: %s's typed search differs from the clinic's", when, user)
				}
			}
		}
	}
	check("live")
	if err := e.d.Close(); err != nil {
		t.Fatal(err)
	}
	e.open(t, Options{})
	check("after a restart")

	// A choice in amy's picker is amy's latest, not bob's, and not the
	// clinic's most used (only referrals count there).
	e.d.IndexFor(ctx, "amy", ReferringProviders).Touch(refs[5])
	if got := top("amy", ReferringProviders, 2); !slices.Equal(got, []string{refs[5], refs[2]}) {
		t.Errorf("amy after picking %s: %v", refs[5], got)
	}
	if got := top("bob", ReferringProviders, 1); got[0] != refs[4] {
		t.Errorf("bob after amy picked: %v", got)
	}
	if got := top("dave", ReferringProviders, 1); got[0] != refs[0] {
		t.Errorf("dave after amy picked: %v", got)
	}
}

// A desk's list holds its five latest distinct choices, newest first.
func TestRecentForKeepsFiveDistinct(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	var keys []string
	for _, m := range e.d.Index(ReferringProviders).Search("", 8).Matches {
		keys = append(keys, m.Entry.Key)
	}
	for i, k := range append(keys, keys[3], keys[0]) {
		in := sampleInput()
		in.ToEHRID, in.Reason = k, fmt.Sprintf("Consultation %d", i)
		if i%2 == 1 {
			in.Direction, in.FromEHRID, in.ToEHRID = api.DirectionIncoming, k, "PROV-001"
		}
		outboxAs(t, e.d, "amy", in)
	}
	e.d.Close()
	e.open(t, Options{})
	want := []string{keys[0], keys[3], keys[7], keys[6], keys[5]}
	if got := e.d.RecentFor(ctx, "amy", ReferringProviders); !slices.Equal(got, want) {
		t.Fatalf("amy's referring providers: %v, want %v", got, want)
	}
	if got := e.d.RecentFor(ctx, "amy", Providers); !slices.Equal(got, []string{"PROV-001"}) {
		t.Fatalf("amy's providers: %v", got)
	}
}

// outboxAs writes a Submitting referral sent by user, as Submit does
// before its POST.
func outboxAs(t *testing.T, d *Desk, user string, in ReferralInput) {
	t.Helper()
	ids := []int64{0}
	err := d.writeAndPublish(context.Background(), &ids, func(tx *sql.Tx) error {
		var err error
		ids[0], err = d.insertReferral(context.Background(), tx, user, in, "sent by "+user)
		return err
	})
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
}
