package faultsuite

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
	"refdesk/state"
)

const hookSecret = "whsec_faultsuite"

// config is one run's size and timings.
type config struct {
	referrals, sessions, restarts int
	faults                        sandbox.Faults
	failureRate                   float64
	jobMin, jobMax                time.Duration // sandbox job duration
	slowAnswer                    time.Duration // held answer, past clientTimeout
	clientTimeout                 time.Duration // api.Config.HTTPClient.Timeout
	desk                          state.Options // the reconciler's timings
	settle                        time.Duration // bound on the wait for quiescence
}

// harness is the sandbox, the webhook receiver and the current "process":
// a generation holding a Desk, its client and its reconciler. Restart ends
// a generation as a crash would and opens the next on the same file.
type harness struct {
	cfg  config
	sb   *sandbox.Server
	rig  *sandboxtest.Env
	path string

	mu     sync.Mutex
	cond   *sync.Cond
	cur    *generation // nil while restarting or after the end
	broken bool        // a restart failed: workers stop
	gens   []*generation

	errMu sync.Mutex
	errs  []string // failures seen off the test goroutine

	started     atomic.Int64 // first Submit calls made
	resubmitted atomic.Int64 // submissions redone because the restart cut them before any row was written
	interrupted atomic.Int64 // rows found in Submitting at a restart
	lostEvents  atomic.Int64 // deliveries answered 200 while no desk was open
	applied     atomic.Int64 // deliveries applied by a desk
	changes     atomic.Int64 // changes received by subscribers
	posts       atomic.Int64 // POST /v1/referrals received
	searches    atomic.Int64 // GET /v1/referrals (the reconciler's matching, and the final listing)
	jobPolls    atomic.Int64 // GET /v1/webhook-events?job_id=
	rangePolls  atomic.Int64 // GET /v1/webhook-events by date range (pages)
	drains      sync.WaitGroup
}

// generation is one run of the "process".
type generation struct {
	n          int
	desk       *state.Desk
	client     *api.Client
	hc         *http.Client
	ctx        context.Context
	cancel     context.CancelFunc
	reconciled chan struct{}
	calls      sync.WaitGroup // calls into desk under way
	closing    atomic.Bool
}

func newHarness(t *testing.T, cfg config) *harness {
	h := &harness{cfg: cfg, path: filepath.Join(t.TempDir(), "data", "refdesk.db")}
	h.cond = sync.NewCond(&h.mu)
	mux := http.NewServeMux()
	mux.Handle(api.WebhookPath, &api.WebhookHandler{
		Secrets: func() []string { return []string{hookSecret} },
		OnEvent: h.onEvent,
	})
	h.rig = sandboxtest.Start(t, sandboxtest.Options{
		Sandbox: sandbox.Options{
			Seed: 8, Providers: 40, ReferringProviders: 300, Patients: 500,
			FailureRate: sandbox.Rate(cfg.failureRate), DelayMin: cfg.jobMin, DelayMax: cfg.jobMax,
			SlowAnswerDelay: cfg.slowAnswer, WebhookSecret: hookSecret,
		},
		Hooks: mux,
		Wrap: func(sb *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.count(r)
				sb.ServeHTTP(w, r)
			})
		},
	})
	h.sb = h.rig.Sandbox
	t.Cleanup(func() {
		h.mu.Lock()
		h.broken = true
		g := h.cur
		h.cur = nil
		h.cond.Broadcast()
		h.mu.Unlock()
		if g != nil {
			_ = h.stop(g) // bounded; the test has failed already if it times out
			g.desk.Close()
		}
		h.rig.Close()
	})
	return h
}

// count tallies the requests the sandbox receives, by kind.
func (h *harness) count(r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/referrals":
		h.posts.Add(1)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/referrals":
		h.searches.Add(1)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/webhook-events" && r.URL.Query().Has("job_id"):
		h.jobPolls.Add(1)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/webhook-events":
		h.rangePolls.Add(1)
	}
}

// fail records a failure seen on a goroutine other than the test's.
func (h *harness) fail(format string, args ...any) {
	h.errMu.Lock()
	h.errs = append(h.errs, fmt.Sprintf(format, args...))
	h.errMu.Unlock()
}

func (h *harness) failures() []string {
	h.errMu.Lock()
	defer h.errMu.Unlock()
	return append([]string(nil), h.errs...)
}

// newClient is a fresh client, as a restarted process would build: its own
// transport, a short overall timeout so a held answer is an unknown outcome.
func (h *harness) newClient() (*api.Client, *http.Client) {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: h.cfg.clientTimeout}
	c := api.New(api.Config{BaseURL: h.rig.BaseURL, ClientID: "sandbox", ClientSecret: "sandbox",
		AccessToken: "sandbox", HTTPClient: hc, RetryBaseDelay: 10 * time.Millisecond})
	return c, hc
}

// open starts generation n on the store file; its reconciler is not
// started yet (see run).
func (h *harness) open(n int) (*generation, error) {
	c, hc := h.newClient()
	o := h.cfg.desk
	o.Path, o.Client = h.path, c
	d, err := state.Open(context.Background(), o)
	if err != nil {
		return nil, fmt.Errorf("opening the store (generation %d): %w", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &generation{n: n, desk: d, client: c, hc: hc, ctx: ctx, cancel: cancel,
		reconciled: make(chan struct{})}, nil
}

// run starts g's reconciler and makes g the current generation.
func (h *harness) run(g *generation) {
	go func() {
		defer close(g.reconciled)
		g.desk.Reconcile(g.ctx)
	}()
	h.mu.Lock()
	h.cur = g
	h.gens = append(h.gens, g)
	h.cond.Broadcast()
	h.mu.Unlock()
}

// acquire returns the current generation with a call counted in its
// WaitGroup (release with g.calls.Done()). With wait it waits out a
// restart; without, it returns nil during one. It returns nil once the
// harness is broken or stopped.
func (h *harness) acquire(wait bool) *generation {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.cur == nil && wait && !h.broken {
		h.cond.Wait()
	}
	if h.cur == nil {
		return nil
	}
	h.cur.calls.Add(1)
	return h.cur
}

// waitAfter waits for a generation other than g (nil when broken).
func (h *harness) waitAfter(g *generation) *generation {
	h.mu.Lock()
	defer h.mu.Unlock()
	for (h.cur == nil || h.cur == g) && !h.broken {
		h.cond.Wait()
	}
	return h.cur
}

// detach makes no generation current and returns the one that was.
func (h *harness) detach() *generation {
	h.mu.Lock()
	defer h.mu.Unlock()
	g := h.cur
	h.cur = nil
	return g
}

// stopBound bounds each wait of stop.
const stopBound = 30 * time.Second

// stop ends g as a crash would: every request in flight is cut, the
// reconciler stops, and every call into the desk returns (each within
// stopBound, else an error says which did not). The store stays open (the
// caller closes it).
func (h *harness) stop(g *generation) error {
	g.closing.Store(true)
	g.cancel()
	calls := make(chan struct{})
	go func() { g.calls.Wait(); close(calls) }()
	for _, w := range []struct {
		what string
		ch   <-chan struct{}
	}{{"its reconciler", g.reconciled}, {"calls into its desk", calls}} {
		select {
		case <-w.ch:
		case <-time.After(stopBound):
			h.breakOff()
			return fmt.Errorf("generation %d: %s still running %v after it was stopped", g.n, w.what, stopBound)
		}
	}
	g.hc.CloseIdleConnections()
	return nil
}

// onEvent applies a verified webhook delivery to the current desk. While
// no desk is open the delivery has already been answered 200 and is lost,
// as when a process dies after answering: the reconciler must make up
// for it.
func (h *harness) onEvent(ev api.Event) {
	g := h.acquire(false)
	if g == nil {
		h.lostEvents.Add(1)
		return
	}
	defer g.calls.Done()
	if err := g.desk.ApplyEvent(g.ctx, ev); err != nil {
		if !g.closing.Load() {
			h.fail("ApplyEvent %s (%s): %v", ev.ID, ev.Type, err)
		}
		return
	}
	h.applied.Add(1)
}

func (h *harness) breakOff() {
	h.mu.Lock()
	h.broken = true
	h.cond.Broadcast()
	h.mu.Unlock()
}
