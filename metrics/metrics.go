// Package metrics is refdesk serve's Prometheus endpoint: a registry of its
// own per process (never the library's global one), counters the receiver
// and the desks feed, and gauges read from the store at each scrape. No
// label or value ever carries patient data: statuses, directory names and
// webhook results only.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"refdesk/state"
)

// Webhook results, the values of refdesk_webhooks_total's label.
const (
	WebhookVerified     = "verified"
	WebhookBadSignature = "bad_signature"
	WebhookDuplicate    = "duplicate"
	WebhookTooLarge     = "too_large"
	WebhookBadRequest   = "bad_request"
)

// Sources are what the gauges read at each scrape.
type Sources struct {
	Desk     func() *state.Desk // nil until the store is open
	Sessions func() int         // desks connected now
}

// Metrics is one process's metrics.
type Metrics struct {
	reg      *prometheus.Registry
	webhooks *prometheus.CounterVec
	toScreen prometheus.Histogram
}

// New registers refdesk's series over src in a registry of its own.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "refdesk_webhooks_total", Help: "Webhook deliveries received, by result.",
	}, []string{"result"})
	for _, r := range []string{WebhookVerified, WebhookBadSignature, WebhookDuplicate, WebhookTooLarge, WebhookBadRequest} {
		m.webhooks.WithLabelValues(r) // every result shows, at 0 until it happens
	}
	m.toScreen = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "refdesk_webhook_to_screen_seconds",
		Help:    "From Cobalt's event applied to the store to a connected desk's screen model holding it, per desk.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	})
	m.reg.MustRegister(m.webhooks, m.toScreen, newStoreCollector(src))
	return m
}

// Handler serves GET /metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Webhook counts one delivery with its result.
func (m *Metrics) Webhook(result string) {
	if m != nil {
		m.webhooks.WithLabelValues(result).Inc()
	}
}

// Shown records how long an event took to reach a desk's screen.
func (m *Metrics) Shown(d time.Duration) {
	if m != nil {
		m.toScreen.Observe(d.Seconds())
	}
}

// storeCollector reads the store and the process's totals at each scrape.
type storeCollector struct {
	src                                                          Sources
	descSessions, descReferrals, descSyncs, descAge, descBacklog *prometheus.Desc
	descPolls                                                    *prometheus.Desc
}

func newStoreCollector(src Sources) *storeCollector {
	return &storeCollector{src: src,
		descSessions:  prometheus.NewDesc("refdesk_sessions", "Desks connected now.", nil, nil),
		descReferrals: prometheus.NewDesc("refdesk_referrals", "Referrals in the store, by status.", []string{"status"}, nil),
		descSyncs:     prometheus.NewDesc("refdesk_directory_syncs_total", "Directory syncs done by this process, by result.", []string{"result"}, nil),
		descAge:       prometheus.NewDesc("refdesk_directory_age_seconds", "Time since each directory was last synced (absent: never).", []string{"directory"}, nil),
		descBacklog:   prometheus.NewDesc("refdesk_outbox_backlog", "Referrals waiting in the outbox for Cobalt to answer.", nil, nil),
		descPolls:     prometheus.NewDesc("refdesk_reconciler_polls_total", "Questions the reconciler asked Cobalt about referrals without an answer.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.descSessions, c.descReferrals, c.descSyncs, c.descAge, c.descBacklog, c.descPolls} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c.src.Sessions != nil {
		ch <- prometheus.MustNewConstMetric(c.descSessions, prometheus.GaugeValue, float64(c.src.Sessions()))
	}
	var d *state.Desk
	if c.src.Desk != nil {
		d = c.src.Desk()
	}
	if d == nil {
		return
	}
	if counts, err := d.CountByStatus(ctx); err == nil {
		for _, s := range []state.Status{state.Draft, state.Submitting, state.Processing, state.Completed,
			state.Failed, state.NotSent, state.Unknown} {
			ch <- prometheus.MustNewConstMetric(c.descReferrals, prometheus.GaugeValue, float64(counts[s]), string(s))
		}
	}
	t := d.Counters()
	ch <- prometheus.MustNewConstMetric(c.descSyncs, prometheus.CounterValue, float64(t.SyncsOK), "ok")
	ch <- prometheus.MustNewConstMetric(c.descSyncs, prometheus.CounterValue, float64(t.SyncsFailed), "error")
	ch <- prometheus.MustNewConstMetric(c.descPolls, prometheus.CounterValue, float64(t.ReconcilerPolls))
	for _, dir := range []state.Directory{state.Providers, state.ReferringProviders, state.Patients} {
		if at := d.SyncedAt(dir); !at.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.descAge, prometheus.GaugeValue, time.Since(at).Seconds(), string(dir))
		}
	}
	if n, err := d.OutboxBacklog(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.descBacklog, prometheus.GaugeValue, float64(n))
	}
}
