package state

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
)

const testSecret = "whsec_statetest"

// env is a Desk wired to the sandbox over real HTTP, with a webhook
// receiver that applies events to the Desk.
type env struct {
	sb     *sandbox.Server
	api    *httptest.Server // the sandbox's: closing it makes the address refuse connections
	client *api.Client
	d      *Desk
	desk   atomic.Pointer[Desk]
	path   string
	busy   atomic.Int64 // events being applied
}

type envOpts struct {
	sandbox sandbox.Options
	desk    Options
	// syncHooks applies each event before answering the delivery (a tiny
	// receiver of our own), so an early webhook is stored before the POST's
	// answer is. Otherwise api.WebhookHandler is used, as serve does.
	syncHooks bool
	// wrap, if set, stands between the client and the sandbox (faults the
	// sandbox has no knob for).
	wrap   func(http.Handler) http.Handler
	noSync bool
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	e := &env{}
	so := o.sandbox
	so.WebhookSecret = testSecret
	if so.Patients == 0 {
		so.Patients, so.ReferringProviders, so.Providers = 300, 400, 40
	}
	if so.DelayMin == 0 && so.DelayMax == 0 {
		so.DelayMin, so.DelayMax = 5*time.Millisecond, 40*time.Millisecond
	}
	if so.FailureRate == nil {
		so.FailureRate = sandbox.Rate(0)
	}
	ro := sandboxtest.Options{Sandbox: so, Hooks: e.receiver(o.syncHooks)}
	if o.wrap != nil {
		ro.Wrap = func(sb *sandbox.Server) http.Handler { return o.wrap(sb) }
	}
	rig := sandboxtest.Start(t, ro)
	e.sb, e.api, e.client = rig.Sandbox, rig.API, rig.Client
	do := o.desk
	do.Client = e.client
	if do.Path == "" {
		do.Path = filepath.Join(t.TempDir(), "refdesk.db")
	}
	e.path = do.Path
	e.open(t, do)
	// Cleanups run last-in first-out: stop the sandbox and the receiver,
	// let events in flight finish, then the Desk closes (its own cleanup).
	t.Cleanup(func() {
		rig.Close()
		for i := 0; e.busy.Load() > 0 && i < 200; i++ {
			time.Sleep(5 * time.Millisecond)
		}
	})
	if !o.noSync {
		if _, err := e.d.Sync(context.Background(), nil); err != nil {
			t.Fatalf("Sync: %v", err)
		}
	}
	return e
}

// open (re)opens the Desk the receiver applies events to.
func (e *env) open(t testing.TB, o Options) {
	t.Helper()
	o.Client = e.client
	o.Path = e.path
	e.d = openTest(t, o)
	e.desk.Store(e.d)
}

func (e *env) apply(ev api.Event) {
	e.busy.Add(1)
	defer e.busy.Add(-1)
	if d := e.desk.Load(); d != nil {
		_ = d.ApplyEvent(context.Background(), ev)
	}
}

func (e *env) receiver(sync bool) http.Handler {
	mux := http.NewServeMux()
	if !sync {
		mux.Handle(api.WebhookPath, &api.WebhookHandler{
			Secrets: func() []string { return []string{testSecret} },
			OnEvent: e.apply,
		})
		return mux
	}
	mux.HandleFunc(api.WebhookPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || !api.Verify(body, r.Header.Get(api.HeaderVerification), testSecret) {
			http.Error(w, "bad", http.StatusUnauthorized)
			return
		}
		var ev api.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		e.apply(ev)
		w.WriteHeader(http.StatusOK)
	})
	return mux
}

// waitFor polls referral id until ok accepts it or timeout passes.
func waitFor(t *testing.T, d *Desk, id int64, timeout time.Duration, ok func(Referral) bool) Referral {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r, _, err := d.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("Get(%d): %v", id, err)
		}
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("referral %d stuck in %s (attention %q, reason %q)", id, r.Status, r.Attention, r.FailureReason)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func terminal(r Referral) bool { return r.Status.Terminal() }

func statusIs(s Status) func(Referral) bool { return func(r Referral) bool { return r.Status == s } }
