package state

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"refdesk/api"
)

// postCounter counts POST /v1/referrals per "claim-NNN" marker in the body
// on their way to the sandbox.
type postCounter struct {
	next  http.Handler
	mu    sync.Mutex
	posts map[string]int
}

var claimMarker = regexp.MustCompile(`claim-[0-9]+`)

func (c *postCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/referrals" {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if m := claimMarker.Find(body); m != nil {
			c.mu.Lock()
			c.posts[string(m)]++
			c.mu.Unlock()
		}
	}
	c.next.ServeHTTP(w, r)
}

// Two nodes on one store run their outboxes at the same moment over the
// same Not-sent referrals: each referral is POSTed exactly once (on
// PostgreSQL the claim skips a row the other node is claiming; on SQLite
// claims are serialised by the one writer).
func TestOutboxClaimsOnceAcrossNodes(t *testing.T) {
	const n = 24
	addr := freeAddr(t)
	sb := smallSandbox()
	pc := &postCounter{next: sb, posts: map[string]int{}}
	stop := serveAt(t, addr, pc)
	path := filepath.Join(t.TempDir(), "refdesk.db")
	// Clients whose idle connections the test can drop once Cobalt is
	// stopped, so each POST then finds the port closed (Not sent), never
	// a kept-alive connection the server closed under it (Unknown).
	hcs := []*http.Client{{Transport: &http.Transport{}}, {Transport: &http.Transport{}}}
	client := func(hc *http.Client) *api.Client {
		return api.New(api.Config{BaseURL: "http://" + addr + "/v1", ClientID: "sandbox", ClientSecret: "sandbox",
			AccessToken: "sandbox", RetryBaseDelay: 5 * time.Millisecond, HTTPClient: hc})
	}
	a := openTest(t, Options{Path: path, Client: client(hcs[0])})
	b := openTest(t, Options{Path: path, Client: client(hcs[1])})
	ctx := context.Background()
	if _, err := a.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.reloadIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	stop() // Cobalt unreachable: every referral waits in the outbox
	for _, hc := range hcs {
		hc.CloseIdleConnections()
	}
	for i := range n {
		in := sampleInput()
		in.Reason = fmt.Sprintf("Cardiology consultation claim-%03d", i)
		d := a
		if i%2 == 1 {
			d = b
		}
		r, err := d.Submit(ctx, "amy", in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != NotSent || r.FailureReason != ReasonNotSent {
			t.Fatalf("referral %d: status %s reason %q, want Not sent for Cobalt", i, r.Status, r.FailureReason)
		}
	}
	serveAt(t, addr, pc)

	// Both outboxes, started together, until nothing waits.
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, d := range []*Desk{a, b} {
		wg.Go(func() {
			<-start
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				if _, err := d.sendWaiting(ctx); err != nil {
					t.Errorf("sendWaiting: %v", err)
					return
				}
				if left, err := d.OutboxBacklog(ctx); err != nil || left == 0 {
					break
				}
			}
		})
	}
	close(start)
	wg.Wait()

	pc.mu.Lock()
	defer pc.mu.Unlock()
	for i := range n {
		marker := fmt.Sprintf("claim-%03d", i)
		if got := pc.posts[marker]; got != 1 {
			t.Errorf("%s POSTed %d times, want exactly once", marker, got)
		}
	}
	if got := sb.Stats().Referrals; got != n {
		t.Errorf("the sandbox holds %d referrals, want %d", got, n)
	}
	for _, d := range []*Desk{a, b} {
		ids, err := d.idsWithStatus(ctx, NotSent)
		if err != nil || len(ids) != 0 {
			t.Errorf("%d referrals still Not sent (%v)", len(ids), err)
		}
	}
}
