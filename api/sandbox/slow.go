package sandbox

import (
	"net/http"
	"time"
)

// DefaultSlowAnswerDelay is how long a slow answer (Faults.SlowAnswers) is
// held when Options.SlowAnswerDelay is zero: past api's default
// response-header timeout (60 s), so even a default client gives up.
const DefaultSlowAnswerDelay = 65 * time.Second

// holdAnswer delays the answer to an accepted POST /v1/referrals (the
// SlowAnswers fault): the referral is already created and its job queued,
// so a client that times out meanwhile has sent a request that took
// effect. It returns early when the client hangs up or the sandbox closes;
// writing the answer then fails unseen, as it would at Cobalt.
func (s *Server) holdAnswer(r *http.Request, jobID int64) {
	d := s.opts.SlowAnswerDelay
	if d <= 0 {
		d = DefaultSlowAnswerDelay
	}
	s.log.Info("sandbox: answer held", "job_id", jobID, "for", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.ctx.Done():
	}
}
