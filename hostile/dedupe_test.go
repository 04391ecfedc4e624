package hostile

import (
	"bytes"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"refdesk/api"
)

// storedEvents counts the events the desk stored for job, reading its
// SQLite file directly (the desk has no listing of raw events).
func storedEvents(t *testing.T, e *env, job string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+e.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM events WHERE job_id = ?", job).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 19, finding 5: an event without an id was keyed by the unsigned
// webhook-id header, so one signed body posted under three headers was
// stored three times. The key now comes from the signed body alone.
func TestWebhookDedupeIgnoresUnsignedHeader(t *testing.T) {
	e := newEnv(t)
	const job = "job_hostile_dedupe"
	body := []byte(`{"object":"event","type":"referral.failed","job_id":"` + job + `",` +
		`"data":{"referral_id":"ref_hostile_dedupe","failure_reason":"x","reasons":[{"code":"x","description":"x"}]}}`)
	sig := api.Sign(body, hookSecret)
	for _, id := range []string{"msg_1", "msg_2", "msg_3"} {
		req, err := http.NewRequest(http.MethodPost, e.hook, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(api.HeaderVerification, sig)
		req.Header.Set(api.HeaderWebhookID, id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook-id %s: %d", id, resp.StatusCode)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.events.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if e.events.Load() < 3 {
		t.Fatal("the three deliveries never reached the desk, so this test proved nothing")
	}
	e.settle()
	if n := storedEvents(t, e, job); n != 1 {
		t.Fatalf("one signed body under three webhook-id headers was stored %d times, want once", n)
	}
}
