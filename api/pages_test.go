package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestReferralsQueryAndNulls(t *testing.T) {
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		answer(200, `{"success":true,"referrals":[{"id":"abc","ehr_id":null,"patient_mrn":"1234567","status":null,
			"diagnosis_codes":null,"document_ids":["d1"],"from_provider_ehr_id":0}],
			"pagination":{"current_page":1,"total_pages":1,"total_count":1,"page_size":100}}`)(w, r)
	}))
	defer srv.Close()
	rs, pg, err := newTestClient(srv).Referrals(context.Background(), ReferralQuery{StartDate: "2026-03-01", EndDate: "2026-03-31", Direction: "outgoing", PageSize: 100})
	if err != nil || len(rs) != 1 || rs[0].ID != "abc" || rs[0].EHRID != "" || rs[0].FromProviderEHRID != "0" || len(rs[0].DocumentIDs) != 1 || pg.TotalCount != 1 {
		t.Fatalf("%+v %+v %v", rs, pg, err)
	}
	if query != "direction=outgoing&end_date=2026-03-31&page_size=100&start_date=2026-03-01" {
		t.Errorf("query %s", query)
	}
}

// Retries are logged with the path only: never the query (a patient's
// name or MRN), the headers or the body.
func TestRetryLogHasNoPHIOrSecrets(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			answer(500, `{"success":false,"message":"oops"}`)(w, r)
			return
		}
		answer(200, `{"success":true,"patients":[],"pagination":{}}`)(w, r)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c := newTestClient(srv, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	if _, _, err := c.Patients(context.Background(), PatientQuery{LastName: "Zebediah", MRN: "8675309"}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "cobalt retry") || !strings.Contains(out, "/patients") {
		t.Fatalf("no retry logged: %q", out)
	}
	for _, secret := range []string{"Zebediah", "8675309", "cs_test", "at_test"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q: %s", secret, out)
		}
	}
}

func TestDocumentErrorHidesPath(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "Jane-Roe", "mri.pdf")
	r := validRequest()
	r.Documents = []Document{{Filename: "mri.pdf", Size: 10, Open: func() (io.ReadCloser, error) {
		return os.Open(missing)
	}}}
	err := r.WriteBody(io.Discard)
	var de *DocumentError
	if !errors.As(err, &de) || !errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "Jane-Roe") ||
		!strings.Contains(err.Error(), "document 1") {
		t.Fatalf("err %v", err)
	}
}
