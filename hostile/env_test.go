package hostile

import (
	"bytes"
	"context"
	"io"
	"net"
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

const hookSecret = "whsec_hostile_test"

// delivery is one webhook request as it arrived.
type delivery struct {
	body   []byte
	header http.Header
}

// env is a desk on SQLite fed by the sandbox over HTTP, with the webhook
// receiver serve runs: api.NewWebhookServer on loopback, api.WebhookHandler
// applying events to the desk. Deliveries are recorded before the handler
// sees them, so a test can replay one.
type env struct {
	t      *testing.T
	ctx    context.Context
	sb     *sandbox.Server
	desk   *state.Desk
	hook   string // http://127.0.0.1:port/webhooks/cobalt
	dbPath string // the desk's SQLite file
	srv    *http.Server
	posts  atomic.Int64 // POST /v1/referrals that reached the sandbox
	events atomic.Int64 // events handed to OnEvent
	done   atomic.Int64 // events ApplyEvent has finished with

	mu         sync.Mutex
	deliveries []delivery
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e := &env{t: t, ctx: ctx}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.hook = "http://" + ln.Addr().String() + api.WebhookPath
	// The receiver is serve's own webhook server (below), not the rig's.
	rig := sandboxtest.Start(t, sandboxtest.Options{
		Sandbox: sandbox.Options{Seed: 3, Providers: 20, ReferringProviders: 50, Patients: 50,
			FailureRate: sandbox.Rate(0), DelayMin: 5 * time.Millisecond, DelayMax: 20 * time.Millisecond,
			WebhookURL: e.hook, WebhookSecret: hookSecret},
		Wrap: func(sb *sandbox.Server) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/v1/referrals" {
					e.posts.Add(1)
				}
				sb.ServeHTTP(w, r)
			})
		},
	})
	e.sb = rig.Sandbox
	e.dbPath = filepath.Join(t.TempDir(), "refdesk.db")
	e.desk, err = state.Open(ctx, state.Options{Path: e.dbPath, Client: rig.Client})
	if err != nil {
		t.Fatal(err)
	}
	h := &api.WebhookHandler{
		Secrets: func() []string { return []string{hookSecret} },
		OnEvent: func(ev api.Event) {
			e.events.Add(1)
			defer e.done.Add(1)
			_ = e.desk.ApplyEvent(ctx, ev)
		},
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+api.WebhookPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxWebhookBytes+1))
		if err == nil {
			e.mu.Lock()
			e.deliveries = append(e.deliveries, delivery{body: body, header: r.Header.Clone()})
			e.mu.Unlock()
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		h.ServeHTTP(w, r)
	}))
	e.srv = api.NewWebhookServer(ln.Addr().String(), mux)
	go func() { _ = e.srv.Serve(ln) }()
	t.Cleanup(func() {
		rig.Close()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = e.srv.Shutdown(sctx)
		e.settle()
		cancel()
		_ = e.desk.Close()
	})
	if _, err := e.desk.Sync(ctx, nil); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return e
}

// settle waits until every event handed to OnEvent has been applied.
func (e *env) settle() {
	deadline := time.Now().Add(10 * time.Second)
	for e.done.Load() < e.events.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// input is a valid referral for the sandbox's directory.
func (e *env) input() state.ReferralInput {
	dir := e.sb.Directory()
	return state.ReferralInput{PatientMRN: dir.Patient(1).MRN, Direction: api.DirectionOutgoing,
		FromEHRID: dir.Provider(0).EHRID, ToEHRID: dir.ReferringProvider(1).EHRID,
		Priority: api.PriorityRoutine, Reason: "Hostile input test", DiagnosisCodes: []string{"I10"}}
}

// post sends body to the receiver, signed with sig when sig is not "".
func (e *env) post(body []byte, sig string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.hook, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if sig != "" {
		req.Header.Set(api.HeaderVerification, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitStatus waits until referral id is terminal.
func (e *env) waitTerminal(id int64) (state.Referral, []state.Transition) {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, tr, err := e.desk.Get(e.ctx, id)
		if err != nil {
			e.t.Fatal(err)
		}
		if r.Status.Terminal() {
			return r, tr
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("referral %d stuck in %s", id, r.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
