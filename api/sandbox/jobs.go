package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"refdesk/api"
)

// envelope is a webhook event as Cobalt sends it, fields in Cobalt's order;
// job_id is a string here (a number only in the POST's answer).
type envelope struct {
	ID                     string                `json:"id"`
	AccessTokenReferenceID string                `json:"access_token_reference_id"`
	Object                 string                `json:"object"`
	Created                string                `json:"created"`
	Type                   string                `json:"type"`
	JobID                  string                `json:"job_id"`
	Data                   api.ReferralEventData `json:"data"`
}

// compactJSON writes v as JavaScript's JSON.stringify would for the values
// the sandbox sends: no spaces, no HTML escaping, no trailing newline.
func compactJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// accessTokenRef is a stable reference to the access token that never
// reveals it.
func (s *Server) accessTokenRef() string {
	sum := sha256.Sum256([]byte("atr:" + s.opts.AccessToken))
	return "atr_" + hex.EncodeToString(sum[:8])
}

// startJob finishes ref after a random delay in [DelayMin, DelayMax], on a
// goroutine Close stops.
func (s *Server) startJob(ref *referral) {
	s.mu.Lock()
	lo, hi := s.delayMin, s.delayMax
	s.mu.Unlock()
	d := lo
	if hi > lo {
		s.rmu.Lock()
		d += time.Duration(s.rnd.Int64N(int64(hi - lo + 1)))
		s.rmu.Unlock()
	}
	if s.ctx.Err() != nil {
		return // closed: no new work
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.finishJob(ref, false)
	}()
}

// codeFailure is eCW's refusal of a diagnosis code outside the code set
// (Options.Codes), as a client that does not check would meet it: the
// request is queued, and the job fails. "" when every code is billable.
func (s *Server) codeFailure(codes []string) string {
	for _, c := range codes {
		got, ok := s.opts.Codes.Lookup(c)
		if len(c) > 24 {
			c = c[:24] + "…"
		}
		switch {
		case !ok:
			return "Unable to create referral in eCW. eCW rejected diagnosis code '" + c + "': not a valid ICD-10 code."
		case !got.Billable:
			return "Unable to create referral in eCW. eCW rejected diagnosis code '" + c + "': not a billable ICD-10 code (it is a category)."
		}
	}
	return ""
}

// finishJob decides the job's outcome, records the event and delivers it:
// on the caller's goroutine when sync (the early-webhook fault), else on
// delivery goroutines.
func (s *Server) finishJob(ref *referral, sync bool) {
	faults, failRate := s.knobs()
	data := api.ReferralEventData{ReferralID: ref.ID, PatientMRN: ref.PatientMRN}
	typ := api.EventReferralCreated
	if reason := s.codeFailure(ref.DiagnosisCodes); reason != "" {
		typ = api.EventReferralFailed
		data.FailureReason = reason
	} else if s.chance(failRate) {
		typ = api.EventReferralFailed
		data.FailureReason = s.failureReason(ref)
	} else {
		data.FromProviderEHRID, data.ToProviderEHRID = ref.FromProviderEHRID, ref.ToProviderEHRID
		data.Direction = ref.Direction
	}
	now := s.now()
	s.mu.Lock()
	if typ == api.EventReferralCreated {
		data.EHRID = fmt.Sprintf("REF-%07d", s.nextEHR)
		s.nextEHR++
		ref.EHRID, ref.Status = data.EHRID, "created"
		if len(ref.Documents) > 0 {
			ok, bad := 0, 0
			for i, d := range ref.Documents {
				if strings.Contains(strings.ToLower(d.Filename), "fail") || s.chance(faults.AttachmentFailures) {
					bad++
					continue
				}
				ok++
				ref.DocIDs = append(ref.DocIDs, fmt.Sprintf("DOC-%d-%d", ref.JobID, i+1))
			}
			data.DocumentsAttached, data.DocumentsFailed = &ok, &bad
		}
	} else {
		ref.Status = "failed"
	}
	ref.UpdatedAt = now
	s.mu.Unlock()
	ev := envelope{
		ID: dashed(newHexID()), AccessTokenReferenceID: s.accessTokenRef(), Object: "event",
		Created: isoMillis(now), Type: typ, JobID: strconv.FormatInt(ref.JobID, 10), Data: data,
	}
	s.log.Info("sandbox: job done", "job_id", ref.JobID, "type", typ)
	s.emit(ev, sync)
}
