package state

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// flagged writes a referral in status s flagged for a person.
func flagged(t *testing.T, d *Desk, s Status) int64 {
	t.Helper()
	id := outbox(t, d, sampleInput())
	ids := []int64{id}
	err := d.writeAndPublish(context.Background(), &ids, func(tx *sql.Tx) error {
		to := s
		if s == NotSent {
			to = Unknown // reached as the reconciler does: Unknown, then not found
		}
		if err := d.transition(context.Background(), tx, id, to, "test", update{attention: strp(AttentionNoAnswer)}); err != nil {
			return err
		}
		if s == NotSent {
			return d.transition(context.Background(), tx, id, NotSent, "test", update{attention: strp(AttentionNotFound)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSettleFlaggedReferrals(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{})
	for _, s := range []Status{Unknown, Processing, NotSent} {
		id := flagged(t, d, s)
		if _, err := d.SettleFound(ctx, "amy", id, "  "); err == nil {
			t.Errorf("%s: an empty EHR id was accepted", s)
		}
		r, err := d.SettleFound(ctx, "amy", id, "EHR-77")
		if err != nil {
			t.Fatalf("%s: SettleFound: %v", s, err)
		}
		if r.Status != Completed || r.EHRID != "EHR-77" || r.Attention != "" {
			t.Errorf("%s found: %+v", s, r)
		}
		_, ts := mustGet(t, d, id)
		if last := ts[len(ts)-1]; last.To != Completed || !strings.Contains(last.Cause, "found in eCW by amy") {
			t.Errorf("%s: last transition %+v", s, last)
		}
	}
	for _, s := range []Status{Unknown, Processing, NotSent} {
		id := flagged(t, d, s)
		r, err := d.SettleNotFound(ctx, "bo", id)
		if err != nil {
			t.Fatalf("%s: SettleNotFound: %v", s, err)
		}
		if r.Status != NotSent || r.Attention != "" || r.FailureReason != ReasonNotInEHR {
			t.Errorf("%s not found: %+v", s, r)
		}
		if n, _ := d.OutboxBacklog(ctx); n != 0 {
			t.Errorf("%s: a referral a person did not find waits in the outbox (%d): it would be sent by itself", s, n)
		}
	}
	// Only flagged referrals; the audit log says who.
	plain := outbox(t, d, sampleInput())
	if _, err := d.SettleNotFound(ctx, "bo", plain); !errors.Is(err, ErrNotFlagged) {
		t.Errorf("an unflagged referral was settled: %v", err)
	}
	log, err := d.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var found, notFound int
	for _, e := range log {
		switch {
		case e.Action == "settle-found" && e.User == "amy" && !e.At.IsZero():
			found++
		case e.Action == "settle-not-found" && e.User == "bo":
			notFound++
		}
	}
	if found != 3 || notFound != 3 {
		t.Errorf("audit: %d found, %d not found by their users; want 3 and 3: %+v", found, notFound, log)
	}
	flaggedOnly, err := d.Referrals(ctx, Filter{Attention: true})
	if err != nil || len(flaggedOnly) != 0 {
		t.Errorf("Filter{Attention} after settling: %d, %v", len(flaggedOnly), err)
	}
	flagged(t, d, Unknown)
	if got, _ := d.Referrals(ctx, Filter{Attention: true}); len(got) != 1 || got[0].Attention == "" {
		t.Errorf("Filter{Attention}: %+v", got)
	}
}
