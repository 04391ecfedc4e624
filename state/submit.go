package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"refdesk/api"
	"refdesk/icd10"
)

// CheckError is a problem found before sending that Cobalt's own rules do
// not cover: a diagnosis code not in the code set, a patient or provider
// missing from the synced directories, or a document that can no longer be
// read. Field is "codes", "patient", "from", "to" or "documents"; Message is a sentence for the user, in Cobalt's own words
// where Cobalt has them (it may quote the MRN the user typed: show it, never
// log it).
type CheckError struct {
	Field   string
	Message string
}

func (e *CheckError) Error() string { return e.Message }

// Check validates in before sending: Cobalt's own rules and messages
// (api.ReferralRequest.Validate, returned as *api.ValidationError), then
// that every diagnosis code is a billable code of the code set (CheckCodes),
// then that the patient and both providers are known in the directories the
// direction requires (*CheckError). "0" means no provider on that side.
func (d *Desk) Check(in ReferralInput) error {
	_, err := d.request(context.Background(), in)
	return err
}

// request checks in and builds the request to send.
func (d *Desk) request(ctx context.Context, in ReferralInput) (api.ReferralRequest, error) {
	req := in.Request()
	req.Documents = nil // read from their paths below
	for _, ref := range in.Documents {
		doc, err := document(ref)
		if err != nil {
			return req, err
		}
		req.Documents = append(req.Documents, doc)
	}
	if err := req.Validate(); err != nil {
		return req, err
	}
	codes, err := CheckCodes(d.opt.Codes, in.DiagnosisCodes)
	if err != nil {
		return req, err
	}
	req.DiagnosisCodes = codes
	if !d.known(ctx, Patients, in.PatientMRN) {
		return req, &CheckError{Field: "patient", Message: api.PatientNotFoundMessage(in.PatientMRN)}
	}
	fromDir, toDir, _ := api.DirectoryFor(in.Direction)
	for _, side := range []struct{ field, wire, id, dir string }{
		{"from", "referring_from_provider_ehr_id", in.FromEHRID, fromDir},
		{"to", "referring_to_provider_ehr_id", in.ToEHRID, toDir},
	} {
		if side.id == api.NoProvider {
			continue
		}
		dir := Providers
		if side.dir == api.DirReferringProviders {
			dir = ReferringProviders
		}
		if !d.known(ctx, dir, side.id) {
			return req, &CheckError{Field: side.field, Message: api.UnknownProvidersMessage(
				api.UnknownProvider{Field: side.wire, ID: side.id, Directory: side.dir})}
		}
	}
	return req, nil
}

// CheckCodes is the rule for diagnosis codes on every path that sends: each
// must be a billable code of set, in any case, with or without its dot. It
// returns them canonical (upper case, dotted, no repeats), or a *CheckError
// (Field "codes") whose message names every refused code and what to do.
func CheckCodes(set *icd10.Set, codes []string) ([]string, error) {
	ok, bad := set.CheckAll(codes)
	if len(bad) == 0 {
		return ok, nil
	}
	msgs := make([]string, len(bad))
	for i, b := range bad {
		msgs[i] = b.Message
	}
	return nil, &CheckError{Field: "codes", Message: strings.Join(msgs, " ")}
}

// known reports whether key is in dir: the index first, then the cache.
func (d *Desk) known(ctx context.Context, dir Directory, key string) bool {
	if key == "" {
		return false
	}
	if _, ok := d.idx[dir].Lookup(key); ok {
		return true
	}
	table, col := cacheTable(dir)
	var one int
	return d.st.r.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE "+col+" = ?", key).Scan(&one) == nil
}

// document turns a stored reference into an api.Document read from its
// path when the request is written (Size from the file as it is now).
func document(ref DocumentRef) (api.Document, error) {
	name := ref.Filename()
	fi, err := os.Stat(ref.Path)
	if err != nil || !fi.Mode().IsRegular() {
		return api.Document{}, &CheckError{Field: "documents",
			Message: fmt.Sprintf("The document %q can no longer be read; attach it again.", name)}
	}
	path, size := ref.Path, fi.Size()
	return api.Document{Filename: name, Size: size, Open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(f, size), f}, nil
	}}, nil
}

// Submit checks in, writes the referral (Submitting: the outbox) before
// calling Cobalt, posts it, and records the answer: Processing, NotSent
// (never left), Unknown (answer lost) or Failed (Cobalt refused it, with
// its message). Documents are read from their paths.
//
// err is non-nil only when nothing was written: Check refused the input
// (*api.ValidationError or *CheckError) or the store failed. The POST's
// outcome is in the returned referral's Status and FailureReason.
func (d *Desk) Submit(ctx context.Context, user string, in ReferralInput) (Referral, error) {
	if d.client == nil {
		return Referral{}, errNoClient
	}
	req, err := d.request(ctx, in)
	if err != nil {
		return Referral{}, err
	}
	in = d.Describe(in)
	in.DiagnosisCodes = req.DiagnosisCodes // canonical, as sent
	var id int64
	ids := []int64{0}
	err = d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		id, err = d.insertReferral(ctx, tx, user, in, "sent by "+user)
		ids[0] = id
		if err != nil {
			return err
		}
		return audit(ctx, tx, d.now(), user, "submit", fmt.Sprintf("referral %d", id))
	})
	if err != nil {
		return Referral{}, err
	}
	d.touch(in)
	d.noteSent(user, in)
	return d.send(ctx, id, req)
}

// ResendWith sends a Not sent referral again with in, which replaces what
// was stored (the same input, or the person's correction of it), a person's
// decision. (Only the outbox sends one by itself: a referral Cobalt never
// answered, ReasonNotSent, see outbox.go.) The referral
// keeps its number and its history, and no second one is made. Cobalt never
// had it, so nothing can be duplicated there.
func (d *Desk) ResendWith(ctx context.Context, user string, id int64, in ReferralInput) (Referral, error) {
	if d.client == nil {
		return Referral{}, errNoClient
	}
	r, err := getReferral(ctx, d.st.r, id)
	if err != nil {
		return Referral{}, err
	}
	if !r.Status.CanBecome(Submitting) {
		return Referral{}, &TransitionError{ID: id, From: r.Status, To: Submitting}
	}
	req, err := d.request(ctx, in)
	if err != nil {
		return Referral{}, err
	}
	in = d.Describe(in)
	in.DiagnosisCodes = req.DiagnosisCodes // canonical, as sent
	b, err := json.Marshal(in)
	if err != nil {
		return Referral{}, err
	}
	what := fmt.Sprintf("referral %d", id)
	if !reflect.DeepEqual(in, d.Describe(r.ReferralInput)) {
		what += " (edited)"
	}
	ids := []int64{id}
	err = d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		// The transition checks the status again inside the transaction:
		// of two desks resending it at once, one wins.
		if err := d.transition(ctx, tx, id, Submitting, "sent again by "+user, update{failureReason: strp(""), attention: strp("")}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE referrals SET input = ?, patient_mrn = ?, to_ehr_id = ?, reason_key = ? WHERE id = ?",
			string(b), in.PatientMRN, in.ToEHRID, reasonKey(in.Reason), id); err != nil {
			return err
		}
		return audit(ctx, tx, d.now(), user, "resend", what)
	})
	if err != nil {
		return Referral{}, err
	}
	d.touch(in)
	d.noteSent(user, in)
	return d.send(ctx, id, req)
}

// touch counts in's choices for the clinic's most used (the indexes' own
// order).
func (d *Desk) touch(in ReferralInput) {
	for _, ch := range choicesOf(in) {
		d.idx[ch.dir].Touch(ch.key)
	}
}

// send posts req for referral id and records the outcome. The outcome is
// recorded even if ctx ends meanwhile.
func (d *Desk) send(ctx context.Context, id int64, req api.ReferralRequest) (Referral, error) {
	resp, postErr := d.client.CreateReferral(ctx, req)
	return d.record(context.WithoutCancel(ctx), id, resp, postErr)
}

// record writes the POST's answer (resp, postErr) for referral id, and
// applies in the same transaction the events that arrived before it.
func (d *Desk) record(ctx context.Context, id int64, resp api.CreateReferralResponse, postErr error) (Referral, error) {
	to, cause, u := classify(resp, postErr)
	if postErr != nil {
		d.log.Info("referral not queued", "referral", id, "status", string(to), "err", safeErr(postErr))
	}
	ids := []int64{id}
	err := d.writeAndPublish(ctx, &ids, func(tx *sql.Tx) error {
		var cur Status
		if err := tx.QueryRowContext(ctx, "SELECT status FROM referrals WHERE id = ?", id).Scan(&cur); err != nil {
			return err
		}
		switch {
		case cur == Submitting || (cur == Unknown && to != Unknown):
			// Unknown: another process's start-up marked it meanwhile.
			if err := d.transition(ctx, tx, id, to, cause, u); err != nil {
				return err
			}
		case u.referralID != nil:
			// Already moved on (the reconciler found it): keep the ids.
			if err := d.fillIDs(ctx, tx, id, *u.referralID, *u.jobID); err != nil {
				return err
			}
		}
		if to != Processing {
			return nil
		}
		return d.applyPending(ctx, tx, id, resp.ReferralID, string(resp.JobID))
	})
	if err != nil {
		return Referral{}, err
	}
	return getReferral(ctx, d.st.r, id)
}

// fillIDs sets referral_id and job_id where they are still empty.
func (d *Desk) fillIDs(ctx context.Context, tx *sql.Tx, id int64, referralID, jobID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE referrals SET
		referral_id = COALESCE(NULLIF(referral_id, ''), NULLIF(?, '')),
		job_id = COALESCE(NULLIF(job_id, ''), NULLIF(?, '')) WHERE id = ?`, referralID, jobID, id)
	return err
}
