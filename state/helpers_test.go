package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"refdesk/api"
)

// openTest opens a Desk on a fresh SQLite file in t.TempDir(), or in the
// PostgreSQL run on the fresh database standing for that path
// (testOptions).
func openTest(t testing.TB, opt Options) *Desk {
	t.Helper()
	if opt.Path == "" {
		opt.Path = filepath.Join(t.TempDir(), "data", "refdesk.db")
	}
	d, err := Open(context.Background(), testOptions(t, opt))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// sampleInput is an outgoing referral to referring provider PROV-002.
func sampleInput() ReferralInput {
	return ReferralInput{
		PatientMRN: "1234567", PatientName: "Doe, John", Direction: api.DirectionOutgoing,
		FromEHRID: "PROV-001", ToEHRID: "PROV-002", Priority: api.PriorityUrgent,
		Reason: "Cardiology consultation", DiagnosisCodes: []string{"I10"},
	}
}

// outbox writes a Submitting referral as Submit does before its POST.
func outbox(t testing.TB, d *Desk, in ReferralInput) int64 {
	t.Helper()
	var id int64
	ids := []int64{0}
	err := d.writeAndPublish(context.Background(), &ids, func(tx *sql.Tx) error {
		var err error
		id, err = d.insertReferral(context.Background(), tx, "tester", in, "sent by tester")
		ids[0] = id
		return err
	})
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return id
}

// event builds a referral event envelope.
func event(id, typ, jobID string, data api.ReferralEventData) api.Event {
	b, _ := json.Marshal(data)
	return api.Event{ID: id, Object: "event", Type: typ, JobID: api.JobID(jobID), Data: b}
}

func mustGet(t *testing.T, d *Desk, id int64) (Referral, []Transition) {
	t.Helper()
	r, ts, err := d.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return r, ts
}

// path lists a referral's statuses through its transitions.
func path(ts []Transition) []Status {
	var out []Status
	for i, tr := range ts {
		if i == 0 {
			out = append(out, tr.From)
		}
		out = append(out, tr.To)
	}
	return out
}

func samePath(a, b []Status) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func intp(n int) *int { return &n }

// time0 is a fixed clock for tests that move time by hand.
var time0 = time.Date(2026, 3, 10, 10, 30, 0, 0, time.UTC)

func eventData(referralID string) api.ReferralEventData {
	return api.ReferralEventData{ReferralID: referralID, PatientMRN: "1234567"}
}
