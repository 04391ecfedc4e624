package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"refdesk/api"
)

// Attention messages the reconciler sets.
const (
	AttentionNoAnswer = "No answer yet from Cobalt — check the EHR"
	AttentionNotFound = "Cobalt has no record of this referral — check the EHR before sending it again"
)

// Reconcile polls Cobalt for referrals whose answer has not come, until ctx
// ends. Run it once per process: a second call while one runs returns at
// once. It looks at
//   - referrals in Processing with no event after Options.Grace, and
//   - every Unknown referral,
//
// polling GET /v1/webhook-events?job_id= (every PollInterval at first,
// slowing after PollSlowAfter up to PollMaxInterval) and applying what it
// finds as events. An Unknown referral has no job id: it is first matched
// through GET /v1/referrals (its dates, patient, direction, both providers
// and reason); once found it takes Cobalt's id and goes to Processing.
// Cobalt's list gives no job id, so such a referral is then settled by
// settleListed: the recent events are scanned, applying only those of the
// referrals being reconciled and stopping once its own is seen; if none is
// (it may be older than the newest 1,000), the list's own status settles
// it when that says "created" or "failed".
// After PollHorizon a referral still unresolved gets Attention "no answer
// yet" and its status is kept — except an Unknown referral that Cobalt's
// list still did not hold at the last, successful, search: that one
// becomes NotSent with Attention asking a person to check the EHR before
// sending it again (a choice: the list is taken as proof it was never
// created; nothing is ever resent automatically). If Cobalt could not be
// asked, nothing is proved and it stays Unknown. Each referral gets a
// fresh horizon when the process starts.
//
// Cancel ctx (and wait for Reconcile to return) before Close.
func (d *Desk) Reconcile(ctx context.Context) {
	if d.client == nil || d.st.ro || !d.reconciler.CompareAndSwap(false, true) {
		return
	}
	defer d.reconciler.Store(false)
	r := &reconciler{d: d, tracks: make(map[int64]*track)}
	tick := time.NewTicker(max(d.opt.PollInterval/2, time.Millisecond))
	defer tick.Stop()
	for {
		r.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

type reconciler struct {
	d      *Desk
	tracks map[int64]*track
}

// track is one referral's polling schedule.
type track struct {
	first, next time.Time
	interval    time.Duration
	gaveUp      bool
	// absent: the last poll was a successful search of Cobalt's referrals
	// that did not find it (an Unknown referral without an id).
	absent bool
}

// candidate is a referral the reconciler looks at.
type candidate struct {
	id                int64
	status            Status
	referralID, jobID string
	created           time.Time
	in                ReferralInput
}

func (r *reconciler) round(ctx context.Context) {
	d := r.d
	cands, err := d.candidates(ctx)
	if err != nil {
		d.log.Warn("reconciler: listing referrals", "err", safeErr(err))
		return
	}
	live := make(map[int64]bool, len(cands))
	rs := newRoundScan()
	for _, c := range cands {
		if c.referralID != "" {
			rs.want[c.referralID] = true
		}
	}
	for _, c := range cands {
		live[c.id] = true
		now := d.now()
		t := r.tracks[c.id]
		if t == nil {
			t = &track{first: now, next: now, interval: d.opt.PollInterval}
			r.tracks[c.id] = t
		}
		if t.gaveUp || now.Before(t.next) {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		d.count.polls.Add(1)
		done, searched, err := d.poll(ctx, c, rs)
		if err != nil {
			d.log.Info("reconciler: poll failed", "referral", c.id, "err", safeErr(err))
		}
		t.absent = searched && !done && err == nil
		if done {
			delete(r.tracks, c.id)
			continue
		}
		age := d.now().Sub(t.first)
		if age >= d.opt.PollHorizon {
			t.gaveUp = true
			if err := d.giveUp(ctx, c, t.absent); err != nil {
				d.log.Warn("reconciler: giving up", "referral", c.id, "err", safeErr(err))
			}
			continue
		}
		if age >= d.opt.PollSlowAfter {
			t.interval = min(t.interval*3/2, d.opt.PollMaxInterval)
		}
		t.next = d.now().Add(t.interval)
	}
	for id := range r.tracks {
		if !live[id] {
			delete(r.tracks, id)
		}
	}
}

// candidates lists Unknown referrals and Processing ones with no event
// after the grace period.
func (d *Desk) candidates(ctx context.Context) ([]candidate, error) {
	rows, err := d.st.r.QueryContext(ctx, `SELECT id, status, COALESCE(referral_id, ''), COALESCE(job_id, ''), created_at, input
		FROM referrals WHERE status = ? OR (status = ? AND last_event_at IS NULL AND status_since <= ?) ORDER BY id`,
		Unknown, Processing, d.now().Add(-d.opt.Grace).UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		var created int64
		var in string
		if err := rows.Scan(&c.id, &c.status, &c.referralID, &c.jobID, &created, &in); err != nil {
			return nil, err
		}
		c.created = time.Unix(0, created)
		if err := json.Unmarshal([]byte(in), &c.in); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// poll asks Cobalt once about c; done means it needs no more polling;
// searched means Cobalt's referral list was searched for it. rs is what
// the round's referrals share (see roundScan).
func (d *Desk) poll(ctx context.Context, c candidate, rs *roundScan) (done, searched bool, err error) {
	switch {
	case c.jobID != "":
		err = d.pollEvents(ctx, api.EventQuery{JobID: c.jobID, PageSize: 100}, 1)
	case c.referralID != "":
		// Found through the referral list earlier: no job id.
		err = d.settleListed(ctx, c, rs, nil)
	default:
		var ref *api.Referral
		ref, err = d.match(ctx, c)
		if err != nil || ref == nil {
			return false, err == nil, err
		}
		c.referralID = ref.ID
		rs.want[ref.ID] = true
		err = d.settleListed(ctx, c, rs, ref)
	}
	if err != nil {
		return false, false, err
	}
	r, err := getReferral(ctx, d.st.r, c.id)
	if err != nil {
		return false, false, err
	}
	return r.Status.Terminal() || r.Status == NotSent, false, nil
}

func day(t time.Time, offset int) string {
	return t.UTC().AddDate(0, 0, offset).Format(time.DateOnly)
}

// pollEvents applies the referral events q lists (one job's), walking up
// to maxPages.
func (d *Desk) pollEvents(ctx context.Context, q api.EventQuery, maxPages int) error {
	for page := 1; page <= maxPages; page++ {
		q.Page = page
		evs, pg, err := d.client.WebhookEvents(ctx, q)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := d.applyEvent(ctx, ev, sourcePoll); err != nil {
				return err
			}
		}
		if pg.TotalPages <= page {
			return nil
		}
	}
	return nil
}

// match looks for Unknown referral c among Cobalt's referrals; when found,
// c takes Cobalt's id and goes to Processing, any event already received
// for that id is applied in the same transaction, and the list's item is
// returned (nil when not found).
func (d *Desk) match(ctx context.Context, c candidate) (*api.Referral, error) {
	var found *api.Referral
	err := d.eachListed(ctx, c, func(ref api.Referral) (bool, error) {
		if !sameReferral(c.in, ref) {
			return false, nil
		}
		if claimed, err := d.claimed(ctx, ref.ID); err != nil || claimed {
			return err != nil, err
		}
		ids := []int64{c.id}
		err := d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
			if err := d.transition(ctx, tx, c.id, Processing, "found in Cobalt's referrals (reconciler)",
				update{referralID: strp(ref.ID), failureReason: strp("")}); err != nil {
				return err
			}
			return d.applyPending(ctx, tx, c.id, ref.ID, "")
		})
		if err == nil {
			found = &ref
		}
		return true, err
	})
	return found, err
}

// sameReferral reports whether Cobalt's ref is what in describes (fields
// Cobalt left empty are not held against it).
func sameReferral(in ReferralInput, ref api.Referral) bool {
	eq := func(a, b string) bool { return b == "" || a == b }
	return ref.ID != "" && eq(in.PatientMRN, ref.PatientMRN) && eq(in.Direction, ref.Direction) &&
		eq(in.FromEHRID, ref.FromProviderEHRID) && eq(in.ToEHRID, ref.ToProviderEHRID) &&
		eq(in.Priority, ref.Priority) && (ref.Reason == "" || reasonKey(in.Reason) == reasonKey(ref.Reason))
}

// claimed reports whether a local referral already holds Cobalt's id.
func (d *Desk) claimed(ctx context.Context, referralID string) (bool, error) {
	var n int
	err := d.st.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM referrals WHERE referral_id = ?", referralID).Scan(&n)
	return n > 0, err
}

// giveUp hands c to a person after the horizon. An Unknown referral that
// Cobalt's list still did not hold at the last (successful) search becomes
// NotSent; if Cobalt could not be asked, nothing is proved and it stays
// Unknown.
func (d *Desk) giveUp(ctx context.Context, c candidate, absent bool) error {
	ids := []int64{c.id}
	return d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		var cur Status
		var referralID string
		if err := tx.QueryRowContext(ctx, "SELECT status, COALESCE(referral_id, '') FROM referrals WHERE id = ?", c.id).
			Scan(&cur, &referralID); err != nil {
			return err
		}
		if cur == Unknown && referralID == "" && absent {
			cause := fmt.Sprintf("not found in Cobalt's referrals after %s (reconciler)", d.opt.PollHorizon)
			return d.transition(ctx, tx, c.id, NotSent, cause,
				update{attention: strp(AttentionNotFound), failureReason: strp("")})
		}
		if cur != Processing && cur != Unknown {
			return nil // resolved meanwhile
		}
		return d.amend(ctx, tx, c.id, update{attention: strp(AttentionNoAnswer)})
	})
}
