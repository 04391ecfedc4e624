package faultsuite

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/state"
)

// reasonOf is referral i's reason: unique, so the sandbox's referrals can
// be matched to the test's one for one.
func reasonOf(i int) string { return fmt.Sprintf("fault-suite #%04d", i) }

// input builds referral i: a random synced patient, both providers from
// the directories its direction names, a random priority. All synthetic.
func (h *harness) input(i int, rng *rand.Rand) state.ReferralInput {
	dir := h.sb.Directory()
	np, nr, npat := dir.Sizes()
	p := dir.Patient(rng.IntN(npat))
	clinic := dir.Provider(rng.IntN(np)).EHRID
	outside := dir.ReferringProvider(rng.IntN(nr)).EHRID
	in := state.ReferralInput{
		PatientMRN: p.MRN, PatientName: p.LastName + ", " + p.FirstName, PatientDOB: p.DOB,
		Direction: api.DirectionOutgoing, FromEHRID: clinic, ToEHRID: outside,
		Priority:       []string{api.PriorityRoutine, api.PriorityUrgent, api.PriorityStat}[rng.IntN(3)],
		Reason:         reasonOf(i),
		DiagnosisCodes: []string{"I10"},
	}
	if rng.IntN(2) == 0 {
		in.Direction, in.FromEHRID, in.ToEHRID = api.DirectionIncoming, outside, clinic
	}
	return in
}

// session is one subscriber: it takes referral numbers from jobs and
// submits each through the current desk, subscribed to that desk's
// changes the whole time (a new subscription after each restart).
func (h *harness) session(w int, jobs <-chan int) {
	rng := rand.New(rand.NewPCG(8, uint64(w)))
	user := fmt.Sprintf("desk%02d", w)
	var subscribed *generation
	for i := range jobs {
		in := h.input(i, rng)
		first := true
		for {
			g := h.acquire(true)
			if g == nil {
				return // the harness broke off; the test reports why
			}
			if g != subscribed {
				subscribed = g
				h.drain(g.desk.Subscribe(g.ctx))
			}
			if first {
				h.started.Add(1)
				first = false
			}
			_, err := g.desk.Submit(g.ctx, user, in)
			closing := g.closing.Load()
			g.calls.Done()
			if err == nil {
				break
			}
			if !closing {
				h.fail("%s: Submit refused outside a restart: %v", in.Reason, err)
				break
			}
			// The restart cut this submission. If its row was written it
			// is the desk's to reconcile; if not, nothing was sent and the
			// person at the desk sends it again.
			if h.waitAfter(g) == nil {
				return
			}
			written, err := h.hasRow(in.Reason)
			if err != nil {
				h.fail("%s: looking for its row after a restart: %v", in.Reason, err)
				break
			}
			if written {
				break
			}
			h.resubmitted.Add(1)
		}
	}
}

// drain counts a subscription's changes until its desk's context ends and
// the channel closes (the final check waits for every drain: none leaks).
func (h *harness) drain(ch <-chan state.Change) {
	h.drains.Add(1)
	go func() {
		defer h.drains.Done()
		for range ch {
			h.changes.Add(1)
		}
	}()
}

// hasRow reports whether the current desk holds a referral with reason.
func (h *harness) hasRow(reason string) (bool, error) {
	for {
		g := h.acquire(true)
		if g == nil {
			return false, fmt.Errorf("no desk")
		}
		refs, err := g.desk.Referrals(g.ctx, state.Filter{})
		closing := g.closing.Load()
		g.calls.Done()
		if err != nil && closing {
			continue // cut by the next restart: ask the next desk
		}
		if err != nil {
			return false, err
		}
		for _, r := range refs {
			if r.Reason == reason {
				return true, nil
			}
		}
		return false, nil
	}
}

// submitAll runs the sessions over n referrals, calling restart (on the
// calling goroutine) each time the started submissions pass a mark, and
// fails if they have not all finished within bound.
func (h *harness) submitAll(t *testing.T, n, sessions int, marks []int, bound time.Duration, restart func()) {
	t.Helper()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := range sessions {
		wg.Go(func() { h.session(w, jobs) })
	}
	done := make(chan struct{})
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	defer close(done)
	for _, m := range marks {
		if !h.waitStarted(int64(m), finished) {
			break
		}
		restart()
	}
	select {
	case <-finished:
	case <-time.After(bound):
		h.breakOff()
		t.Fatalf("sessions still submitting after %v: %d of %d submissions started", bound, h.started.Load(), n)
	}
}

// waitStarted waits until m submissions have started (false if the
// sessions finished first).
func (h *harness) waitStarted(m int64, finished <-chan struct{}) bool {
	for h.started.Load() < m {
		select {
		case <-finished:
			return false
		case <-time.After(2 * time.Millisecond):
		}
	}
	return true
}
