package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// pendingDelivery is one event on its way to every registered URL.
type pendingDelivery struct {
	body  []byte
	id    string
	recs  []*eventRecord
	hooks []*webhook
	dup   bool
}

// ReorderHold is how long a reordered event waits for a next event before
// it is delivered anyway.
const ReorderHold = 5 * time.Second

// emit records ev and delivers it with the webhook faults applied. With
// sync (early webhooks) delivery happens on the caller's goroutine.
func (s *Server) emit(ev envelope, sync bool) {
	recs, hooks := s.record(ev)
	if len(hooks) == 0 {
		return
	}
	f, _ := s.knobs()
	if s.chance(f.DropWebhooks) {
		s.log.Info("sandbox: webhook dropped", "event_id", ev.ID, "job_id", ev.JobID)
		for _, rec := range recs {
			s.setStatus(rec, "failed")
		}
		return
	}
	d := &pendingDelivery{body: compactJSON(ev), id: ev.ID, recs: recs, hooks: hooks,
		dup: s.chance(f.DuplicateWebhooks)}
	if sync {
		s.deliver(d)
		return
	}
	hold := s.chance(f.ReorderWebhooks)
	s.mu.Lock()
	held := s.held
	if hold && held == nil {
		s.held = d
		s.mu.Unlock()
		s.releaseLater(d)
		return
	}
	s.held = nil
	s.mu.Unlock()
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		s.deliver(d)
		if held != nil {
			s.deliver(held)
		}
	}()
}

// releaseLater delivers a held event if no next event has come within
// ReorderHold.
func (s *Server) releaseLater(d *pendingDelivery) {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		t := time.NewTimer(ReorderHold)
		defer t.Stop()
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		mine := s.held == d
		if mine {
			s.held = nil
		}
		s.mu.Unlock()
		if mine {
			s.deliver(d)
		}
	}()
}

// deliver sends d to each URL (in parallel), twice when duplicated, and
// sets each record's delivery_status.
func (s *Server) deliver(d *pendingDelivery) {
	var wg sync.WaitGroup
	for i, h := range d.hooks {
		wg.Go(func() {
			ok := s.deliverOne(h, d)
			if d.dup {
				ok = s.deliverOne(h, d) || ok
			}
			status := "failed"
			if ok {
				status = "success"
			}
			s.setStatus(d.recs[i], status)
		})
	}
	wg.Wait()
}

// deliverOne makes the first attempt and, on a 5xx, a 429 or a network
// error other than a timeout, one retry a second later.
func (s *Server) deliverOne(h *webhook, d *pendingDelivery) bool {
	status, err := s.attempt(h, d, 1)
	if err == nil && status/100 == 2 {
		return true
	}
	if !retryable(status, err) {
		return false
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return false
	case <-t.C:
	}
	status, err = s.attempt(h, d, 2)
	return err == nil && status/100 == 2
}

func retryable(status int, err error) bool {
	if err != nil {
		var ne net.Error
		timeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
		return !timeout
	}
	return status >= 500 || status == http.StatusTooManyRequests
}

// attempt POSTs the body once with Cobalt's headers; the signature is the
// hex HMAC-SHA256 of exactly the bytes sent.
func (s *Server) attempt(h *webhook, d *pendingDelivery, n int) (int, error) {
	s.mu.Lock()
	s.attempts++
	s.mu.Unlock()
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, h.URL, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	mac := hmac.New(sha256.New, []byte(h.Secret))
	mac.Write(d.body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cobalt-Verification", hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("webhook-id", d.id)
	req.Header.Set("webhook-timestamp", isoMillis(s.now()))
	req.Header.Set("webhook-attempt", strconv.Itoa(n))
	req.Header.Set("User-Agent", "Cobalt-Webhooks (refdesk sandbox)")
	resp, err := s.hc.Do(req)
	if err != nil {
		s.log.Info("sandbox: webhook delivery error", "event_id", d.id, "attempt", n, "err", err)
		return 0, err
	}
	resp.Body.Close()
	s.log.Info("sandbox: webhook delivered", "event_id", d.id, "attempt", n, "status", resp.StatusCode)
	return resp.StatusCode, nil
}
