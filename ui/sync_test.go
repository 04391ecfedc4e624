package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/state"
)

// A sync whose screen has closed ends even though nobody reads its result:
// the goroutine is not stranded on the send.
func TestSyncEndsWhenScreenCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d, err := state.Open(ctx, state.Options{Path: filepath.Join(t.TempDir(), "refdesk.db"),
		Client: api.New(api.Config{BaseURL: "http://127.0.0.1:1/v1", ClientID: "x", ClientSecret: "x", AccessToken: "x"})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cancel()                 // the screen closed
	ch := make(chan tea.Msg) // and nobody reads
	done := make(chan struct{})
	go func() { runSync(ctx, d, ch); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the sync goroutine is stuck sending its result to a closed screen")
	}
	if _, open := <-ch; open {
		t.Error("the result channel was not closed")
	}
}
