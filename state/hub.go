package state

import (
	"context"
	"sync"
)

// subscriberBuffer is how many changes wait for one subscriber before they
// are coalesced into a single Change{Refresh: true}.
const subscriberBuffer = 64

// hub fans referral changes out to subscribers. Publishing never blocks:
// each subscriber owns a bounded channel; when it is full, everything still
// waiting in it is taken back and replaced by one Refresh, which tells that
// subscriber to reload. A subscription costs no goroutine while it lives;
// context.AfterFunc closes its channel when its context ends.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
	size int // buffer per subscriber
}

type subscriber struct {
	mu     sync.Mutex // serialises sends with the close
	ch     chan Change
	closed bool
}

func newHub(size int) *hub {
	if size < 2 {
		size = 2
	}
	return &hub{subs: make(map[*subscriber]struct{}), size: size}
}

// subscribe returns a channel of changes that is closed when ctx ends.
func (h *hub) subscribe(ctx context.Context) <-chan Change {
	s := &subscriber{ch: make(chan Change, h.size)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
		s.mu.Lock()
		s.closed = true
		close(s.ch)
		s.mu.Unlock()
	})
	return s.ch
}

// publish delivers c to every subscriber without ever waiting on one.
func (h *hub) publish(c Change) {
	h.mu.Lock()
	subs := make([]*subscriber, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		s.offer(c)
	}
}

// count is the number of live subscriptions.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (s *subscriber) offer(c Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- c:
		return
	default:
	}
	// Full: take back what is waiting (the reader may take some meanwhile;
	// either way nothing is lost, it is all covered by the Refresh) and
	// leave one Refresh in its place. Only senders hold s.mu, so after the
	// drain there is room.
	for drained := false; !drained; {
		select {
		case <-s.ch:
		default:
			drained = true
		}
	}
	s.ch <- Change{Refresh: true}
}
