package sandbox

import (
	"encoding/json"
	"net/http"
	"sort"

	"refdesk/api"
)

// eventRecord is one event as GET /v1/webhook-events lists it: one record
// per (event, registered URL), or one with a null webhook_url when no URL
// was registered (delivery_status "failed": nothing could be delivered).
type eventRecord struct {
	EventID                string          `json:"event_id"`
	EventType              string          `json:"event_type"`
	WebhookURL             *string         `json:"webhook_url"`
	DeliveryStatus         string          `json:"delivery_status"` // pending, success, failed
	Data                   json.RawMessage `json:"data"`
	CreatedAt              string          `json:"created_at"`
	JobID                  string          `json:"job_id"`
	AccessTokenReferenceID string          `json:"access_token_reference_id"`
}

// record stores ev once per registered webhook and returns the records
// (pointers into the log, updated as delivery goes) with their targets.
func (s *Server) record(ev envelope) ([]*eventRecord, []*webhook) {
	data := compactJSON(ev.Data)
	s.mu.Lock()
	defer s.mu.Unlock()
	hooks := append([]*webhook(nil), s.webhooks...)
	mk := func(url *string, status string) *eventRecord {
		rec := &eventRecord{EventID: ev.ID, EventType: ev.Type, WebhookURL: url,
			DeliveryStatus: status, Data: data, CreatedAt: ev.Created, JobID: ev.JobID,
			AccessTokenReferenceID: ev.AccessTokenReferenceID}
		s.events = append(s.events, rec)
		return rec
	}
	if len(hooks) == 0 {
		mk(nil, "failed")
		return nil, nil
	}
	recs := make([]*eventRecord, len(hooks))
	for i, h := range hooks {
		u := h.URL
		recs[i] = mk(&u, "pending")
	}
	return recs, hooks
}

func (s *Server) setStatus(rec *eventRecord, status string) {
	s.mu.Lock()
	rec.DeliveryStatus = status
	s.mu.Unlock()
}

// GET /v1/webhook-events: job_id, event_type, delivery_status, start_date,
// end_date (on created_at's date), page, page_size (default 50, at most
// 100), sort created_at or -created_at (the default). Items use the
// {event_id, event_type, webhook_url, delivery_status, data, created_at,
// job_id, access_token_reference_id} shape, under "events", with
// "pagination".
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	lo, hi, msg := dateRange(r, false)
	page, size, msg2 := pageParams(r, 50)
	if msg == "" {
		msg = msg2
	}
	q := r.URL.Query()
	desc := true
	switch q.Get("sort") {
	case "", "-created_at":
	case "created_at":
		desc = false
	default:
		if msg == "" {
			msg = msgBadSort
		}
	}
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	eq := func(want, got string) bool { return want == "" || want == got }
	var items []eventRecord
	s.mu.Lock()
	for _, e := range s.events {
		day := e.CreatedAt[:10]
		if !eq(q.Get("job_id"), e.JobID) || !eq(q.Get("event_type"), e.EventType) ||
			!eq(q.Get("delivery_status"), e.DeliveryStatus) ||
			(lo != "" && day < lo) || (hi != "" && day > hi) {
			continue
		}
		items = append(items, *e)
	}
	s.mu.Unlock()
	// The log is in creation order; a stable sort keeps ties in that order.
	sort.SliceStable(items, func(i, j int) bool {
		if desc {
			return items[i].CreatedAt > items[j].CreatedAt
		}
		return items[i].CreatedAt < items[j].CreatedAt
	})
	a, b, pg := paginate(page, size, len(items))
	l := startList(w, "events")
	for _, it := range items[a:b] {
		if l.row(it) != nil {
			return
		}
	}
	l.end(pg)
}

// Events returns every recorded event as api.Event (one per event id, in
// creation order), for tests and demos.
func (s *Server) Events() []api.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var out []api.Event
	for _, e := range s.events {
		if seen[e.EventID] {
			continue
		}
		seen[e.EventID] = true
		out = append(out, api.Event{ID: e.EventID, AccessTokenReferenceID: e.AccessTokenReferenceID,
			Object: "event", Created: e.CreatedAt, Type: e.EventType, JobID: api.JobID(e.JobID),
			Data: append(json.RawMessage(nil), e.Data...), DeliveryStatus: e.DeliveryStatus})
	}
	return out
}
