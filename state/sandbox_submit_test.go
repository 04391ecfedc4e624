package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/api/sandbox"
)

func writeDoc(t *testing.T, name, content string) DocumentRef {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return DocumentRef{Name: name, Path: p, Size: int64(len(content))}
}

func TestSandboxSubmitCompletesWithDocuments(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	in := sampleInput()
	in.Documents = []DocumentRef{writeDoc(t, "consult-note.pdf", "%PDF-1.4 note"), writeDoc(t, "fail-scan.png", "png")}
	sub := e.d.Subscribe(t.Context())
	r, err := e.d.Submit(ctx, "amy", in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != Processing || r.ReferralID == "" || r.JobID == "" || r.Sender != "amy" {
		t.Fatalf("after Submit: %+v", r)
	}
	r = waitFor(t, e.d, r.ID, patience, terminal)
	if r.Status != Completed || r.EHRID == "" || r.DocumentsAttached == nil || *r.DocumentsAttached != 1 || *r.DocumentsFailed != 1 {
		t.Errorf("completed referral: status %s ehr %q attached %v failed %v", r.Status, r.EHRID, r.DocumentsAttached, r.DocumentsFailed)
	}
	// Subscribers saw Submitting, Processing and Completed, in order.
	var seen []Status
	for len(seen) < 3 {
		select {
		case c := <-sub:
			seen = append(seen, c.Referral.Status)
		case <-time.After(2 * time.Second):
			t.Fatalf("changes seen: %v", seen)
		}
	}
	if !samePath(seen, []Status{Submitting, Processing, Completed}) {
		t.Errorf("changes %v", seen)
	}
	log, _ := e.d.AuditLog(ctx, 10)
	if len(log) == 0 || log[0].Action != "submit" || log[0].User != "amy" || strings.Contains(log[0].Detail, in.PatientMRN) {
		t.Errorf("audit %+v", log)
	}
}

func TestSandboxCheck(t *testing.T) {
	e := newEnv(t, envOpts{})
	in := sampleInput()
	if err := e.d.Check(in); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	bad := in
	bad.Reason = " "
	var ve *api.ValidationError
	if err := e.d.Check(bad); !errors.As(err, &ve) || ve.Message != "Missing required fields: reason." {
		t.Errorf("missing reason: %v", err)
	}
	var ce *CheckError
	for _, c := range []struct {
		field string
		edit  func(*ReferralInput)
	}{
		{"patient", func(in *ReferralInput) { in.PatientMRN = "0000000" }},
		// Directions swap the directories: PROV-002 is a referring provider.
		{"from", func(in *ReferralInput) { in.Direction = api.DirectionIncoming }},
		{"to", func(in *ReferralInput) { in.ToEHRID = "PROV-001" }},
		{"documents", func(in *ReferralInput) { in.Documents = []DocumentRef{{Name: "x.pdf", Path: "/nonexistent/x.pdf"}} }},
	} {
		in := sampleInput()
		c.edit(&in)
		if err := e.d.Check(in); !errors.As(err, &ce) || ce.Field != c.field {
			t.Errorf("%s: err %v", c.field, err)
		}
	}
	none := sampleInput()
	none.FromEHRID, none.ToEHRID = api.NoProvider, api.NoProvider
	if err := e.d.Check(none); err != nil {
		t.Errorf(`"0" on both sides refused: %v`, err)
	}
	swapped := sampleInput()
	swapped.Direction, swapped.FromEHRID, swapped.ToEHRID = api.DirectionIncoming, "PROV-002", "PROV-001"
	if err := e.d.Check(swapped); err != nil {
		t.Errorf("incoming PROV-002 → PROV-001 refused: %v", err)
	}
}

// The sandbox sends the webhook before answering the POST: the event waits
// in the store and is applied in the transaction that records the answer.
func TestSandboxWebhookBeforeAnswer(t *testing.T) {
	e := newEnv(t, envOpts{syncHooks: true, sandbox: sandbox.Options{Faults: sandbox.Faults{EarlyWebhooks: 1}}})
	r, err := e.d.Submit(context.Background(), "amy", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	_, ts := mustGet(t, e.d, r.ID)
	if r.Status != Completed || !samePath(path(ts), []Status{Draft, Submitting, Processing, Completed}) {
		t.Fatalf("status %s, path %v", r.Status, path(ts))
	}
	var received int64
	if err := e.d.st.r.QueryRow("SELECT received_at FROM events WHERE referral_id = ?", r.ReferralID).Scan(&received); err != nil {
		t.Fatal(err)
	}
	if processing := ts[2].At.UnixNano(); received >= processing {
		t.Errorf("event received %d, not before the answer was recorded %d", received, processing)
	}
}

// Duplicated and reordered deliveries: every referral ends once, and the
// desk agrees with the sandbox on what happened.
func TestSandboxDuplicateAndReorderedWebhooks(t *testing.T) {
	e := newEnv(t, envOpts{sandbox: sandbox.Options{FailureRate: sandbox.Rate(0.5),
		Faults: sandbox.Faults{DuplicateWebhooks: 1, ReorderWebhooks: 0.5}}})
	ctx := context.Background()
	var ids []int64
	for i := range 12 {
		in := sampleInput()
		in.Reason = fmt.Sprintf("reason %d", i)
		r, err := e.d.Submit(ctx, "amy", in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	done := map[Status]int{}
	for _, id := range ids {
		r := waitFor(t, e.d, id, patience, terminal)
		done[r.Status]++
		_, ts := mustGet(t, e.d, id)
		if len(ts) != 3 || r.Attention != "" {
			t.Errorf("referral %d: path %v attention %q", id, path(ts), r.Attention)
		}
	}
	st := e.sb.Stats()
	if done[Completed] != st.Created || done[Failed] != st.Failed {
		t.Errorf("desk completed %d failed %d; sandbox created %d failed %d", done[Completed], done[Failed], st.Created, st.Failed)
	}
	// Every distinct event is stored once, however often it came.
	deadline := time.Now().Add(5 * time.Second)
	for countEvents(t, e.d, "1=1") < st.Events && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := countEvents(t, e.d, "1=1"); n != st.Events {
		t.Errorf("%d events stored, sandbox recorded %d", n, st.Events)
	}
	if st.DeliveryAttempts <= st.Events {
		t.Errorf("%d deliveries for %d events: nothing was duplicated", st.DeliveryAttempts, st.Events)
	}
}

// Cobalt refuses the referral (4xx): Failed with Cobalt's own sentence.
func TestSandboxRefusedIsFailedWithCobaltsMessage(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	// A patient the cache knows but Cobalt does not (synced, then removed).
	if _, err := e.d.st.w.Exec(`INSERT INTO patients (mrn, name, detail, text, data) VALUES ('999', 'X', '', 'X', '{}')`); err != nil {
		t.Fatal(err)
	}
	in := sampleInput()
	in.PatientMRN = "999"
	r, err := e.d.Submit(ctx, "amy", in)
	if err != nil {
		t.Fatal(err)
	}
	want := "Patient with MRN '999' not found. Ensure the patient has been synced."
	if r.Status != Failed || r.FailureReason != want {
		t.Errorf("status %s reason %q", r.Status, r.FailureReason)
	}
}

// Cobalt answers 500 before queueing: Not sent; a person resends it.
func TestSandboxServerErrorIsNotSentThenResent(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	r, err := e.d.Submit(ctx, "amy", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != NotSent || r.FailureReason == "" {
		t.Fatalf("status %s reason %q", r.Status, r.FailureReason)
	}
	if n := e.sb.Stats().Referrals; n != 0 {
		t.Fatalf("sandbox created %d referrals", n)
	}
	if dup, _ := e.d.FindDuplicate(ctx, sampleInput()); dup != nil {
		t.Errorf("a Not sent referral counts as a duplicate")
	}
	e.sb.SetFaults(sandbox.Faults{})
	r, err = e.d.ResendWith(ctx, "bob", r.ID, r.ReferralInput) // as it was stored
	if err != nil {
		t.Fatal(err)
	}
	r = waitFor(t, e.d, r.ID, patience, terminal)
	_, ts := mustGet(t, e.d, r.ID)
	want := []Status{Draft, Submitting, NotSent, Submitting, Processing, Completed}
	if r.Status != Completed || r.FailureReason != "" || !samePath(path(ts), want) {
		t.Errorf("status %s reason %q path %v", r.Status, r.FailureReason, path(ts))
	}
	if _, err := e.d.ResendWith(ctx, "bob", r.ID, r.ReferralInput); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("resending a completed referral: %v", err)
	}
}

// A Not sent referral reopened and corrected is sent again as the same
// referral (one row, its history kept) with the corrected content.
func TestSandboxResendWithCorrections(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	r, err := e.d.Submit(ctx, "amy", sampleInput())
	if err != nil || r.Status != NotSent {
		t.Fatalf("first send: %s %v", r.Status, err)
	}
	e.sb.SetFaults(sandbox.Faults{})
	fixed := sampleInput()
	fixed.Reason = "Knee pain, worse on stairs"
	fixed.Priority = api.PriorityUrgent
	bad := fixed
	bad.PatientMRN = ""
	if _, err := e.d.ResendWith(ctx, "bob", r.ID, bad); err == nil {
		t.Fatal("a resend without a patient was accepted")
	}
	if got, _ := mustGet(t, e.d, r.ID); got.Status != NotSent || got.Reason != sampleInput().Reason {
		t.Fatalf("a refused resend changed the referral: %s %q", got.Status, got.Reason)
	}
	if _, err := e.d.ResendWith(ctx, "bob", r.ID, fixed); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, e.d, r.ID, patience, terminal)
	if got.Status != Completed || got.Reason != fixed.Reason || got.Priority != api.PriorityUrgent {
		t.Errorf("after the corrected resend: %s reason %q priority %q", got.Status, got.Reason, got.Priority)
	}
	all, err := e.d.Referrals(ctx, Filter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("%d referrals after the resend (%v), want the one", len(all), err)
	}
	if dup, _ := e.d.FindDuplicate(ctx, fixed); dup == nil || dup.ID != r.ID {
		t.Errorf("the corrected content is not what the referral now matches: %+v", dup)
	}
	if _, err := e.d.ResendWith(ctx, "bob", r.ID, fixed); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("resending a completed referral: %v", err)
	}
}

// Cobalt cannot be reached at all: Not sent, nothing left.
func TestUnreachableIsNotSent(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.api.Close() // the address now refuses connections
	// A connection the sync kept alive may not have seen the close yet: a
	// request on it is reset mid-way (Unknown), which is not this test.
	e.client.CloseIdleConnections()
	r, err := e.d.Submit(context.Background(), "amy", sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != NotSent || r.FailureReason != ReasonNotSent {
		t.Errorf("status %s reason %q", r.Status, r.FailureReason)
	}
}

// 100 submissions at once from 100 sessions, each subscribed: none lost,
// none doubled, and the desk agrees with the sandbox.
func TestSandboxConcurrentSubmissions(t *testing.T) {
	e := newEnv(t, envOpts{sandbox: sandbox.Options{FailureRate: sandbox.Rate(0.2)}})
	const n = 100
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	saw := make([]int, n)
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sub := e.d.Subscribe(ctx)
			in := sampleInput()
			in.Reason = fmt.Sprintf("Consult %d", i)
			r, err := e.d.Submit(ctx, fmt.Sprintf("desk%d", i), in)
			ids[i], errs[i] = r.ID, err
			for c := range sub { // until this session's referral ends
				saw[i]++
				if c.Refresh {
					if cur, _, _ := e.d.Get(ctx, r.ID); cur.Status.Terminal() {
						return
					}
					continue
				}
				if c.Referral.ID == r.ID && c.Referral.Status.Terminal() {
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("submission %d: %v", i, errs[i])
		}
		if seen[ids[i]] || saw[i] == 0 {
			t.Fatalf("submission %d: id %d repeated or no change seen", i, ids[i])
		}
		seen[ids[i]] = true
	}
	refs, err := e.d.Referrals(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	st := e.sb.Stats()
	byStatus := map[Status]int{}
	cobaltIDs := map[string]bool{}
	for _, r := range refs {
		byStatus[r.Status]++
		cobaltIDs[r.ReferralID] = true
	}
	if len(refs) != n || st.Referrals != n || len(cobaltIDs) != n {
		t.Errorf("desk %d referrals (%d Cobalt ids), sandbox %d", len(refs), len(cobaltIDs), st.Referrals)
	}
	if byStatus[Completed] != st.Created || byStatus[Failed] != st.Failed || byStatus[Completed]+byStatus[Failed] != n {
		t.Errorf("desk %v; sandbox created %d failed %d", byStatus, st.Created, st.Failed)
	}
}
