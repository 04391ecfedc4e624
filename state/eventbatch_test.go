package state

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"refdesk/api"
)

// poisonEHR makes the store refuse any referral update that sets ehr_id to
// EHR-POISON: a referral.created carrying it fails after its event row is
// written, inside the transaction it shares with other events.
func poisonEHR(t *testing.T, d *Desk) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER poison BEFORE UPDATE ON referrals WHEN NEW.ehr_id = 'EHR-POISON'
		BEGIN SELECT RAISE(ABORT, 'poisoned event'); END`}
	if d.st.pg {
		stmts = []string{`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.ehr_id = 'EHR-POISON' THEN RAISE EXCEPTION 'poisoned event'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER poison BEFORE UPDATE ON referrals FOR EACH ROW EXECUTE FUNCTION poison()`}
	}
	for _, s := range stmts {
		if _, err := d.st.w.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// Many webhook events at once, each delivered twice, a few poisoned: the
// group commit stores and applies every other event exactly once, answers
// exactly one of each pair "not a duplicate", and gives each poisoned
// event's callers its own error, leaving nothing of it behind.
func TestConcurrentWebhooksWithPoisonedEvent(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	const n = 150
	poisoned := map[int]bool{7: true, 70: true, 149: true}
	refs := make([]int64, n)
	err := d.writeAndPublish(ctx, new([]int64), func(tx *sql.Tx) error {
		for i := range n {
			id, err := d.insertReferral(ctx, tx, "tester", sampleInput(), "sent by tester")
			if err != nil {
				return err
			}
			rid, job := fmt.Sprintf("ref-%d", i), fmt.Sprintf("job-%d", i)
			if err := d.transition(ctx, tx, id, Processing, "queued by Cobalt", update{referralID: &rid, jobID: &job}); err != nil {
				return err
			}
			refs[i] = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	poisonEHR(t, d)

	type answer struct {
		dup bool
		err error
	}
	answers := make([][2]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ehr := fmt.Sprintf("EHR-%d", i)
		if poisoned[i] {
			ehr = "EHR-POISON"
		}
		ev := event(fmt.Sprintf("evt-%d", i), api.EventReferralCreated, fmt.Sprintf("job-%d", i), created(fmt.Sprintf("ref-%d", i), ehr))
		for k := range 2 {
			wg.Go(func() {
				<-start
				dup, err := d.ApplyWebhook(ctx, ev)
				answers[i][k] = answer{dup, err}
			})
		}
	}
	close(start)
	wg.Wait()

	for i := range n {
		a := answers[i]
		r, ts := mustGet(t, d, refs[i])
		if poisoned[i] {
			for k := range 2 {
				if a[k].err == nil || !strings.Contains(a[k].err.Error(), "poisoned event") {
					t.Errorf("poisoned event %d, delivery %d: err = %v, want the store's refusal", i, k, a[k].err)
				}
			}
			if got := path(ts); r.Status != Processing || got[len(got)-1] != Processing {
				t.Errorf("poisoned referral %d: %s, path %v; want it left Processing", i, r.Status, got)
			}
			if got := countEvents(t, d, fmt.Sprintf("event_id = 'evt-%d'", i)); got != 0 {
				t.Errorf("poisoned event %d: %d rows stored, want 0 (rolled back)", i, got)
			}
			continue
		}
		if a[0].err != nil || a[1].err != nil {
			t.Errorf("event %d: errors %v, %v", i, a[0].err, a[1].err)
			continue
		}
		if a[0].dup == a[1].dup {
			t.Errorf("event %d: duplicate answers %v, %v, want exactly one true", i, a[0].dup, a[1].dup)
		}
		if r.Status != Completed || r.EHRID != fmt.Sprintf("EHR-%d", i) {
			t.Errorf("referral %d: %s, EHR %q; want Completed, EHR-%d", i, r.Status, r.EHRID, i)
		}
		if got := path(ts); got[len(got)-1] != Completed || got[len(got)-2] != Processing || slices.Index(got, Completed) != len(got)-1 {
			t.Errorf("referral %d: path %v, want one move to Completed, from Processing", i, got)
		}
	}
	// Each applied event's change is in the feed for the other nodes; a
	// poisoned one's is not (setup wrote none).
	for i := range n {
		var notes int
		if err := d.st.r.QueryRow("SELECT COUNT(*) FROM changes WHERE kind = ? AND ref = ?", string(FeedReferral), refs[i]).Scan(&notes); err != nil {
			t.Fatal(err)
		}
		if poisoned[i] && notes != 0 || !poisoned[i] && notes != 1 {
			t.Errorf("referral %d (poisoned %v): %d change-feed entries", i, poisoned[i], notes)
		}
	}
	want := n - len(poisoned)
	if got := countEvents(t, d, "applied = 1"); got != want {
		t.Errorf("%d events stored and applied, want %d", got, want)
	}
	if got := countEvents(t, d, "1 = 1"); got != want {
		t.Errorf("%d events stored, want %d", got, want)
	}
}
