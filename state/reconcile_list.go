package state

import (
	"context"
	"database/sql"
	"strings"

	"refdesk/api"
)

// ReasonListedFailed is the failure reason of a referral settled as Failed
// from Cobalt's referral list, which gives no reason (the referral.failed
// event, when found, gives Cobalt's own).
const ReasonListedFailed = "Cobalt lists this referral as failed but gave no reason here — check the EHR."

// Bounds of one look at Cobalt (100 items a page).
const (
	maxListPages  = 10
	maxEventPages = 10
)

// settleListed resolves c, which Cobalt's referral list knows by id but
// for which no job id is known (the list gives none, neither does the
// sandbox's), so events cannot be asked for by job.
//
// The list's item is read first (listed, when the caller just read it):
// while its status says Cobalt is still working ("processing", "pending",
// "queued") there is no event to find and nothing more is asked.
// Otherwise the recent referral events are scanned (newest first, from the
// day before c was written): only the events of the referrals being
// reconciled (rs.want) are applied, each in its own write, and the
// scan stops at the end of the page where c's own event was seen. Every
// other event is skipped without touching the store: a scan used to apply
// up to 1,000 unrelated events, one write transaction each, holding up
// every session. Pages read and events applied are shared within a round
// (rs).
//
// If c's event is not among them (it may be older than the newest 1,000),
// the list's status settles it: "created" → Completed (with the list's
// ehr_id), "failed" → Failed (ReasonListedFailed). The event is preferred
// because it carries the documents' counts and Cobalt's failure reason;
// the list's status (free text in Cobalt's docs, so only these words are
// trusted; any other status still gets the event scan) is the fallback
// that keeps such a referral from ending "no answer yet".
func (d *Desk) settleListed(ctx context.Context, c candidate, rs *roundScan, listed *api.Referral) error {
	if listed == nil {
		err := d.eachListed(ctx, c, func(ref api.Referral) (bool, error) {
			if ref.ID == c.referralID {
				listed = &ref
				return true, nil
			}
			return false, nil
		})
		if err != nil {
			return err
		}
	}
	if listed != nil && listedPending(listed.Status) {
		return nil
	}
	found, err := d.scanEvents(ctx, c, rs)
	if err != nil || found || listed == nil {
		return err
	}
	return d.settleFromList(ctx, c.id, *listed)
}

// roundScan is what one round of the reconciler shares between its
// referrals: the Cobalt ids being reconciled, the event pages already
// read (by query: referrals written the same day share them) and the
// events already applied, so that one page is fetched and one event
// written at most once a round.
type roundScan struct {
	want    map[string]bool
	pages   map[api.EventQuery]eventPage
	applied map[string]bool
}

type eventPage struct {
	evs        []api.Event
	totalPages int
}

func newRoundScan() *roundScan {
	return &roundScan{want: map[string]bool{}, pages: map[api.EventQuery]eventPage{}, applied: map[string]bool{}}
}

// scanEvents applies the recent referral events that belong to the
// referrals in rs.want; found reports whether c's own event was seen.
func (d *Desk) scanEvents(ctx context.Context, c candidate, rs *roundScan) (found bool, err error) {
	q := api.EventQuery{StartDate: day(c.created, -1), EndDate: day(d.now(), 1), PageSize: 100}
	for page := 1; page <= maxEventPages; page++ {
		q.Page = page
		pg, ok := rs.pages[q]
		if !ok {
			evs, p, err := d.client.WebhookEvents(ctx, q)
			if err != nil {
				return false, err
			}
			pg = eventPage{evs: evs, totalPages: p.TotalPages}
			rs.pages[q] = pg
		}
		for _, ev := range pg.evs {
			if !ev.IsReferral() {
				continue
			}
			data, err := ev.ReferralData()
			if err != nil || data.ReferralID == "" || !rs.want[data.ReferralID] {
				continue // not one being reconciled: nothing to write
			}
			found = found || data.ReferralID == c.referralID
			key := ev.ID + "\x00" + ev.Type + "\x00" + data.ReferralID
			if rs.applied[key] {
				continue
			}
			if err := d.applyEvent(ctx, ev, sourcePoll); err != nil {
				return false, err
			}
			rs.applied[key] = true
		}
		if found || pg.totalPages <= page {
			return found, nil
		}
	}
	return false, nil
}

// eachListed walks Cobalt's referrals that could be c (from the day before
// it was written, its patient and direction, oldest first) until fn says
// stop or maxListPages were read.
func (d *Desk) eachListed(ctx context.Context, c candidate, fn func(api.Referral) (stop bool, err error)) error {
	q := api.ReferralQuery{StartDate: day(c.created, -1), EndDate: day(d.now(), 1),
		PatientMRN: c.in.PatientMRN, Direction: c.in.Direction, PageSize: 100, Sort: "referral_date"}
	for page := 1; page <= maxListPages; page++ {
		q.Page = page
		refs, pg, err := d.client.Referrals(ctx, q)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			if stop, err := fn(ref); stop || err != nil {
				return err
			}
		}
		if pg.TotalPages <= page {
			return nil
		}
	}
	return nil
}

// listedPending reports whether the list's status says Cobalt is still
// working on the referral.
func listedPending(status string) bool {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "processing", "pending", "queued":
		return true
	}
	return false
}

// listedOutcome reads the list's status; ok is false for any status that
// is not an outcome.
func listedOutcome(status string) (to Status, ok bool) {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "created":
		return Completed, true
	case "failed":
		return Failed, true
	}
	return "", false
}

// settleFromList moves referral id to the outcome ref's status gives, if
// it gives one and the referral is still waiting for an answer.
func (d *Desk) settleFromList(ctx context.Context, id int64, ref api.Referral) error {
	to, ok := listedOutcome(ref.Status)
	if !ok {
		return nil
	}
	ids := []int64{id}
	return d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		var cur Status
		if err := tx.QueryRowContext(ctx, "SELECT status FROM referrals WHERE id = ?", id).Scan(&cur); err != nil {
			return err
		}
		if cur != Processing && cur != Unknown {
			return nil // an event settled it meanwhile
		}
		var u update
		if to == Completed {
			if ref.EHRID != "" {
				u.ehrID = strp(ref.EHRID)
			}
		} else {
			u.failureReason = strp(ReasonListedFailed)
		}
		cause := "listed as " + string(to) + " in Cobalt's referrals (reconciler)"
		if err := d.transition(ctx, tx, id, to, cause, u); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE referrals SET attention = '' WHERE id = ? AND attention = ?",
			id, AttentionNoAnswer)
		return err
	})
}
