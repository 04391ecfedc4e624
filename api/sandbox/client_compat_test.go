package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

// The project's own client and webhook handler work against the sandbox
// end to end: directories, a referral with a document, the signed webhook
// verified by api.WebhookHandler, and the same event polled by job id.
func TestWithAPIClient(t *testing.T) {
	events := make(chan api.Event, 10)
	var secret string
	h := &api.WebhookHandler{
		Secrets: func() []string { return []string{secret} },
		OnEvent: func(ev api.Event) { events <- ev },
	}
	recv := httptest.NewServer(h)
	defer recv.Close()
	e := quick(t, sandbox.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := e.client

	cfg, err := c.RegisterWebhook(ctx, recv.URL+"/webhooks/cobalt")
	if err != nil || !strings.HasPrefix(cfg.Secret, "whsec_") || cfg.ID == "" {
		t.Fatalf("register: %+v %v", cfg, err)
	}
	secret = cfg.Secret
	provs, err := c.Providers(ctx)
	if err != nil || len(provs) != 150 {
		t.Fatalf("providers: %d %v", len(provs), err)
	}
	refs, err := c.ReferringProviders(ctx, api.ReferringProviderQuery{LastName: "alvarez", Phone: "(773) 472-2936"})
	if err != nil || len(refs) != 1 || refs[0].EHRID != "5521" {
		t.Fatalf("referring providers: %+v %v", refs, err)
	}
	pats, pg, err := c.Patients(ctx, api.PatientQuery{MRN: "1234567"})
	if err != nil || len(pats) != 1 || pg.TotalCount != 1 {
		t.Fatalf("patients: %+v %+v %v", pats, pg, err)
	}
	pdf := "%PDF-1.4\nhello\n"
	ans, err := c.CreateReferral(ctx, api.ReferralRequest{
		PatientMRN: "1234567", FromProviderEHRID: "5521", ToProviderEHRID: "PROV-001",
		Direction: "incoming", Priority: "stat", Reason: "Chest pain", DiagnosisCodes: []string{"R07.9"},
		Documents: []api.Document{{Filename: "note.pdf", Size: int64(len(pdf)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(pdf)), nil }}},
	})
	if err != nil || !ans.Success || len(ans.ReferralID) != 32 || ans.JobID == "" {
		t.Fatalf("create: %+v %v", ans, err)
	}
	var ev api.Event
	select {
	case ev = <-events:
	case <-ctx.Done():
		t.Fatal("no verified webhook")
	}
	d, err := ev.ReferralData()
	if err != nil || ev.JobID != ans.JobID || d.ReferralID != ans.ReferralID || d.DocumentsAttached == nil || *d.DocumentsAttached != 1 {
		t.Fatalf("event %+v data %+v %v", ev, d, err)
	}
	polled, _, err := c.WebhookEvents(ctx, api.EventQuery{JobID: string(ans.JobID)})
	if err != nil || len(polled) != 1 || polled[0].ID != ev.ID || polled[0].Type != api.EventReferralCreated {
		t.Fatalf("polled %+v %v", polled, err)
	}
	_, err = c.CreateReferral(ctx, api.ReferralRequest{PatientMRN: "1234567", FromProviderEHRID: "PROV-001",
		ToProviderEHRID: "PROV-404", Direction: "outgoing", Priority: "routine", Reason: "x"})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 400 ||
		apiErr.Message != "Unknown provider(s): referring_to_provider_ehr_id 'PROV-404' was not found in referring providers. Ensure the provider has been synced." {
		t.Fatalf("unknown provider: %v", err)
	}
}
