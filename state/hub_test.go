package state

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// One subscriber never reads: the publisher and the other subscribers keep
// going; the stalled one ends up with a Refresh covering what it missed.
func TestHubStalledSubscriber(t *testing.T) {
	h := newHub(8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stalled := h.subscribe(ctx)
	const readers, n = 3, 2000
	var wg sync.WaitGroup
	got := make([]int, readers)
	refreshed := make([]bool, readers)
	rctx, rcancel := context.WithCancel(context.Background())
	last := make([]Change, readers)
	for i := range readers {
		ch := h.subscribe(rctx)
		wg.Go(func() {
			for c := range ch { // buffered changes are still read after the close
				last[i] = c
				if c.Refresh {
					refreshed[i] = true
					continue
				}
				got[i]++
			}
		})
	}
	done := make(chan struct{})
	go func() {
		for i := 1; i <= n; i++ {
			h.publish(Change{Referral: Referral{ID: int64(i)}})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("publisher blocked by a stalled subscriber")
	}
	rcancel()
	wg.Wait()
	for i := range readers {
		if got[i] != n && !refreshed[i] {
			t.Errorf("reader %d got %d of %d changes and no Refresh", i, got[i], n)
		}
		if !last[i].Refresh && last[i].Referral.ID != n {
			t.Errorf("reader %d ended on change %d, neither the last nor a Refresh", i, last[i].Referral.ID)
		}
	}
	if len(stalled) > 8 {
		t.Fatalf("stalled buffer %d > 8", len(stalled))
	}
	sawRefresh := false
	for len(stalled) > 0 {
		if c := <-stalled; c.Refresh {
			sawRefresh = true
		}
	}
	if !sawRefresh {
		t.Error("the stalled subscriber was not told to refresh")
	}
}

// Subscriptions end with their context: channel closed, nothing left behind.
func TestHubSubscriptionsEndWithoutLeaks(t *testing.T) {
	h := newHub(4)
	before := runtime.NumGoroutine()
	var cancels []context.CancelFunc
	var chans []<-chan Change
	for range 100 {
		ctx, cancel := context.WithCancel(context.Background())
		cancels = append(cancels, cancel)
		chans = append(chans, h.subscribe(ctx))
	}
	for i := range 50 {
		h.publish(Change{Referral: Referral{ID: int64(i)}})
	}
	for _, c := range cancels {
		c()
	}
	for i, ch := range chans {
		deadline := time.After(2 * time.Second)
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break drain
				}
			case <-deadline:
				t.Fatalf("subscription %d not closed after its context ended", i)
			}
		}
	}
	h.publish(Change{}) // publishing after the end is harmless
	if n := h.count(); n != 0 {
		t.Errorf("%d subscriptions left", n)
	}
	var after int
	for range 50 {
		if after = runtime.NumGoroutine(); after <= before {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after > before {
		t.Errorf("goroutines %d after, %d before", after, before)
	}
}

// Through the Desk: every session sees a change the moment it commits.
func TestDeskPublishesCommittedChanges(t *testing.T) {
	d := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	a, b := d.Subscribe(ctx), d.Subscribe(ctx)
	id := outbox(t, d, sampleInput())
	for _, ch := range []<-chan Change{a, b} {
		select {
		case c := <-ch:
			if c.Referral.ID != id || c.Referral.Status != Submitting || c.Referral.Reason != sampleInput().Reason {
				t.Errorf("change %+v", c)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no change published")
		}
	}
	cancel()
	if _, ok := <-a; ok {
		t.Error("channel open after cancel")
	}
}
