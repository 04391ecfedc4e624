package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/api/sandbox"
	"refdesk/api/sandbox/sandboxtest"
	"refdesk/state"
	"refdesk/ui/form"
	"refdesk/ui/internal/uitest"
)

// fill types a whole referral the way a person does: the patient by MRN,
// the direction by its letter, each provider by its directory text.
func (e *env) fill(direction string, patient, from, to state.Entry, prio, reason, codes string, docs int) {
	e.t.Helper()
	e.d.Type(patient.Key)
	e.d.Press("enter")
	e.d.Type(direction[:1]) // the letter moves on
	e.d.Type(from.Name)
	e.d.Press("enter")
	e.d.Type(to.Name)
	e.d.Press("enter")
	e.d.Type(prio[:1]) // the letter moves on
	e.d.Type(reason)
	e.d.Press("tab")
	e.d.Type(codes)
	e.d.Press("enter")
	if e.m.form.Focus() == form.FieldCodes {
		e.d.Press("enter") // one code added: Enter again moves on
	}
	// Documents got the keyboard: with none attached, the picker is open.
	for i := 0; i < docs; i++ {
		if !e.m.form.Busy() {
			e.d.Press("enter") // open the picker
		}
		for j := 0; j < i; j++ {
			e.d.Press("down")
		}
		e.d.Press("enter") // choose the i-th file
	}
}

func TestOutgoingReferralWithDocumentsCompletes(t *testing.T) {
	e := newEnv(t, 120, 40)
	e.doc("a-consult.pdf", 2000)
	e.doc("b-labs.txt", 500)
	patient := e.entry(state.Patients, 3)
	from := e.entry(state.Providers, 2)
	to := e.entry(state.ReferringProviders, 5)
	e.fill("outgoing", patient, from, to, "urgent", "Chest pain on exertion", "I10, Z87.39", 2)
	in := e.m.form.Input()
	if in.PatientMRN != patient.Key || in.FromEHRID != from.Key || in.ToEHRID != to.Key ||
		in.Direction != "outgoing" || in.Priority != "urgent" || len(in.Documents) != 2 {
		t.Fatalf("form input: %+v", in)
	}
	e.d.Press("ctrl+s")
	e.waitView("Review — exactly what will be sent", "Ready to send", "a-consult.pdf  2.0 kB", "b-labs.txt  500 B",
		"URGENT !", "I10  Essential (primary) hypertension", "Z87.39  Personal history", from.Name, to.Name)
	e.d.Press("enter")
	e.waitView("Sent: referral #1 went to Cobalt at ")
	e.waitView("COMPLETED ✓", "docs 2 attached, 0 failed", "EHR id ")
	if got := e.m.form.Input(); got.PatientMRN != "" || got.Reason != "" {
		t.Fatalf("form not emptied after sending: %+v", got)
	}
	rs, err := e.desk.Referrals(e.ctx, state.Filter{})
	if err != nil || len(rs) != 1 || rs[0].Status != state.Completed || rs[0].Sender != "front1" ||
		rs[0].ToEHRID != to.Key || rs[0].Reason != "Chest pain on exertion" {
		t.Fatalf("stored: %+v %v", rs, err)
	}
	// Details with transitions.
	e.d.Press("ctrl+t", "enter")
	e.waitView("Referral #1", "History", "Submitting → Processing", "Processing → Completed")
	e.d.Press("esc")
	if e.m.pane.InDetail() {
		t.Fatal("esc did not close the details")
	}
	e.d.Press("r") // a Completed referral is not reopened
	e.waitView("Only a Failed or Not sent referral can be", "reopened; this one is Completed.")
	if e.m.onPane != true || e.m.form.Input().PatientMRN != "" {
		t.Fatal("a completed referral was reopened")
	}
}

// Text from Cobalt (a failure reason) is drawn without its control
// sequences, wherever it appears.
func TestCobaltTextIsSanitized(t *testing.T) {
	e := newEnv(t, 120, 40)
	e.sb.SetDelay(time.Hour, time.Hour) // the sandbox never answers: we do
	patient := e.entry(state.Patients, 0)
	e.fill("outgoing", patient, e.entry(state.Providers, 0), e.entry(state.ReferringProviders, 0), "routine", "r", "", 0)
	e.d.Press("ctrl+s")
	e.waitView("Ready to send")
	e.d.Press("enter")
	e.waitView("PROCESSING")
	r, _, err := e.desk.Get(e.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(api.ReferralEventData{ReferralID: r.ReferralID, PatientMRN: r.PatientMRN,
		FailureReason: "EHR\x1b[2J\x1b]0;owned\x07 said no\x1b[31m"})
	ev := api.Event{ID: "evt-sanitize", Object: "event", Type: api.EventReferralFailed, JobID: api.JobID(r.JobID), Data: data}
	if err := e.desk.ApplyEvent(e.ctx, ev); err != nil {
		t.Fatal(err)
	}
	e.waitView("FAILED ✗", "Failed: EHR said no")
	if raw := e.m.View().Content; strings.Contains(raw, "\x1b[2J") || strings.Contains(raw, "owned") {
		t.Fatalf("control sequences reached the screen: %q", raw)
	}
}

func TestIncomingReferralWithNoProviderAndDocument(t *testing.T) {
	e := newEnv(t, 100, 30)
	e.doc("fax.pdf", 4000)
	patient := e.entry(state.Patients, 1)
	from := e.entry(state.ReferringProviders, 0)
	to := e.entry(state.Providers, 0)
	e.fill("incoming", patient, from, to, "stat", "Hip fracture", "S72.001A", 1)
	e.d.Press("ctrl+s")
	e.waitView("Ready to send", "STAT !!", "(referring providers)", "fax.pdf")
	e.d.Press("enter")
	e.waitView("Sent: referral #1")
	e.d.Press("ctrl+t") // narrow layout: the Referrals tab
	e.waitView("COMPLETED ✓", "docs 1 attached")
	r, _, err := e.desk.Get(e.ctx, 1)
	if err != nil || r.Direction != "incoming" || r.FromEHRID != from.Key || r.ToEHRID != to.Key || r.Priority != "stat" {
		t.Fatalf("stored %+v %v", r, err)
	}

	// A second one with no provider on the from side.
	e.d.Press("ctrl+t")
	e.d.Type(patient.Key)
	e.d.Press("enter")
	e.d.Type("i")            // and on to From
	e.d.Press("up", "enter") // From: "No provider on this side" sits above the best match
	e.d.Type(to.Name)
	e.d.Press("enter", "enter") // To, then routine
	e.d.Type("Walk-in")
	e.d.Press("ctrl+s")
	e.waitView(`No provider on this side (sends "0")`, "Ready to send")
	e.d.Press("enter")
	e.waitView("Sent: referral #2")
	r, _, err = e.desk.Get(e.ctx, 2)
	if err != nil || r.FromEHRID != api.NoProvider {
		t.Fatalf("from = %q (%v)", r.FromEHRID, err)
	}
}

func TestFailedReferralReopensFilled(t *testing.T) {
	e := newEnv(t, 120, 40)
	e.sb.SetFailureRate(1)
	e.doc("note.pdf", 100)
	patient := e.entry(state.Patients, 0)
	from := e.entry(state.Providers, 1)
	to := e.entry(state.ReferringProviders, 1)
	e.fill("outgoing", patient, from, to, "routine", "Follow-up", "E11.9", 1)
	want := e.m.form.Input()
	e.d.Press("ctrl+s")
	e.waitView("Ready to send")
	e.d.Press("enter")
	e.waitView("FAILED ✗", "Failed: ")
	e.d.Press("ctrl+t", "f", "f", "f") // filter: failed
	e.waitView("filter: failed", "FAILED ✗")
	e.d.Press("r")
	e.waitView("Reopened referral #1 (Failed: ")
	got := e.m.form.Input()
	if got.PatientMRN != want.PatientMRN || got.FromEHRID != want.FromEHRID || got.ToEHRID != want.ToEHRID ||
		got.Reason != want.Reason || strings.Join(got.DiagnosisCodes, ",") != "E11.9" ||
		len(got.Documents) != 1 || got.Documents[0].Path != want.Documents[0].Path || e.m.onPane {
		t.Fatalf("reopened %+v, want %+v", got, want)
	}
	// Reopened, it still says which one: the patient's DOB, the providers' NPI.
	if got.PatientDOB != patient.DOB || got.From.NPI != from.NPI || got.To.NPI != to.NPI || got.To.City != to.City {
		t.Fatalf("reopened without what tells namesakes apart: %+v", got)
	}
	// And it can be sent again from there.
	e.sb.SetFailureRate(0)
	e.d.Press("ctrl+s")
	e.waitView("Possible duplicate") // the failed one is the same patient/provider/reason
	// The footer names the keys that work there (Enter only repeats the warning).
	if v := uitest.Plain(e.m.reviewView(400, 0)); !strings.Contains(v, "y send anyway · esc back") || strings.Contains(v, "enter send") {
		t.Fatalf("duplicate warning's footer:\n%s", v)
	}
	e.d.Press("enter")
	e.waitView("press y to send it anyway")
	e.d.Press("y")
	e.waitView("Sent: referral #2")
}

func TestReviewRefusesInvalidAndTooLarge(t *testing.T) {
	e := newEnv(t, 120, 40)
	e.d.Press("ctrl+s")
	e.waitView("To fix: Patient, Direction, From, To and Reason. Each field says what to do")
	if e.m.screen != screenMain {
		t.Fatal("went to review with an empty form")
	}
	big := e.doc("scan.pdf", 18_800_000) // 25.07 MB once encoded
	_ = big
	patient := e.entry(state.Patients, 0)
	e.fill("outgoing", patient, e.entry(state.Providers, 0), e.entry(state.ReferringProviders, 0), "routine", "x", "", 1)
	e.waitView("over Cobalt's 25 MB limit")
	if n := len(e.m.form.Input().Documents); n != 0 {
		t.Fatalf("the file over the limit was attached")
	}
}

func TestResizeAndTooSmall(t *testing.T) {
	e := newEnv(t, 80, 24)
	for _, sz := range [][2]int{{80, 24}, {200, 60}, {119, 30}, {120, 30}} {
		e.d.Send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		v := e.view()
		lines := strings.Split(v, "\n")
		if len(lines) != sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := lipglossWidth(l); w > sz[0] {
				t.Errorf("%dx%d: line %d is %d wide: %q", sz[0], sz[1], i, w, l)
			}
		}
		if !strings.Contains(v, "Patient") || !strings.Contains(v, "Referrals") {
			t.Errorf("%dx%d: form or pane missing:\n%s", sz[0], sz[1], v)
		}
	}
	e.d.Send(tea.WindowSizeMsg{Width: 79, Height: 24})
	if v := e.view(); !strings.Contains(v, "refdesk needs a window of at least 80×24") || !strings.Contains(v, "This one is 79×24") {
		t.Fatalf("too small:\n%s", v)
	}
}

func TestDraftSavedAndResumedAndQuitAsks(t *testing.T) {
	e := newEnv(t, 120, 40)
	patient := e.entry(state.Patients, 0)
	e.d.Type(patient.Key)
	e.d.Press("enter")
	e.d.Type("o")
	e.d.WaitFor("draft saved", 5*time.Second, func() bool { return !e.m.unsaved() })
	in, _, ok, err := e.desk.LoadDraft(e.ctx, "front1")
	if err != nil || !ok || in.PatientMRN != patient.Key || in.Direction != "outgoing" {
		t.Fatalf("draft %+v ok=%v err=%v", in, ok, err)
	}
	e.d.Press("ctrl+c")
	e.waitView("Quit refdesk?", "It is kept as a draft")
	e.d.Press("n")
	if e.d.Quit || e.m.screen != screenMain {
		t.Fatal("n did not stay")
	}
	e.d.Press("ctrl+c", "y")
	e.d.WaitFor("quit", 2*time.Second, func() bool { return e.d.Quit })

	// The next session offers the draft.
	e.start(120, 40)
	e.waitView("Resume your draft?", "A referral for "+patient.Name)
	e.d.Press("y")
	if got := e.m.form.Input(); got.PatientMRN != patient.Key || got.Direction != "outgoing" {
		t.Fatalf("resumed %+v", got)
	}
}

// notSentOnce fills a referral and sends it while Cobalt answers 500 to
// every request: the review shows it Not sent (Cobalt still failing).
func notSentOnce(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, 120, 40)
	patient := e.entry(state.Patients, 2)
	e.fill("outgoing", patient, e.entry(state.Providers, 0), e.entry(state.ReferringProviders, 3), "routine", "Knee pain", "", 0)
	e.sb.SetFaults(sandbox.Faults{ErrorRate: 1})
	e.d.Press("ctrl+s")
	e.waitView("Ready to send")
	e.d.Press("enter")
	e.waitView("Not sent: ", "Nothing reached Cobalt")
	return e
}

// A request Cobalt provably did not act on is Not sent; Enter in the
// review sends the same referral again (Desk.ResendWith), not a new one.
func TestNotSentIsResentFromTheReview(t *testing.T) {
	e := notSentOnce(t)
	if e.m.form.Input().Reason != "Knee pain" {
		t.Fatal("the form was not kept")
	}
	e.sb.SetFaults(sandbox.Faults{})
	e.d.Press("enter")
	e.waitView("Sent: referral #1 went to Cobalt")
	rs, err := e.desk.Referrals(e.ctx, state.Filter{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("referrals after resend: %d (%v)", len(rs), err)
	}
}

// A Not sent referral corrected before it goes again, from the review (esc
// to edit) or reopened from the pane, is sent as the same referral with the
// correction: one row in the pane, not a Not sent one beside a new one.
func TestNotSentCorrectedIsSentAsTheSameReferral(t *testing.T) {
	for _, fromPane := range []bool{false, true} {
		t.Run(fmt.Sprint("from the pane ", fromPane), func(t *testing.T) {
			e := notSentOnce(t)
			e.sb.SetFaults(sandbox.Faults{})
			e.d.Press("esc") // edit
			if fromPane {
				e.d.Press("ctrl+t")
				e.waitView("NOT SENT")
				e.d.Press("r")
				e.waitView("Reopened referral #1 (Not sent: ", "ctrl+s sends it again as #1.")
			}
			for i := 0; e.m.form.Focus() != form.FieldReason; i++ {
				if i > 10 {
					t.Fatal("never reached the reason field")
				}
				e.d.Press("tab")
			}
			e.d.Press("end")
			e.d.Type(", worse on stairs")
			e.d.Press("ctrl+s")
			e.waitView("Ready to send", "referral #1 again (it was Not sent")
			e.d.Press("enter")
			e.waitView("Sent: referral #1 went to Cobalt")
			rs, err := e.desk.Referrals(e.ctx, state.Filter{})
			if err != nil || len(rs) != 1 {
				t.Fatalf("%d referrals after the corrected resend (%v), want 1", len(rs), err)
			}
			if !strings.Contains(rs[0].Reason, "worse on stairs") {
				t.Errorf("the correction was not sent: reason %q", rs[0].Reason)
			}
			if e.m.resend != 0 {
				t.Errorf("after the send the form still points at #%d", e.m.resend)
			}
		})
	}
}

// A new session on a synced desk never shows "directories never synced",
// not even on its first frame, drawn before the sync time is read.
func TestFirstFrameMakesNoFalseSyncAlarm(t *testing.T) {
	e := newEnv(t, 120, 40)
	m := newModel(Session{Desk: e.desk, User: "front2", Account: "SANDBOX", Sandbox: true,
		DocumentsDir: e.docs, Context: e.ctx, NoColor: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if v := uitest.Plain(m.View().Content); strings.Contains(v, "never synced") {
		t.Fatalf("the first frame says the directories were never synced:\n%s", v)
	}
	e.waitView("synced just now") // the env's own session, which ran Init
}

// A referral whose answer was lost (Unknown, being checked) counts as in
// progress on the Referrals tab, as the pane's "in progress" filter has it.
func TestUnknownCountsAsInProgressOnTheTab(t *testing.T) {
	e := newEnvWith(t, 80, 30, envOpts{noReconcile: true, rig: func(o *sandboxtest.Options) {
		o.Sandbox.SlowAnswerDelay = 20 * time.Second
		o.Client = func(c *api.Config) { c.HTTPClient = &http.Client{Timeout: 2 * time.Second} }
	}})
	e.fill("outgoing", e.entry(state.Patients, 1), e.entry(state.Providers, 0), e.entry(state.ReferringProviders, 1), "routine", "Answer lost", "", 0)
	e.sb.SetFaults(sandbox.Faults{SlowAnswers: 1})
	e.d.Press("ctrl+s")
	e.waitView("Ready to send")
	e.d.Press("enter")
	e.waitView("answer for referral #1 was lost")
	e.d.WaitFor("the pane to hold the referral as Unknown", 10*time.Second, func() bool {
		rs := e.m.pane.Referrals()
		return len(rs) == 1 && rs[0].Status == state.Unknown
	})
	if v := e.view(); !strings.Contains(v, "Referrals (1 in progress)") {
		t.Fatalf("the tab does not count the Unknown referral:\n%s", v)
	}
}
