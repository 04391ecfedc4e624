package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads GET /metrics and parses it with Prometheus' own text parser.
func scrape(t *testing.T, srv *server) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	resp, err := http.Get("http://" + srv.webhookAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %s %s", resp.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the Prometheus parser refuses /metrics: %v\n%s", err, body)
	}
	return fams, string(body)
}

// value is the series' value whose labels include want (counter, gauge or
// a histogram's count); ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// TestServeMetricsAndHealth: a desk sends a referral that completes by
// webhook; a forged and an oversized webhook are refused; /metrics (parsed
// by Prometheus' text parser) shows every series with those numbers and no
// patient data, and /healthz answers JSON.
func TestServeMetricsAndHealth(t *testing.T) {
	c := newClinic(t)
	srv := c.serve(t)
	alice := openDesk(t, srv, "alice", c.desk1, 140, 45)
	alice.WaitText(15*time.Second, "synced just now")
	fillForm(alice, outgoingWithLetter)
	alice.Press("enter")
	alice.WaitFor(20*time.Second, "the referral completed", func(s string) bool {
		return strings.Contains(paneText(s), "COMPLETED ✓")
	})
	hook := "http://" + srv.webhookAddr + "/webhooks/cobalt"
	forged, err := http.Post(hook, "application/json", strings.NewReader(`{"id":"evt_x","type":"referral.created","data":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	forged.Body.Close()
	big, err := http.Post(hook, "application/json", bytes.NewReader(bytes.Repeat([]byte("x"), 2<<20)))
	if err == nil {
		big.Body.Close()
	}

	fams, body := scrape(t, srv)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		min    float64
		max    float64
	}{
		{"refdesk_sessions", nil, 1, 1},
		{"refdesk_referrals", map[string]string{"status": "completed"}, 1, 1},
		{"refdesk_referrals", map[string]string{"status": "failed"}, 0, 0},
		{"refdesk_webhooks_total", map[string]string{"result": "verified"}, 1, 10},
		{"refdesk_webhooks_total", map[string]string{"result": "bad_signature"}, 1, 1},
		{"refdesk_webhooks_total", map[string]string{"result": "too_large"}, 1, 1},
		{"refdesk_webhooks_total", map[string]string{"result": "duplicate"}, 0, 10},
		{"refdesk_webhooks_total", map[string]string{"result": "bad_request"}, 0, 0},
		{"refdesk_webhook_to_screen_seconds", nil, 1, 100},
		{"refdesk_directory_syncs_total", map[string]string{"result": "ok"}, 1, 1},
		{"refdesk_directory_syncs_total", map[string]string{"result": "error"}, 0, 0},
		{"refdesk_directory_age_seconds", map[string]string{"directory": "patients"}, 0, 600},
		{"refdesk_outbox_backlog", nil, 0, 0},
		{"refdesk_reconciler_polls_total", nil, 0, 1e6},
	} {
		v, ok := value(fams, tc.name, tc.labels)
		if !ok || v < tc.min || v > tc.max {
			t.Errorf("%s%v = %v (present %v), want %v..%v", tc.name, tc.labels, v, ok, tc.min, tc.max)
		}
	}
	for _, phi := range []string{"Doe", "1234567", "Cardiology"} {
		if strings.Contains(body, phi) {
			t.Errorf("/metrics shows %q", phi)
		}
	}

	resp, err := http.Get("http://" + srv.webhookAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Status      string
		Version     string
		Backlog     *int `json:"outbox_backlog"`
		Sessions    *int
		Directories map[string]struct {
			AgeSeconds *float64 `json:"age_seconds"`
		}
		Cobalt struct{ Reachable *bool }
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %s %v", resp.Status, err)
	}
	if h.Status != "serving" || h.Version == "" || h.Backlog == nil || *h.Backlog != 0 || h.Sessions == nil || *h.Sessions != 1 ||
		len(h.Directories) != 3 || h.Directories["patients"].AgeSeconds == nil || h.Cobalt.Reachable == nil || !*h.Cobalt.Reachable {
		t.Errorf("/healthz: %+v", h)
	}
}

// TestServeMetricsOff: --metrics=false serves no /metrics.
func TestServeMetricsOff(t *testing.T) {
	c := newClinic(t)
	srv := c.serve(t, "--metrics=false")
	resp, err := http.Get("http://" + srv.webhookAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /metrics with --metrics=false: %s", resp.Status)
	}
	if err := srv.Healthz(); err != nil {
		t.Fatal(err)
	}
}
