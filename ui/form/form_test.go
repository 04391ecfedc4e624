package form

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"refdesk/api"
	"refdesk/state"
	"refdesk/ui/internal/uitest"
	"refdesk/ui/theme"
)

// Directories: provider 99999 is only in "providers"; 5521 only in
// "referring providers"; 7777 is in both (a shared id).
func sources() Sources {
	return Sources{
		Patients: state.NewIndex([]state.Entry{state.PatientEntry(api.Patient{FirstName: "John", LastName: "Doe", DOB: "1980-05-15", MRN: "414421"})}),
		Providers: state.NewIndex([]state.Entry{
			state.ProviderEntry(api.Provider{EHRID: "99999", Name: "Smith, Jane", NPI: "425345345", Status: "active"}),
			state.ProviderEntry(api.Provider{EHRID: "7777", Name: "Both, Pat", Status: "active"}),
		}),
		Referring: state.NewIndex([]state.Entry{
			state.ReferringProviderEntry(api.ReferringProvider{EHRID: "5521", Name: "Alvarez, Maria", Speciality: "Cardiology", AddressCity: "Springfield"}),
			state.ReferringProviderEntry(api.ReferringProvider{EHRID: "7777", Name: "Both, Pat"}),
		}),
	}
}

type harness struct {
	m Model
	d *uitest.Driver
}

func newHarness(t *testing.T, docs string) *harness {
	st := theme.New(true, true)
	keys := theme.DefaultKeys()
	h := &harness{m: New(Config{Sources: sources(), DocumentsDir: docs, Styles: &st, Keys: &keys})}
	h.m.SetSize(100, 40)
	h.d = uitest.New(t, func(msg tea.Msg) tea.Cmd {
		var cmd tea.Cmd
		h.m, cmd = h.m.Update(msg)
		return cmd
	})
	h.d.Run(h.m.Init())
	h.d.Settle()
	return h
}

func (h *harness) view() string { return uitest.Plain(h.m.View()) }

func TestValidationMessagesAsFieldsAreLeft(t *testing.T) {
	h := newHarness(t, t.TempDir())
	h.d.Type("nobody")
	h.d.Press("tab") // leave Patient with a search but no choice
	errs := h.m.Errors()
	if !strings.HasPrefix(errs[FieldPatient], "Patient: choose the patient from the list") ||
		!strings.Contains(errs[FieldPatient], "pick one from the list") {
		t.Fatalf("patient: %q", errs[FieldPatient])
	}
	h.d.Press("tab") // Direction left empty
	if got := h.m.Errors()[FieldDirection]; !strings.HasPrefix(got, "Direction: press i (incoming) or o (outgoing).") {
		t.Fatalf("direction: %q", got)
	}
	h.d.Press("tab", "tab") // From, To
	errs = h.m.Errors()
	if !strings.HasPrefix(errs[FieldFrom], "From: choose who refers the patient, or ctrl+o for no provider") ||
		!strings.HasPrefix(errs[FieldTo], "To: choose who the patient is referred to, or ctrl+o") {
		t.Fatalf("providers: %q / %q", errs[FieldFrom], errs[FieldTo])
	}
	h.d.Press("tab", "tab") // Priority (routine by default: fine), Reason empty
	if got := h.m.Errors()[FieldReason]; got != "Reason: write why the patient is referred." {
		t.Fatalf("reason: %q", got)
	}
	if h.m.Errors()[FieldPriority] != "" || h.m.Input().Priority != api.PriorityRoutine {
		t.Fatalf("priority: %q %q", h.m.Errors()[FieldPriority], h.m.Input().Priority)
	}
	h.d.Type("I10, z8739, S72001A, I1O")
	h.d.Press("tab") // leaving adds the codes of the set; I1O stays, refused
	if got := h.m.Errors()[FieldCodes]; got != "I1O is not a code; did you mean I10 (Essential (primary) hypertension)?" {
		t.Fatalf("codes on leaving: %q", got)
	}
	v := h.view()
	for _, want := range []string{"✗ Reason: write why the patient is referred.", "I10 Essential (primary) hypertension · Z87.39 Personal",
		"✗ I1O is not a code; did you mean I10"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// Nothing typed was lost.
	if in := h.m.Input(); strings.Join(in.DiagnosisCodes, ",") != "I10,Z87.39,S72.001A,I1O" || h.m.patient.Query() != "nobody" {
		t.Fatalf("typing lost: %+v query %q", in.DiagnosisCodes, h.m.patient.Query())
	}
	msg, _ := h.m.ValidateAll()
	if msg != "To fix: Patient, Direction, From, To, Reason and Diagnosis codes. Each field says what to do; the cursor is on Patient." {
		t.Fatalf("ValidateAll = %q", msg)
	}
	if h.m.Focus() != FieldPatient {
		t.Fatalf("focus after ValidateAll = %d", h.m.Focus())
	}
}

// fill types an outgoing referral from Smith (providers) to Alvarez.
func fill(h *harness) {
	h.d.Type("doe")
	h.d.Press("enter") // choose John Doe, on to Direction
	h.d.Type("o")      // outgoing, and on to From
	h.d.Type("smith")
	h.d.Press("enter") // From: Smith (providers)
	h.d.Type("alvarez")
	h.d.Press("enter") // To: Alvarez (referring providers)
	h.d.Type("u")      // urgent, and on to Reason
	h.d.Type("Chest pain")
	h.d.Press("enter") // a new line in the reason
	h.d.Type("on exertion")
	h.d.Press("tab")
	h.d.Type("i10 z87.39")
	h.d.Press("enter")
}

func TestFullOutgoingFormAndDirectionSwitch(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ecg.pdf"), []byte("%PDF-1.4 ecg"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, dir)
	fill(h)
	if h.m.Focus() != FieldDocuments {
		t.Fatalf("focus = %d", h.m.Focus())
	}
	if !h.m.Busy() {
		t.Fatal("the file picker did not open when Documents got the keyboard")
	}
	h.d.Press("enter") // choose ecg.pdf, the newest
	in := h.m.Input()
	want := state.ReferralInput{PatientMRN: "414421", PatientName: "Doe, John", PatientDOB: "1980-05-15",
		Direction: "outgoing", FromEHRID: "99999", FromName: "Smith, Jane", ToEHRID: "5521", ToName: "Alvarez, Maria",
		Priority: "urgent", Reason: "Chest pain\non exertion", DiagnosisCodes: []string{"I10", "Z87.39"}}
	if in.PatientMRN != want.PatientMRN || in.PatientDOB != want.PatientDOB || in.FromEHRID != want.FromEHRID ||
		in.ToEHRID != want.ToEHRID || in.Priority != want.Priority || in.Reason != want.Reason ||
		strings.Join(in.DiagnosisCodes, ",") != "I10,Z87.39" || len(in.Documents) != 1 || in.Documents[0].Name != "ecg.pdf" {
		t.Fatalf("input = %+v", in)
	}
	if msg, _ := h.m.ValidateAll(); msg != "" {
		t.Fatalf("ValidateAll = %q", msg)
	}
	if v := h.view(); !strings.Contains(v, "From (providers): Smith, Jane") ||
		!strings.Contains(v, "To (referring providers): Alvarez, Maria") || !strings.Contains(v, "(•) URGENT !") {
		t.Fatalf("view:\n%s", v)
	}

	// Switch to incoming: Smith is not a referring provider, Alvarez not a
	// clinic provider; both are cleared, with a message.
	h.d.Run(h.m.FocusField(FieldDirection))
	h.d.Settle()
	h.d.Type("i")
	in = h.m.Input()
	if in.Direction != "incoming" || in.FromEHRID != "" || in.ToEHRID != "" {
		t.Fatalf("after switch: %+v", in)
	}
	if n := h.m.Notice(); !strings.Contains(n, "From (Smith, Jane) is not in the referring providers directory") ||
		!strings.Contains(n, "To (Alvarez, Maria) is not in the providers directory") {
		t.Fatalf("notice = %q", n)
	}
	if v := h.view(); !strings.Contains(v, "▶ From — searches referring providers") || h.m.Focus() != FieldFrom {
		t.Fatalf("titles not switched:\n%s", v)
	}
	// Reason, codes, documents, patient survive the switch.
	if in.PatientMRN != "414421" || in.Reason != want.Reason || len(in.Documents) != 1 {
		t.Fatalf("lost on switch: %+v", in)
	}
}

func TestDirectionSwitchKeepsProvidersThatStillFit(t *testing.T) {
	h := newHarness(t, t.TempDir())
	h.d.Type("doe")
	h.d.Press("enter")
	h.d.Type("o") // outgoing, and on to From
	h.d.Type("both")
	h.d.Press("enter")       // From: 7777, in both directories
	h.d.Press("up", "enter") // To: no provider on this side
	h.d.Run(h.m.FocusField(FieldDirection))
	h.d.Settle()
	h.d.Press("right") // incoming
	in := h.m.Input()
	if in.Direction != "incoming" || in.FromEHRID != "7777" || in.ToEHRID != api.NoProvider {
		t.Fatalf("after switch: %+v", in)
	}
	if n := h.m.Notice(); !strings.Contains(n, "still fit") {
		t.Fatalf("notice = %q", n)
	}
}

func TestSetInputRestoresEverything(t *testing.T) {
	h := newHarness(t, t.TempDir())
	in := state.ReferralInput{PatientMRN: "414421", PatientName: "Doe, John", PatientDOB: "1980-05-15",
		Direction: "incoming", FromEHRID: "5521", FromName: "Alvarez, Maria", ToEHRID: api.NoProvider,
		Priority: "stat", Reason: "Fall", DiagnosisCodes: []string{"S72.001A"},
		Documents: []state.DocumentRef{{Name: "xray.png", Path: "/nonexistent/xray.png", Size: 10}}}
	h.d.Run(h.m.SetInput(in))
	h.d.Settle()
	got := h.m.Input()
	if got.PatientMRN != in.PatientMRN || got.PatientDOB != in.PatientDOB || got.FromEHRID != "5521" ||
		got.ToEHRID != "0" || got.Priority != "stat" || got.Reason != "Fall" ||
		strings.Join(got.DiagnosisCodes, ",") != "S72.001A" || len(got.Documents) != 1 {
		t.Fatalf("restored %+v", got)
	}
	v := h.view()
	if !strings.Contains(v, "(•) STAT !!") || !strings.Contains(v, `No provider on this side (sends "0")`) {
		t.Fatalf("view:\n%s", v)
	}
}

// Only i and o choose the direction and move on: another letter (a
// clerk typing ahead into the next field) leaves the focus on Direction,
// saying which letters choose, and chooses nothing.
func TestDirectionStrayLetterStays(t *testing.T) {
	h := newHarness(t, t.TempDir())
	h.d.Run(h.m.FocusField(FieldDirection))
	h.d.Settle()
	for _, k := range []string{"x", "h", "1"} {
		h.d.Press(k)
		if h.m.Focus() != FieldDirection || h.m.Input().Direction != "" {
			t.Fatalf("%s: focus %d, direction %q", k, h.m.Focus(), h.m.Input().Direction)
		}
	}
	if got := h.m.Errors()[FieldDirection]; !strings.Contains(got, "press i (incoming) or o (outgoing)") {
		t.Fatalf("no hint: %q", got)
	}
	h.d.Press("o")
	if h.m.Focus() != FieldFrom || h.m.Input().Direction != "outgoing" || h.m.Errors()[FieldDirection] != "" {
		t.Fatalf("o: focus %d, direction %q, %q", h.m.Focus(), h.m.Input().Direction, h.m.Errors()[FieldDirection])
	}
	h.d.Run(h.m.FocusField(FieldDirection))
	h.d.Settle()
	h.d.Press("x")
	if h.m.Focus() != FieldDirection || h.m.Input().Direction != "outgoing" {
		t.Fatalf("x on a chosen direction: focus %d, direction %q", h.m.Focus(), h.m.Input().Direction)
	}
}
