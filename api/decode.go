package api

import (
	"bytes"
	"encoding/json"
)

// UnmarshalJSON accepts both documented shapes of an event: the webhook
// envelope / newer events API ({"id","type","created","object","status",
// "delivered",...}) and the older one ({"event_id","event_type",
// "created_at","delivery_status","webhook_url",...}). Null fields decode
// as empty strings; unknown fields are ignored.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w struct {
		ID                     string          `json:"id"`
		EventID                string          `json:"event_id"`
		AccessTokenReferenceID string          `json:"access_token_reference_id"`
		Object                 string          `json:"object"`
		Created                string          `json:"created"`
		CreatedAt              string          `json:"created_at"`
		Type                   string          `json:"type"`
		EventType              string          `json:"event_type"`
		JobID                  JobID           `json:"job_id"`
		Data                   json.RawMessage `json:"data"`
		DeliveryStatus         string          `json:"delivery_status"`
		Status                 string          `json:"status"`
		Delivered              *bool           `json:"delivered"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event{
		ID:                     first(w.ID, w.EventID),
		AccessTokenReferenceID: w.AccessTokenReferenceID,
		Object:                 w.Object,
		Created:                first(w.Created, w.CreatedAt),
		Type:                   first(w.Type, w.EventType),
		JobID:                  w.JobID,
		DeliveryStatus:         first(w.DeliveryStatus, w.Status),
	}
	if e.DeliveryStatus == "" && w.Delivered != nil {
		e.DeliveryStatus = "failed"
		if *w.Delivered {
			e.DeliveryStatus = "success"
		}
	}
	if d := bytes.TrimSpace(w.Data); len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		e.Data = d
	}
	return nil
}

// UnmarshalJSON reads Cobalt's "speciality", or "specialty" when a page
// spells it the usual way; text fields sent as numbers keep their text.
func (p *ReferringProvider) UnmarshalJSON(b []byte) error {
	type plain ReferringProvider
	var w struct {
		plain
		Specialty string `json:"specialty"`
	}
	if err := decodeLenient(b, &w); err != nil {
		return err
	}
	*p = ReferringProvider(w.plain)
	if p.Speciality == "" {
		p.Speciality = w.Specialty
	}
	return nil
}

// webhookWire is a webhook configuration in any of the documented forms:
// the secret under "webhook_secret_key", "webhook_secret" or
// "webhook.secret".
type webhookWire struct {
	ID               string `json:"id"`
	WebhookID        string `json:"webhook_id"`
	URL              string `json:"webhook_url"`
	PlainURL         string `json:"url"`
	WebhookSecretKey string `json:"webhook_secret_key"`
	WebhookSecret    string `json:"webhook_secret"`
	Secret           string `json:"secret"`
}

func (w webhookWire) config() WebhookConfig {
	return WebhookConfig{
		ID:     first(w.ID, w.WebhookID),
		URL:    first(w.URL, w.PlainURL),
		Secret: first(w.WebhookSecretKey, w.WebhookSecret, w.Secret),
	}
}

func (w webhookWire) empty() bool { return w.config() == WebhookConfig{} }

// webhookAnswer is the answer of POST or GET /v1/webhook: top-level
// fields, a "webhook" object, or a "webhooks" / "data" list.
type webhookAnswer struct {
	status
	webhookWire
	Webhook  *webhookWire    `json:"webhook"`
	Webhooks []webhookWire   `json:"webhooks"`
	Data     json.RawMessage `json:"data"` // a list or one object
}

// configs merges the forms: the nested object's fields win, the top-level
// ones fill its gaps (a secret beside a nested {id, webhook_url}).
func (a webhookAnswer) configs() []WebhookConfig {
	var out []WebhookConfig
	top := a.webhookWire.config()
	if a.Webhook != nil {
		c := a.Webhook.config()
		c.ID = first(c.ID, top.ID)
		c.URL = first(c.URL, top.URL)
		c.Secret = first(c.Secret, top.Secret)
		out = append(out, c)
	} else if !a.webhookWire.empty() {
		out = append(out, top)
	}
	list := a.Webhooks
	if d := bytes.TrimSpace(a.Data); len(d) > 0 {
		var one webhookWire
		var many []webhookWire
		if d[0] == '[' && json.Unmarshal(d, &many) == nil {
			list = append(list, many...)
		} else if d[0] == '{' && json.Unmarshal(d, &one) == nil {
			list = append(list, one)
		}
	}
	for _, w := range list {
		out = append(out, w.config())
	}
	return out
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
