package form

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"refdesk/state"
	"refdesk/ui/internal/uitest"
	"refdesk/ui/theme"
)

// codesHarness is the form focused on Diagnosis codes.
func codesHarness(t *testing.T, now time.Time) *harness {
	st := theme.New(true, true)
	keys := theme.DefaultKeys()
	h := &harness{m: New(Config{Sources: sources(), DocumentsDir: t.TempDir(), Styles: &st, Keys: &keys,
		Now: func() time.Time { return now }})}
	h.m.SetSize(100, 40)
	h.d = uitest.New(t, func(msg tea.Msg) tea.Cmd {
		var cmd tea.Cmd
		h.m, cmd = h.m.Update(msg)
		return cmd
	})
	h.d.Run(h.m.FocusField(FieldCodes))
	h.d.Settle()
	return h
}

var fy2027 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func (h *harness) codes() string { return strings.Join(h.m.Input().DiagnosisCodes, ",") }

func TestCodesByWords(t *testing.T) {
	h := codesHarness(t, fy2027)
	h.d.Type("essential hyper")
	v := h.view()
	if !strings.Contains(v, "▶ Diagnosis codes — ICD-10-CM FY2027") || strings.Contains(v, "out of date") {
		t.Fatalf("the header names the set:\n%s", v)
	}
	if !strings.Contains(v, "▸ I10      Essential (primary) hypertension") {
		t.Fatalf("I10 is not on top:\n%s", v)
	}
	h.d.Press("enter") // adds I10, stays for the next code
	if h.codes() != "I10" || h.m.Focus() != FieldCodes || h.m.codes.Query() != "" {
		t.Fatalf("after Enter: %q focus %d query %q", h.codes(), h.m.Focus(), h.m.codes.Query())
	}
	h.d.Type("type 2 diabetes without")
	h.d.Press("down", "up", "enter") // the best row is E11.9
	h.d.Type("z8739")
	h.d.Press("enter")
	if h.codes() != "I10,E11.9,Z87.39" {
		t.Fatalf("codes %q", h.codes())
	}
	if v := h.view(); !strings.Contains(v, "✓ I10 Essential (primary) hypertension") ||
		!strings.Contains(v, "✓ E11.9 Type 2 diabetes mellitus without complications") {
		t.Fatalf("chosen codes lack their descriptions:\n%s", v)
	}
	h.d.Press("backspace") // on an empty input: removes the last code
	if h.codes() != "I10,E11.9" {
		t.Fatalf("backspace: %q", h.codes())
	}
	h.d.Press("enter") // empty: on to Documents
	if h.m.Focus() != FieldDocuments {
		t.Fatalf("focus %d", h.m.Focus())
	}
	if v := h.view(); !strings.Contains(v, "Diagnosis codes — ICD-10-CM FY2027: I10 Essential (primary) hypertension · E11.9 Type 2") {
		t.Fatalf("the field without focus:\n%s", v)
	}
}

func TestCodesHeaderAndNearMiss(t *testing.T) {
	h := codesHarness(t, fy2027)
	h.d.Type("I42.0")
	if v := h.view(); !strings.Contains(v, "I42.0    Dilated cardiomyopathy  ▸ category: 3 codes") {
		t.Fatalf("the category row:\n%s", v)
	}
	h.d.Press("enter") // refused once, with its codes, the cursor on the first
	if got := h.m.Errors()[FieldCodes]; got != "I42.0 is a category; choose one of its codes: I42.00, I42.01, I42.09." {
		t.Fatalf("header: %q", got)
	}
	if h.codes() != "I42.0" || !strings.Contains(h.view(), "▸ I42.00") {
		t.Fatalf("after the refusal: %q\n%s", h.codes(), h.view())
	}
	h.d.Press("down", "enter") // I42.01, new in FY2027
	if h.codes() != "I42.01" || h.m.Errors()[FieldCodes] != "" {
		t.Fatalf("chose %q, error %q", h.codes(), h.m.Errors()[FieldCodes])
	}

	h.d.Type("I1O")
	h.d.Press("enter")
	if got := h.m.Errors()[FieldCodes]; got != "I1O is not a code; did you mean I10 (Essential (primary) hypertension)?" {
		t.Fatalf("near miss: %q", got)
	}
	if v := h.view(); !strings.Contains(v, "did you mean") || !strings.Contains(v, "▸ I10") {
		t.Fatalf("the suggestion is not offered:\n%s", v)
	}
	h.d.Press("enter")
	if h.codes() != "I42.01,I10" {
		t.Fatalf("codes %q", h.codes())
	}

	// A category found by words opens into its codes.
	h.d.Type("dilated cardiomyopathy")
	for i := 0; i < 10 && !strings.Contains(h.view(), "▸ I42.0 "); i++ {
		h.d.Press("down")
	}
	h.d.Press("enter")
	if h.m.codes.Query() != "I42.0" || !strings.Contains(h.view(), "▸ I42.00") {
		t.Fatalf("the category did not open: %q\n%s", h.m.codes.Query(), h.view())
	}
}

func TestCodesInOneLine(t *testing.T) {
	h := codesHarness(t, fy2027)
	h.d.Send(tea.PasteMsg{Content: "I10, Z87.39"})
	if h.codes() != "I10,Z87.39" || h.m.codes.Query() != "" || h.m.Focus() != FieldCodes {
		t.Fatalf("paste: %q query %q", h.codes(), h.m.codes.Query())
	}
	h.d.Send(tea.PasteMsg{Content: "F64.A;I42.0 hypertension"}) // words: searched, not added
	if h.codes() != "I10,Z87.39,F64.A;I42.0 hypertension" {
		t.Fatalf("a paste with words: %q", h.codes())
	}
	h.m.codes.SetCodes(nil)
	h.d.Send(tea.PasteMsg{Content: "f64a I42.0"})
	if h.codes() != "F64.A,I42.0" || h.m.codes.Query() != "I42.0" ||
		!strings.HasPrefix(h.m.Errors()[FieldCodes], "I42.0 is a category") {
		t.Fatalf("a paste with a category: %q, %q", h.codes(), h.m.Errors()[FieldCodes])
	}
	h.m.codes.SetCodes(nil)
	h.d.Type("I10 Z87.39") // typed, then Enter: both, and on to Documents
	h.d.Press("enter")
	if h.codes() != "I10,Z87.39" || h.m.Focus() != FieldDocuments {
		t.Fatalf("typed line: %q focus %d", h.codes(), h.m.Focus())
	}
}

func TestCodesDraftRoundTrip(t *testing.T) {
	h := codesHarness(t, fy2027)
	h.d.Run(h.m.SetInput(state.ReferralInput{DiagnosisCodes: []string{"i10", "essential hyp"}}))
	h.d.Run(h.m.FocusField(FieldCodes))
	if h.codes() != "I10,essential hyp" || h.m.codes.Query() != "essential hyp" {
		t.Fatalf("restored %q query %q", h.codes(), h.m.codes.Query())
	}
	if !strings.Contains(h.view(), "▸ I10") {
		t.Fatalf("the restored search is not run:\n%s", h.view())
	}
}

func TestCodesSetOutOfDate(t *testing.T) {
	h := codesHarness(t, time.Date(2027, 10, 1, 9, 0, 0, 0, time.UTC))
	if v := h.view(); !strings.Contains(v, "ICD-10-CM FY2027 may be out of date: a new code set took effect on 2027-10-01") {
		t.Fatalf("no warning after 2027-10-01:\n%s", v)
	}
}

func TestCodesEscClearsTheSearch(t *testing.T) {
	h := codesHarness(t, fy2027)
	h.d.Type("i10")
	h.d.Press("enter")
	h.d.Type("hypert")
	if !h.m.HasQuery() {
		t.Fatal("the codes search is not a query Esc clears")
	}
	h.d.Run(h.m.ClearQuery())
	if h.codes() != "I10" || h.m.codes.Query() != "" || strings.Contains(h.view(), "matches") {
		t.Fatalf("after Esc: %q %q", h.codes(), h.m.codes.Query())
	}
}

func TestCodesHostilePaste(t *testing.T) {
	h := codesHarness(t, fy2027)
	h.d.Send(tea.PasteMsg{Content: "\x1b[2J\x1b]0;owned\x07 I10"})
	h.d.Press("enter")
	h.d.Press("tab")
	if v := h.m.View(); strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b]0;") {
		t.Fatalf("an escape sequence pasted reaches the screen: %q", v)
	}
}
