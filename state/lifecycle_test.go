package state

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

var allStatuses = []Status{Draft, Submitting, Processing, Completed, Failed, NotSent, Unknown}

// Every pair of statuses: legal changes are made and recorded, illegal ones
// are refused with nothing written.
func TestTransitionsLegalAndIllegal(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	legalCount := 0
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			id := outbox(t, d, sampleInput())
			if _, err := d.st.w.Exec("UPDATE referrals SET status = ? WHERE id = ?", from, id); err != nil {
				t.Fatal(err)
			}
			_, before := mustGet(t, d, id)
			err := d.writeAndPublish(ctx, &[]int64{id}, func(tx *sql.Tx) error {
				return d.transition(ctx, tx, id, to, "test", update{})
			})
			r, after := mustGet(t, d, id)
			if from.CanBecome(to) {
				legalCount++
				if err != nil {
					t.Errorf("%s → %s refused: %v", from, to, err)
					continue
				}
				last := after[len(after)-1]
				if r.Status != to || len(after) != len(before)+1 || last.From != from || last.To != to || last.Cause != "test" || last.At.IsZero() {
					t.Errorf("%s → %s: status %s, last transition %+v", from, to, r.Status, last)
				}
				continue
			}
			var te *TransitionError
			if !errors.As(err, &te) || !errors.Is(err, ErrIllegalTransition) {
				t.Errorf("%s → %s: err %v, want a TransitionError", from, to, err)
			}
			if r.Status != from || len(after) != len(before) {
				t.Errorf("%s → %s refused but status %s, %d transitions (was %d)", from, to, r.Status, len(after), len(before))
			}
		}
	}
	if legalCount != 12 {
		t.Errorf("%d legal transitions, want the 12 of the lifecycle", legalCount)
	}
}

// A transition and the work beside it commit or roll back together.
func TestTransitionRollsBackWithItsTransaction(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	id := outbox(t, d, sampleInput())
	boom := errors.New("boom")
	err := d.writeAndPublish(ctx, &[]int64{id}, func(tx *sql.Tx) error {
		if err := d.transition(ctx, tx, id, Processing, "test", update{referralID: strp("abc")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	r, ts := mustGet(t, d, id)
	if r.Status != Submitting || r.ReferralID != "" || len(ts) != 1 {
		t.Errorf("after rollback: status %s, referral_id %q, %d transitions", r.Status, r.ReferralID, len(ts))
	}
}

func TestCrashLeavesSubmittingAsUnknown(t *testing.T) {
	ctx := context.Background()
	p := t.TempDir() + "/refdesk.db"
	d, err := Open(ctx, testOptions(t, Options{Path: p}))
	if err != nil {
		t.Fatal(err)
	}
	id := outbox(t, d, sampleInput())
	d.Close() // the process dies between the write and the POST's answer
	d = openTest(t, Options{Path: p})
	r, ts := mustGet(t, d, id)
	if r.Status != Unknown {
		t.Fatalf("status after restart %s, want unknown", r.Status)
	}
	if last := ts[len(ts)-1]; last.Cause != CauseInterrupted || last.From != Submitting {
		t.Errorf("last transition %+v", last)
	}
}

func TestFindDuplicate(t *testing.T) {
	ctx := context.Background()
	now := time0
	d := openTest(t, Options{Now: func() time.Time { return now }})
	in := sampleInput()
	if dup, err := d.FindDuplicate(ctx, in); dup != nil || err != nil {
		t.Fatalf("empty store: %v %v", dup, err)
	}
	id := outbox(t, d, in)
	again := in
	again.Reason = "  CARDIOLOGY consultation "
	dup, err := d.FindDuplicate(ctx, again)
	if err != nil || dup == nil || dup.ID != id {
		t.Fatalf("same patient/to/reason: %v %v", dup, err)
	}
	other := in
	other.ToEHRID = "PROV-003"
	if dup, _ := d.FindDuplicate(ctx, other); dup != nil {
		t.Errorf("another to-provider matched %d", dup.ID)
	}
	other = in
	other.PatientMRN = "7654321"
	if dup, _ := d.FindDuplicate(ctx, other); dup != nil {
		t.Errorf("another patient matched %d", dup.ID)
	}
	now = now.Add(25 * time.Hour)
	if dup, _ := d.FindDuplicate(ctx, in); dup != nil {
		t.Errorf("a referral 25 h old matched")
	}
	now = time0.Add(time.Hour)
	if _, err := d.st.w.Exec("UPDATE referrals SET status = ? WHERE id = ?", NotSent, id); err != nil {
		t.Fatal(err)
	}
	if dup, _ := d.FindDuplicate(ctx, in); dup != nil {
		t.Errorf("a Not sent referral matched (status %s)", dup.Status)
	}
}
