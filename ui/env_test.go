package ui

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
	"refdesk/state"
	"refdesk/ui/internal/uitest"
)

const hookSecret = "whsec_uitest"

// env is a real Desk on a real sandbox over HTTP, with a webhook receiver
// applying events to the Desk (as serve does), and the root model driven
// by hand.
type env struct {
	t    *testing.T
	sb   *sandbox.Server
	desk *state.Desk
	docs string
	m    *Model
	d    *uitest.Driver
	ctx  context.Context
	path string      // the desk's SQLite file
	api  *api.Client // the desk's client, to open the file again
	user string      // the session's user for start ("front1" when empty)
}

// envOpts changes newEnvWith's set-up.
type envOpts struct {
	rig         func(*sandboxtest.Options) // the sandbox and the client
	noReconcile bool                       // no reconciler: Unknown referrals stay Unknown
	desk        func(*state.Options)       // the desk's options
}

func newEnv(t *testing.T, w, h int) *env {
	t.Helper()
	return newEnvWith(t, w, h, envOpts{})
}

func newEnvWith(t *testing.T, w, h int, o envOpts) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx}
	var desk atomic.Pointer[state.Desk]
	hooks := http.NewServeMux()
	hooks.Handle(api.WebhookPath, &api.WebhookHandler{
		Secrets: func() []string { return []string{hookSecret} },
		OnEvent: func(ev api.Event) {
			if d := desk.Load(); d != nil {
				_ = d.ApplyEvent(ctx, ev)
			}
		},
	})
	ro := sandboxtest.Options{Hooks: hooks, Sandbox: sandbox.Options{Seed: 7, Providers: 30,
		ReferringProviders: 300, Patients: 200, FailureRate: sandbox.Rate(0),
		DelayMin: 20 * time.Millisecond, DelayMax: 60 * time.Millisecond, WebhookSecret: hookSecret}}
	if o.rig != nil {
		o.rig(&ro)
	}
	rig := sandboxtest.Start(t, ro)
	e.sb = rig.Sandbox
	client := rig.Client
	e.path, e.api = filepath.Join(t.TempDir(), "refdesk.db"), client
	do := state.Options{Path: e.path, Client: client,
		Grace: 500 * time.Millisecond, PollInterval: 100 * time.Millisecond}
	if o.desk != nil {
		o.desk(&do)
	}
	d, err := state.Open(ctx, do)
	if err != nil {
		t.Fatalf("state.Open: %v", err)
	}
	t.Cleanup(func() { cancel(); d.Close() })
	desk.Store(d)
	if !o.noReconcile {
		go d.Reconcile(ctx)
	}
	if _, err := d.Sync(ctx, nil); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	e.desk = d
	e.docs = t.TempDir()
	e.start(w, h)
	return e
}

// start builds a fresh root model on the same desk (a new session).
func (e *env) start(w, h int) {
	user := e.user
	if user == "" {
		user = "front1"
	}
	e.m = newModel(Session{Desk: e.desk, User: user, Account: "SANDBOX", Sandbox: true,
		Completions: "webhooks on test", DocumentsDir: e.docs, Context: e.ctx, NoColor: true,
		DraftDelay: 40 * time.Millisecond})
	e.d = uitest.New(e.t, func(msg tea.Msg) tea.Cmd {
		_, cmd := e.m.Update(msg)
		return cmd
	})
	e.d.Run(e.m.Init())
	e.d.Send(tea.WindowSizeMsg{Width: w, Height: h})
}

func (e *env) view() string { return uitest.Plain(e.m.View().Content) }

// waitView waits until the screen shows every one of want.
func (e *env) waitView(want ...string) {
	e.t.Helper()
	defer func() {
		if e.t.Failed() {
			e.t.Logf("screen:\n%s", e.view())
		}
	}()
	e.d.WaitFor(strings.Join(want, " & "), 15*time.Second, func() bool {
		v := e.view()
		for _, w := range want {
			if !strings.Contains(v, w) {
				return false
			}
		}
		return true
	})
}

func (e *env) doc(name string, size int) string {
	e.t.Helper()
	p := filepath.Join(e.docs, name)
	if err := os.WriteFile(p, []byte(strings.Repeat("x", size)), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// entry is the n-th entry of a directory whose name finds only itself, so
// typing the name picks it.
func (e *env) entry(dir state.Directory, n int) state.Entry {
	e.t.Helper()
	ix := e.desk.Index(dir)
	r := ix.Search("", ix.Len())
	for _, m := range r.Matches {
		if ix.Search(m.Entry.Name, 2).Total != 1 {
			continue
		}
		if n == 0 {
			return m.Entry
		}
		n--
	}
	e.t.Fatalf("directory %s has too few entries with a unique name", dir)
	return state.Entry{}
}

func lipglossWidth(s string) int { return lipgloss.Width(s) }
