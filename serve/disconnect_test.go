package serve

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/internal/testkit"
)

// A client whose connection drops (the TCP connection closed under the
// session, no exit) leaves a program that is told ShutdownMsg{Reason:
// ReasonDisconnect}, whose save command runs to completion (its message
// reaches Update) before the program and its context end; a model that
// ignores the message still ends, after the grace.
func TestDisconnectLetsTheModelSave(t *testing.T) {
	alice, stub := testkit.NewKey(t, "alice"), testkit.NewKey(t, "stubborn")
	f := startServer(t, []string{alice.Line, stub.Line}, func(o *Options) { o.ShutdownGrace = 300 * time.Millisecond })
	ca, cs := f.mustDial("alice", alice), f.mustDial("stubborn", stub)
	a, s := openTerm(t, ca, true), openTerm(t, cs, true)
	a.waitFor("desk of alice")
	s.waitFor("desk of stubborn")

	start := time.Now()
	_ = ca.Close() // the network drops: no exit, no EOF first
	_ = cs.Close()
	waitUntil(t, "alice's save after the drop", func() bool { return f.ev.has("saved:disconnect:alice") })
	waitUntil(t, "the stubborn model's ShutdownMsg", func() bool { return f.ev.has("shutdown:disconnect:stubborn") })
	ended := map[string]bool{}
	for len(ended) < 2 {
		select {
		case u := <-f.ctxDone:
			ended[u] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("session contexts still live 5s after the drop; ended: %v", ended)
		}
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the programs took %v to end after the drop (grace 300ms)", took)
	}
	waitUntil(t, "the desks to be forgotten", func() bool { return f.srv.liveDesks() == 0 })
}

// slowSaver's save takes 700ms: long enough for its person to reconnect.
type slowSaver struct {
	*testModel
	ev *events
}

type slowSavedMsg struct{}

func (m slowSaver) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case ShutdownMsg:
		m.ev.add("saving")
		return m, func() tea.Msg { time.Sleep(700 * time.Millisecond); return slowSavedMsg{} }
	case slowSavedMsg:
		m.ev.add("saved")
		return m, nil
	}
	_, cmd := m.testModel.Update(msg)
	return m, cmd
}

// Reconnecting while the dropped desk is still saving waits for that save:
// the new desk is built only after it, so it loads the very last draft.
func TestReconnectWaitsForTheDroppedDesksSave(t *testing.T) {
	alice := testkit.NewKey(t, "alice")
	ev := &events{}
	f := startServer(t, []string{alice.Line}, func(o *Options) {
		o.ShutdownGrace = 3 * time.Second
		o.NewModel = func(_ context.Context, s Session) tea.Model {
			ev.add(fmt.Sprintf("new, saved before: %v", ev.has("saved")))
			return slowSaver{&testModel{s: s, ev: ev}, ev}
		}
	})
	c := f.mustDial("alice", alice)
	openTerm(t, c, true).waitFor("desk of alice")
	_ = c.Close()
	waitUntil(t, "the dropped desk to start saving", func() bool { return ev.has("saving") })
	again := openTerm(t, f.mustDial("alice", alice), true)
	again.waitFor("desk of alice")
	if !ev.has("new, saved before: true") {
		t.Fatalf("the new desk was built before the dropped desk's save ended: %v", ev.list)
	}
}
