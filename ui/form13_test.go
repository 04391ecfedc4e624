package ui

import (
	"strings"
	"testing"
	"time"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/form"
	"refdesk/ui/internal/uitest"
)

// Issue 13: a wrong referral must be harder to send than a right one. Each
// test drives the real Desk on the sandbox over HTTP.

// toField presses tab until field f has the keyboard.
func (e *env) toField(f int) {
	e.t.Helper()
	for i := 0; i < 10 && e.m.form.Focus() != f; i++ {
		e.d.Press("tab")
	}
	if e.m.form.Focus() != f {
		e.t.Fatalf("could not reach field %d", f)
	}
}

// prefix is a search that matches several entries of dir.
func (e *env) prefix(dir state.Directory) string {
	e.t.Helper()
	ix := e.desk.Index(dir)
	for _, m := range ix.Search("", ix.Len()).Matches {
		p := strings.ToLower(m.Entry.Name[:min(4, len(m.Entry.Name))])
		if ix.Search(p, 10).Total > 1 {
			return p
		}
	}
	e.t.Fatalf("no shared prefix in %s", dir)
	return ""
}

func TestDirectionChangeClearsBothSearches(t *testing.T) {
	e := newEnv(t, 120, 40)
	e.toField(form.FieldDirection)
	e.d.Type("o") // and on to From
	e.toField(form.FieldFrom)
	walk := e.prefix(state.Providers)
	e.d.Type(walk) // outgoing From searches this clinic's providers
	e.d.Press("tab")
	e.d.Type(e.prefix(state.ReferringProviders))
	if e.m.form.Query(form.FieldFrom) == "" || e.m.form.Query(form.FieldTo) == "" {
		t.Fatal("the searches were not typed")
	}
	e.d.Press("shift+tab", "shift+tab")
	e.d.Type("i")
	if q, r := e.m.form.Query(form.FieldFrom), e.m.form.Query(form.FieldTo); q != "" || r != "" {
		t.Fatalf("after a direction change the searches are %q and %q, want both empty", q, r)
	}
	e.toField(form.FieldFrom)
	e.waitView("▶ From — searches referring providers")
	if v := e.view(); strings.Contains(v, "› "+walk) {
		t.Fatalf("From still shows %q:\n%s", walk, v)
	}
	if in := e.m.form.Input(); in.FromEHRID != "" || in.ToEHRID != "" {
		t.Fatalf("a direction change chose %+v", in)
	}
}

func TestEnterOnNoMatchChoosesNothingAndNeverZero(t *testing.T) {
	e := newEnv(t, 120, 40)
	e.toField(form.FieldDirection)
	e.d.Type("o") // and on to From
	e.toField(form.FieldFrom)
	e.d.Type("zzqq")
	e.d.Press("enter")
	if in := e.m.form.Input(); in.FromEHRID != "" {
		t.Fatalf("enter on no match chose %q", in.FromEHRID)
	}
	if e.m.form.Focus() != form.FieldFrom {
		t.Fatal("enter on no match moved on")
	}
	e.waitView("No match for “zzqq”: nothing was chosen", "From")
	// Typed text, a hurried clerk: up to the top of the list and Enter.
	e.d.Press("esc")
	e.d.Type(e.prefix(state.Providers))
	e.d.Press("up", "up", "up", "up", "enter")
	if in := e.m.form.Input(); in.FromEHRID == api.NoProvider || in.FromEHRID == "" {
		t.Fatalf("typed text chose %q", in.FromEHRID)
	}
	// On purpose: ctrl+o, shown in the footer.
	e.waitView("ctrl+o no provider")
	e.d.Type(e.prefix(state.ReferringProviders))
	e.d.Press("ctrl+o")
	if in := e.m.form.Input(); in.ToEHRID != api.NoProvider {
		t.Fatalf("ctrl+o chose %q", in.ToEHRID)
	}
}

// fillHead chooses the patient and the direction and waits for the draft.
func (e *env) fillHead(patient state.Entry) {
	e.t.Helper()
	e.d.Type(patient.Key)
	e.d.Press("enter")
	e.d.Type("o")
	e.d.WaitFor("draft saved", 5*time.Second, func() bool { return !e.m.unsaved() })
}

func TestResumedDraftKeepsItsPatient(t *testing.T) {
	e := newEnv(t, 120, 40)
	patient := e.entry(state.Patients, 1)
	e.fillHead(patient)
	e.start(120, 40)
	e.waitView("Resume your draft?", patient.Name, "MRN "+patient.Key)
	e.d.Press("enter")
	if f := e.m.form.Focus(); f != form.FieldFrom {
		t.Fatalf("resumed on field %d, want From (the first empty one)", f)
	}
	e.d.Press("shift+tab", "shift+tab")
	e.waitView("✓ chosen: "+patient.Name, "enter keeps it")
	if v := e.view(); strings.Contains(v, "▸") {
		t.Fatalf("the patient field shows a list with a row highlighted:\n%s", v)
	}
	e.d.Press("enter")
	if in := e.m.form.Input(); in.PatientMRN != patient.Key {
		t.Fatalf("enter on the resumed patient changed it to %q", in.PatientMRN)
	}
	if f := e.m.form.Focus(); f != form.FieldDirection {
		t.Fatalf("enter kept the patient but did not move on (field %d)", f)
	}
}

// restart quits this session, closes the desk and opens its SQLite file
// again, as the next start of refdesk does.
func (e *env) restart() {
	e.t.Helper()
	if err := e.desk.Close(); err != nil {
		e.t.Fatal(err)
	}
	d, err := state.Open(e.ctx, state.Options{Path: e.path, Client: e.api})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { d.Close() })
	e.desk = d
	e.start(120, 40)
}

func TestEscOnResumeKeepsTheDraftAcrossRestarts(t *testing.T) {
	e := newEnv(t, 120, 40)
	patient := e.entry(state.Patients, 2)
	e.fillHead(patient)
	e.restart()
	e.waitView("Resume your draft?", "n/esc not now")
	e.d.Press("esc")
	e.waitView("Draft kept for later")
	// A new referral typed meanwhile is a draft of its own.
	other := e.entry(state.Patients, 3)
	e.fillHead(other)
	e.d.Press("ctrl+c", "y")
	e.d.WaitFor("quit", 2*time.Second, func() bool { return e.d.Quit })
	e.restart()
	e.waitView("Resume your draft?", other.Name)
	e.d.Press("y")
	if in := e.m.form.Input(); in.PatientMRN != other.Key {
		t.Fatalf("resumed %q, want the newer draft %q", in.PatientMRN, other.Key)
	}
	// That one sent or discarded, the one put aside comes back.
	e.d.Press("ctrl+c", "d")
	e.waitView("Discard the draft?", "y discard it and quit")
	e.d.Press("y")
	e.d.WaitFor("quit", 2*time.Second, func() bool { return e.d.Quit })
	e.restart()
	e.waitView("Resume your draft?", patient.Name)
	e.d.Press("esc")
	e.restart()
	e.waitView("Resume your draft?", patient.Name)
	log, err := e.desk.AuditLog(e.ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	discards := 0
	for _, a := range log {
		if a.Action == "discard draft" && a.User == "front1" {
			discards++
		}
		if strings.Contains(a.Detail, patient.Name) || strings.Contains(a.Detail, other.Name) {
			t.Errorf("the audit log holds a patient's name: %+v", a)
		}
	}
	if discards != 1 {
		t.Fatalf("%d discards in the audit log, want 1: %+v", discards, log)
	}
}

func TestDiscardOnResumeAsksOnce(t *testing.T) {
	e := newEnv(t, 120, 40)
	patient := e.entry(state.Patients, 4)
	e.fillHead(patient)
	e.start(120, 40)
	e.waitView("Resume your draft?")
	e.d.Press("d")
	e.waitView("Discard the draft?", "y discard it")
	e.d.Press("n") // anything but y keeps it
	e.waitView("Resume your draft?")
	e.d.Press("d", "y")
	e.waitView("Draft discarded.")
	if _, _, ok, err := e.desk.LoadDraft(e.ctx, "front1"); ok || err != nil {
		t.Fatalf("draft still there after d, y (err %v)", err)
	}
}

func TestReviewTellsNamesakesApart(t *testing.T) {
	e := newEnv(t, 140, 45)
	ix := e.desk.Index(state.ReferringProviders)
	var twin state.Entry
	for _, m := range ix.Search("", ix.Len()).Matches {
		if n, err := e.desk.Namesakes(e.ctx, state.ReferringProviders, m.Entry.Name); err == nil && n == 2 {
			twin = m.Entry
			break
		}
	}
	if twin.Key == "" {
		t.Fatal("the sandbox directory has no two referring providers with one name")
	}
	patient := e.entry(state.Patients, 5)
	to := e.entry(state.Providers, 1)
	e.fill("incoming", patient, twin, to, "routine", "Follow-up", "", 0)
	in := e.m.form.Input()
	chosen, ok := ix.Lookup(in.FromEHRID)
	if !ok || chosen.Name != twin.Name {
		t.Fatalf("From chose %+v, want one named %q", in, twin.Name)
	}
	e.d.Press("ctrl+s")
	e.waitView("Review — exactly what will be sent", "Ready to send")
	v := uitest.Plain(e.m.reviewView(400, 0)) // unwrapped
	for _, want := range []string{"⚠ 2 × " + twin.Name + " in referring providers: check the city",
		"NPI " + chosen.NPI, chosen.City, "EHR " + chosen.Key,
		"DOB " + state.USDate(patient.DOB), "MRN " + patient.Key} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "⚠ 2 × "+to.Name) || strings.Contains(v, "in patients") {
		t.Fatalf("an entry with a unique name is marked:\n%s", v)
	}
}

// TestRefusalsInPlainWordsAndReasonTrimmed: a refusal names the field as
// the form labels it and what to do, with Cobalt's exact message kept
// beneath; the reason reaches Cobalt trimmed.
func TestRefusalsInPlainWordsAndReasonTrimmed(t *testing.T) {
	e := newEnv(t, 140, 45)
	from, to := e.entry(state.Providers, 0), e.entry(state.ReferringProviders, 0)
	e.d.Run(e.m.form.SetInput(state.ReferralInput{PatientMRN: "999999999", PatientName: "Nobody, Known",
		Direction: "outgoing", FromEHRID: from.Key, FromName: from.Name, ToEHRID: to.Key, ToName: to.Name,
		Priority: "routine", Reason: "x"}))
	e.d.Press("ctrl+s")
	e.waitView("Review — exactly what will be sent")
	e.d.WaitFor("checked", 5*time.Second, func() bool { return !e.m.review.checking })
	v := uitest.Plain(e.m.reviewView(400, 0))
	for _, want := range []string{"✗ Patient: MRN 999999999 is not among the patients synced to Cobalt",
		"Cobalt's message: Patient with MRN '999999999' not found. Ensure the patient has been synced.", "esc/e edit"} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "enter send") {
		t.Errorf("the footer offers enter on a refused referral:\n%s", v)
	}
	e.d.Press("esc")

	patient := e.entry(state.Patients, 6)
	e.d.Run(e.m.form.Reset())
	e.fill("outgoing", patient, from, to, "routine", "   Knee pain, 3 weeks  ", "", 0)
	e.d.Press("ctrl+s")
	e.waitView("Ready to send")
	e.d.Press("enter")
	e.waitView("Sent: referral #1")
	day := time.Now().UTC()
	got, _, err := e.api.Referrals(e.ctx, api.ReferralQuery{PatientMRN: patient.Key,
		StartDate: day.AddDate(0, 0, -1).Format(time.DateOnly), EndDate: day.AddDate(0, 0, 1).Format(time.DateOnly)})
	if err != nil || len(got) != 1 {
		t.Fatalf("Cobalt's referrals for %s: %+v %v", patient.Key, got, err)
	}
	if got[0].Reason != "Knee pain, 3 weeks" {
		t.Fatalf("Cobalt got the reason %q, want it trimmed", got[0].Reason)
	}
}
