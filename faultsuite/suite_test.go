package faultsuite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/state"
)

// fullConfig is issue 8's run; -short keeps the faults, timings and
// checks and shrinks only the size.
func fullConfig(short bool) config {
	c := config{
		referrals: 1000, sessions: 20, restarts: 2,
		faults: sandbox.Faults{
			DropWebhooks:      0.20,
			DuplicateWebhooks: 0.10,
			ReorderWebhooks:   0.10,
			EarlyWebhooks:     0.10,
			SlowAnswers:       0.05, // POST accepted, answer held past the client's timeout
			ErrorRate:         0.05, // 5xx, nothing done (GETs too: the client retries those)
		},
		failureRate:   0.10,
		jobMin:        10 * time.Millisecond,
		jobMax:        50 * time.Millisecond,
		slowAnswer:    5 * time.Second,
		clientTimeout: 2 * time.Second,
		desk: state.Options{
			Grace:           time.Second,
			PollInterval:    100 * time.Millisecond,
			PollSlowAfter:   2 * time.Second,
			PollMaxInterval: 500 * time.Millisecond,
			PollHorizon:     8 * time.Second,
		},
		settle: 3 * time.Minute,
	}
	if short {
		c.referrals, c.restarts = 100, 1
	}
	return c
}

// TestFaultSuite: many sessions submit referrals under every fault at once
// while the process is restarted mid-run; at the end every referral is
// accounted for, none exists twice in the sandbox, and the desk agrees
// with the sandbox on every outcome.
func TestFaultSuite(t *testing.T) {
	began := time.Now()
	cfg := fullConfig(testing.Short())
	h := newHarness(t, cfg)

	g, err := h.open(1)
	if err != nil {
		t.Fatal(err)
	}
	// The directories are synced before the faults are turned on.
	if _, err := g.desk.Sync(context.Background(), nil); err != nil {
		g.desk.Close()
		t.Fatalf("Sync: %v", err)
	}
	h.run(g)
	h.sb.SetFaults(cfg.faults)

	var marks []int
	for k := 1; k <= cfg.restarts; k++ {
		marks = append(marks, cfg.referrals*k/(cfg.restarts+1))
	}
	h.submitAll(t, cfg.referrals, cfg.sessions, marks, 2*cfg.settle, func() { h.restart(t) })
	if errs := h.failures(); len(errs) > 0 {
		t.Fatalf("%d failures while submitting, first ones:\n%s", len(errs), strings.Join(errs[:min(len(errs), 20)], "\n"))
	}
	if n := len(h.gens); n != cfg.restarts+1 {
		t.Fatalf("%d generations ran, want %d (restarts did not all happen)", n, cfg.restarts+1)
	}
	submitted := time.Since(began)

	final := h.gens[len(h.gens)-1]
	refs := h.settle(t, final)
	settled := time.Since(began)

	// Freeze the desk: no reconciler, no event applied from here on.
	h.sb.SetFaults(sandbox.Faults{})
	h.detach()
	if err := h.stop(final); err != nil {
		t.Fatal(err)
	}
	defer final.desk.Close()
	if errs := h.failures(); len(errs) > 0 {
		t.Errorf("%d failures while settling, first ones:\n%s", len(errs), strings.Join(errs[:min(len(errs), 20)], "\n"))
	}

	cobalt := h.sandboxReferrals(t)
	tl := h.check(t, final.desk, refs, cobalt)

	// Every subscription ended with its desk's context: none leaked.
	drained := make(chan struct{})
	go func() { h.drains.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(10 * time.Second):
		t.Errorf("subscriptions still open 10s after their desks stopped")
	}
	if h.changes.Load() == 0 {
		t.Errorf("subscribers saw no change at all")
	}

	st := h.sb.Stats()
	line := fmt.Sprintf("faultsuite: %d referrals, %d sessions, %d restarts: completed %d, failed %d, flagged %d, not sent %d, "+
		"resent by a person %d, duplicates created %d",
		cfg.referrals, cfg.sessions, cfg.restarts, tl.completed, tl.failed, tl.flagged, tl.notSent, tl.resent, tl.duplicates)
	detail := fmt.Sprintf("faultsuite: Submitting at a restart %d (then Unknown), redone after a restart cut them unwritten %d, "+
		"answer lost (timeout or cut) %d, 5xx answers to POST %d, found through Cobalt's list %d, ended by polling %d, "+
		"webhook deliveries applied %d (duplicates included), lost while no desk was open %d; sandbox: %d referrals (%d created, %d failed), %d events, %d delivery attempts; "+
		"subscriber changes %d; requests: %d POST /v1/referrals, %d list searches, %d event polls by job, %d event pages by date; "+
		"submitted in %.1fs, settled at %.1fs",
		h.interrupted.Load(), h.resubmitted.Load(), tl.answerLost, tl.http5xx, tl.matched, tl.byPoll,
		h.applied.Load(), h.lostEvents.Load(), st.Referrals, st.Created, st.Failed, st.Events, st.DeliveryAttempts,
		h.changes.Load(), h.posts.Load(), h.searches.Load(), h.jobPolls.Load(), h.rangePolls.Load(),
		submitted.Seconds(), settled.Seconds())
	t.Log(line)
	t.Log(detail)
	fmt.Println(line)
	fmt.Println(detail)
}

// settle waits, within cfg.settle, until every referral is settled and
// every sandbox job has ended, and returns the rows. On timeout it fails
// listing the referrals still moving (synthetic data: no PHI).
func (h *harness) settle(t *testing.T, g *generation) []state.Referral {
	t.Helper()
	deadline := time.Now().Add(h.cfg.settle)
	nextReport := time.Now().Add(5 * time.Second)
	for {
		refs, err := g.desk.Referrals(context.Background(), state.Filter{})
		if err != nil {
			t.Fatalf("listing referrals: %v", err)
		}
		var stuck []string
		moving := make(map[state.Status]int)
		for _, r := range refs {
			if !settled(r) {
				moving[r.Status]++
				stuck = append(stuck, fmt.Sprintf("  id %d %q: %s, attention %q, referral_id %q, job %q",
					r.ID, r.Reason, r.Status, r.Attention, r.ReferralID, r.JobID))
			}
		}
		st := h.sb.Stats()
		running := st.Referrals - st.Created - st.Failed
		if len(stuck) == 0 && running == 0 {
			return refs
		}
		if time.Now().After(nextReport) {
			t.Logf("settling: still moving %v, %d sandbox jobs running", moving, running)
			nextReport = time.Now().Add(5 * time.Second)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not quiescent after %v: %d of %d referrals still moving, %d sandbox jobs running:\n%s",
				h.cfg.settle, len(stuck), len(refs), running, strings.Join(stuck[:min(len(stuck), 40)], "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settled: Completed, Failed, Not sent, or flagged for a person.
func settled(r state.Referral) bool {
	return r.Status.Terminal() || r.Status == state.NotSent || r.Attention != ""
}

// sandboxReferrals lists every referral the sandbox holds, through its API.
func (h *harness) sandboxReferrals(t *testing.T) []api.Referral {
	t.Helper()
	c, _ := h.newClient()
	var all []api.Referral
	for page := 1; ; page++ {
		refs, pg, err := c.Referrals(context.Background(), api.ReferralQuery{StartDate: "2000-01-01",
			EndDate: "2999-12-31", Sort: "referral_date", Page: page, PageSize: 100})
		if err != nil {
			t.Fatalf("listing the sandbox's referrals (page %d): %v", page, err)
		}
		all = append(all, refs...)
		if page >= pg.TotalPages {
			break
		}
	}
	if n := h.sb.Stats().Referrals; len(all) != n {
		t.Fatalf("the sandbox lists %d referrals, its counters say %d", len(all), n)
	}
	return all
}
